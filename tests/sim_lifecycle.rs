//! How objects end on the simulator, as on a real cluster: finalizers keep a deleted object
//! (with its `deletionTimestamp`) until they are removed, namespaces terminate while their content
//! goes, owners' deletions propagate to dependents (Background, Foreground, Orphan), and
//! deletecollection deletes what a selector matches. Through kubectl and kube-rs, with the
//! simulator's controllers running at time scale 0.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestSim, fails, ok};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, PostParams, WatchEvent, WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::wait::{await_condition, conditions};
use kube::runtime::watcher;
use serde_json::{Value, json};

/// Polls `probe` until it gives a value, for at most ten seconds (controllers act asynchronously).
fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get_json(sim: &TestSim, args: &[&str]) -> Option<Value> {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = sim.kubectl("k", &all);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).expect("kubectl prints JSON"))
}

const KEPT: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: kept
  finalizers: [example.com/cleanup]
data: {k: v}
"#;

#[test]
fn kubectl_delete_waits_until_the_last_finalizer_is_removed() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl("k", &["create", "namespace", "proj"]));
    ok(sim.kubectl_stdin("k", &["-n", "proj", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], KEPT));

    // A server-side dry run leaves the object as it was.
    let out = ok(sim.kubectl(
        "k",
        &["-n", "demo", "delete", "cm", "kept", "--dry-run=server"],
    ));
    assert!(out.contains("(server dry run)"), "{out}");
    let stored = get_json(&sim, &["-n", "demo", "cm", "kept"]).expect("still there");
    assert!(stored["metadata"].get("deletionTimestamp").is_none());

    // kubectl delete (waiting, by default) returns only once the object is gone.
    let kubeconfig = sim.kubeconfig();
    let cache = sim.dir.path().join("kubecache-delete");
    let delete = std::thread::spawn(move || {
        common::kubectl(
            &kubeconfig,
            &cache,
            "k",
            &["-n", "demo", "delete", "cm", "kept", "--timeout=30s"],
            None,
        )
    });
    let marked = eventually("the deletionTimestamp", || {
        get_json(&sim, &["-n", "demo", "cm", "kept"])
            .filter(|o| o["metadata"]["deletionTimestamp"].is_string())
    });
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 0);
    assert_eq!(
        marked["metadata"]["finalizers"],
        json!(["example.com/cleanup"])
    );
    assert!(
        !delete.is_finished(),
        "kubectl delete waits for the finalizer"
    );

    // A terminating object takes no new finalizer, and its deletion cannot be undone.
    let err = fails(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "patch",
            "cm",
            "kept",
            "--type=json",
            "-p",
            r#"[{"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/more"}]"#,
        ],
    ));
    assert!(
        err.contains("no new finalizers can be added if the object is being deleted"),
        "{err}"
    );
    let err = fails(sim.kubectl("k", &["-n", "demo", "create", "cm", "kept"]));
    assert!(err.contains("already exists"), "{err}");

    ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "patch",
            "cm",
            "kept",
            "--type=merge",
            "-p",
            r#"{"metadata": {"finalizers": null}}"#,
        ],
    ));
    let out = delete.join().expect("delete thread");
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"kept\" deleted"));
    let err = fails(sim.kubectl("k", &["-n", "demo", "get", "cm", "kept"]));
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn a_namespace_terminates_while_its_content_goes() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl("k", &["create", "namespace", "proj"]));
    ok(sim.kubectl_stdin("k", &["-n", "proj", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl("k", &["-n", "demo", "create", "cm", "plain"]));

    let out = ok(sim.kubectl("k", &["delete", "namespace", "demo", "--wait=false"]));
    assert_eq!(out.trim(), "namespace \"demo\" deleted");
    let ns = eventually("the namespace's conditions", || {
        get_json(&sim, &["namespace", "demo"]).filter(|ns| {
            ns["status"]["conditions"]
                .as_array()
                .is_some_and(|c| c.len() == 5)
        })
    });
    assert_eq!(ns["status"]["phase"], "Terminating");
    assert!(ns["metadata"]["deletionTimestamp"].is_string());
    let condition = |kind: &str| {
        ns["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("condition {kind}"))
    };
    assert_eq!(
        condition("NamespaceContentRemaining")["message"],
        "Some resources are remaining: configmaps. has 1 resource instances"
    );
    assert_eq!(
        condition("NamespaceFinalizersRemaining")["message"],
        "Some content in the namespace has finalizers remaining: example.com/cleanup in 1 resource instances"
    );
    assert_eq!(
        condition("NamespaceDeletionContentFailure")["status"],
        "False"
    );
    let err = fails(sim.kubectl("k", &["-n", "demo", "get", "cm", "plain"]));
    assert!(err.contains("not found"), "{err}");

    // Nothing new gets in, and a second delete is refused while the system empties it.
    let err = fails(sim.kubectl("k", &["-n", "demo", "create", "cm", "late"]));
    assert!(
        err.contains("configmaps \"late\" is forbidden: unable to create new content in namespace demo because it is being terminated"),
        "{err}"
    );
    let err = fails(sim.kubectl("k", &["delete", "namespace", "demo", "--wait=false"]));
    assert!(
        err.contains("The system is ensuring all content is removed from this namespace"),
        "{err}"
    );

    ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "patch",
            "cm",
            "kept",
            "--type=merge",
            "-p",
            r#"{"metadata": {"finalizers": null}}"#,
        ],
    ));
    // kubectl wait says nothing when the namespace is already gone by the time it looks.
    ok(sim.kubectl(
        "k",
        &["wait", "--for=delete", "namespace/demo", "--timeout=20s"],
    ));
    let err = fails(sim.kubectl("k", &["get", "namespace", "demo"]));
    assert!(err.contains("not found"), "{err}");
    // Gone for good: it can be created afresh.
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
}

#[test]
fn kubectl_delete_namespace_returns_once_it_is_gone() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl("k", &["-n", "demo", "create", "cm", "plain"]));
    let out = ok(sim.kubectl("k", &["delete", "namespace", "demo", "--timeout=20s"]));
    assert_eq!(out.trim(), "namespace \"demo\" deleted");
    let err = fails(sim.kubectl("k", &["get", "namespace", "demo"]));
    assert!(err.contains("not found"), "{err}");
}

/// A client of the simulator's context `k`, as a user's program makes it.
async fn client(kubeconfig: &Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig parses");
    let options = kube::config::KubeConfigOptions {
        context: Some("k".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("context");
    kube::Client::try_from(config).expect("client")
}

fn configmap(name: &str, owner: Option<&ConfigMap>, block: bool) -> ConfigMap {
    let mut cm = json!({"metadata": {"name": name, "labels": {"app": "x"}}});
    if let Some(owner) = owner {
        cm["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "v1", "kind": "ConfigMap",
            "name": owner.metadata.name, "uid": owner.metadata.uid,
            "blockOwnerDeletion": block,
        }]);
    }
    serde_json::from_value(cm).expect("ConfigMap")
}

async fn gone(api: &Api<ConfigMap>, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while api.get_opt(name).await.expect("get").is_some() {
        assert!(Instant::now() < deadline, "{name} is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn owners_deletions_propagate_to_dependents() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client(&kubeconfig).await, "demo");
        let pp = PostParams::default();
        let make = |name: &'static str, owner: Option<ConfigMap>, block: bool| {
            let api = api.clone();
            let pp = pp.clone();
            async move {
                api.create(&pp, &configmap(name, owner.as_ref(), block))
                    .await
                    .expect("create")
            }
        };

        // Background (the default): the owner goes at once, the collector takes the dependent.
        let owner = make("bg-owner", None, false).await;
        make("bg-dependent", Some(owner), false).await;
        api.delete("bg-owner", &DeleteParams::default())
            .await
            .expect("delete");
        gone(&api, "bg-dependent").await;

        // Foreground: the owner is answered marked, and stays until its blocking dependent went.
        let owner = make("fg-owner", None, false).await;
        make("fg-dependent", Some(owner), true).await;
        let answered = api
            .delete("fg-owner", &DeleteParams::foreground())
            .await
            .expect("delete")
            .left()
            .expect("the object, not a Status");
        assert!(answered.metadata.deletion_timestamp.is_some());
        assert_eq!(
            answered.metadata.finalizers,
            Some(vec!["foregroundDeletion".to_string()])
        );
        gone(&api, "fg-dependent").await;
        gone(&api, "fg-owner").await;

        // Orphan: the owner goes, the dependent stays without its reference.
        let owner = make("or-owner", None, false).await;
        make("or-dependent", Some(owner), true).await;
        api.delete("or-owner", &DeleteParams::orphan())
            .await
            .expect("delete");
        gone(&api, "or-owner").await;
        let kept = api.get("or-dependent").await.expect("orphan stays");
        assert_eq!(kept.metadata.owner_references, None);
    });
}

#[test]
fn delete_collection_deletes_what_the_selector_matches() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl("k", &["create", "namespace", "proj"]));
    ok(sim.kubectl_stdin("k", &["-n", "proj", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl("k", &["-n", "demo", "label", "cm", "kept", "app=x"]));
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client(&kubeconfig).await, "demo");
        for name in ["a", "b"] {
            api.create(&PostParams::default(), &configmap(name, None, false))
                .await
                .expect("create");
        }
        api.create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "other"}})).unwrap(),
        )
        .await
        .expect("create");
        let selected = ListParams::default().labels("app=x");
        let names = |list: kube::core::ObjectList<ConfigMap>| {
            let mut names: Vec<String> = list
                .items
                .into_iter()
                .filter_map(|cm| cm.metadata.name)
                .collect();
            names.sort();
            names
        };

        // A dry-run DELETE of an object with finalizers answers it marked, and persists nothing.
        let answered = api
            .delete(
                "kept",
                &DeleteParams {
                    dry_run: true,
                    ..DeleteParams::default()
                },
            )
            .await
            .expect("dry run")
            .left()
            .expect("the object");
        assert!(answered.metadata.deletion_timestamp.is_some());
        let stored = api.get("kept").await.expect("get");
        assert!(stored.metadata.deletion_timestamp.is_none());

        // A dry run answers the list and deletes nothing.
        let dry = DeleteParams {
            dry_run: true,
            ..DeleteParams::default()
        };
        let listed = api
            .delete_collection(&dry, &selected)
            .await
            .expect("dry run")
            .left()
            .expect("a list");
        assert_eq!(names(listed), ["a", "b", "kept"]);
        assert_eq!(api.list(&selected).await.expect("list").items.len(), 3);

        let listed = api
            .delete_collection(&DeleteParams::default(), &selected)
            .await
            .expect("deletecollection")
            .left()
            .expect("a list");
        assert_eq!(names(listed), ["a", "b", "kept"]);
        let left = api.list(&ListParams::default()).await.expect("list");
        let left: Vec<(String, bool)> = left
            .items
            .into_iter()
            .map(|cm| {
                (
                    cm.metadata.name.unwrap_or_default(),
                    cm.metadata.deletion_timestamp.is_some(),
                )
            })
            .collect();
        // `kube-root-ca.crt`-like platform content aside, only the finalized one and `other` stay.
        assert!(left.contains(&("kept".into(), true)), "{left:?}");
        assert!(left.contains(&("other".into(), false)), "{left:?}");
        assert!(!left.iter().any(|(n, _)| n == "a" || n == "b"), "{left:?}");
    });
}

/// fedrun's apply does not patch an object that is being deleted: it waits for the deletion to
/// finish, then creates the object afresh.
#[tokio::test]
async fn fedrun_apply_waits_for_a_deletion_then_creates_afresh() {
    use fedrun::kube::{ApplyOptions, Clusters, Outcome};
    use fedrun::sim::cluster::{Provider, SimCluster};
    use fedrun::sim::store::Store;
    use kube::api::{Patch, PatchParams};
    use std::sync::Arc;

    let cluster = Arc::new(SimCluster::new("t", Provider::Aws, Arc::new(Store::new())));
    let raw = kube::Client::new(fedrun::sim::api::router(cluster), "default");
    let clusters = Clusters::from_clients(vec![("t".into(), raw.clone())]);
    let t = clusters.cluster("t").await.expect("cluster");
    let opts = ApplyOptions {
        namespace: Some("demo".into()),
        ..ApplyOptions::for_playbook("test")
    };
    let doc = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kept", "finalizers": ["example.com/cleanup"]}, "data": {"k": "v"}});
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}});
    t.apply(vec![namespace, doc.clone()], &opts)
        .await
        .expect("first apply");
    let api: Api<ConfigMap> = Api::namespaced(raw, "demo");
    let old_uid = api.get("kept").await.expect("get").metadata.uid;
    api.delete("kept", &DeleteParams::default())
        .await
        .expect("delete");

    let mut fresh = doc.clone();
    fresh["metadata"]["finalizers"] = json!([]);
    let apply = tokio::spawn(async move { t.apply(vec![fresh], &opts).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    if apply.is_finished() {
        panic!("the apply did not wait: {:?}", apply.await);
    }
    api.patch(
        "kept",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .expect("finalizer removed");
    let applied = apply.await.expect("task").expect("apply");
    assert_eq!(applied[0].outcome, Outcome::Created);
    let now = api.get("kept").await.expect("recreated");
    assert!(now.metadata.deletion_timestamp.is_none());
    assert_ne!(now.metadata.uid, old_uid);
}

/// A ConfigMap's type as kube-rs's dynamic API addresses it.
fn configmaps() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap"))
}

fn remove_finalizers(sim: &TestSim, args: &[&str]) {
    let mut all = vec!["patch"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--type=merge",
        "-p",
        r#"{"metadata": {"finalizers": null}}"#,
    ]);
    ok(sim.kubectl("k", &all));
}

/// A terminating object (finalizer, deletionTimestamp) is still there for every client until its
/// last finalizer goes: kube-rs `await_condition(.., is_deleted(uid))` on an `Api<DynamicObject>`
/// (a list with `fieldSelector=metadata.name=kept&limit=500`, then a watch from its
/// resourceVersion), a kube-rs watch-list `watcher` with the same field selector, and
/// `kubectl wait --for=delete` (a watch-list ending with the initial-events-end bookmark).
/// Awaited through an `Api` over all namespaces, another namespace's `kept` — another uid —
/// satisfies `is_deleted` at once: the footgun kube-rs's `watch_object` warns of, the same
/// on a real cluster.
#[test]
fn a_terminating_object_is_seen_until_it_goes() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl("k", &["create", "namespace", "other"]));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], KEPT));
    ok(sim.kubectl("k", &["-n", "other", "create", "cm", "kept"]));
    let kubeconfig = sim.kubeconfig();
    // The client's and the watches' tasks run on the simulator's runtime.
    let _runtime = sim.rt.enter();
    let client = sim.rt.block_on(client(&kubeconfig));
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "demo", &configmaps());
    let uid = sim.rt.block_on(async {
        let uid = api
            .get("kept")
            .await
            .expect("get")
            .metadata
            .uid
            .expect("uid");
        api.delete("kept", &DeleteParams::default())
            .await
            .expect("delete");
        uid
    });
    let awaited = sim.rt.spawn({
        let (api, uid) = (api.clone(), uid.clone());
        async move { await_condition(api, "kept", conditions::is_deleted(&uid)).await }
    });
    let mut events = watcher(
        api.clone(),
        watcher::Config::default()
            .fields("metadata.name=kept")
            .streaming_lists(),
    )
    .boxed();
    let mut next = || {
        sim.rt
            .block_on(tokio::time::timeout(Duration::from_secs(5), events.next()))
            .expect("a watch event in time")
            .expect("the watch goes on")
            .expect("no watch error")
    };
    assert!(matches!(next(), watcher::Event::Init));
    match next() {
        watcher::Event::InitApply(o) => {
            assert_eq!(o.metadata.uid.as_deref(), Some(uid.as_str()));
            assert!(o.metadata.deletion_timestamp.is_some());
        }
        other => panic!("expected the terminating object, got {other:?}"),
    }
    assert!(matches!(next(), watcher::Event::InitDone));

    let err = fails(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "wait",
            "--for=delete",
            "cm/kept",
            "--timeout=1s",
        ],
    ));
    assert!(err.contains("timed out waiting"), "{err}");
    assert!(!awaited.is_finished(), "await_condition returned early");
    let all: Api<DynamicObject> = Api::all_with(client, &configmaps());
    let at_once = sim
        .rt
        .block_on(tokio::time::timeout(
            Duration::from_secs(5),
            await_condition(all, "kept", conditions::is_deleted(&uid)),
        ))
        .expect("at once")
        .expect("no error");
    assert_eq!(
        at_once.and_then(|o| o.metadata.namespace).as_deref(),
        Some("other")
    );

    let kubeconfig = sim.kubeconfig();
    let cache = sim.dir.path().join("kubecache-wait");
    let wait = std::thread::spawn(move || {
        common::kubectl(
            &kubeconfig,
            &cache,
            "k",
            &[
                "-n",
                "demo",
                "wait",
                "--for=delete",
                "cm/kept",
                "--timeout=30s",
            ],
            None,
        )
    });
    // kubectl's watch must be open before the object goes, or it would only see it absent.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !wait.is_finished(),
        "kubectl wait --for=delete returned early"
    );
    remove_finalizers(&sim, &["-n", "demo", "cm", "kept"]);
    match next() {
        watcher::Event::Delete(o) => assert_eq!(o.metadata.uid.as_deref(), Some(uid.as_str())),
        other => panic!("expected the deletion, got {other:?}"),
    }
    let gone = sim
        .rt
        .block_on(tokio::time::timeout(Duration::from_secs(5), awaited))
        .expect("await_condition ends once the object goes")
        .expect("task")
        .expect("no error");
    assert!(gone.is_none(), "{gone:?}");
    let out = wait.join().expect("wait thread");
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("configmap/kept condition met"),
        "{}",
        common::text(&out)
    );
}

/// Projects are watched as openshift-apiserver serves them: a watch at resourceVersion 0 starts
/// with the existing projects, a terminating project is MODIFIED, and its end a DELETED naming
/// it. Their list ignores a field selector, so kube-rs `await_condition(.., is_deleted(uid))`
/// on projects sees other projects (other uids) and holds at once — on OpenShift too; a
/// project's deletion is awaited on its Namespace.
#[test]
fn a_project_watch_reports_its_deletion() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "proj"]));
    ok(sim.kubectl_stdin("k", &["-n", "proj", "apply", "-f", "-"], KEPT));
    let kubeconfig = sim.kubeconfig();
    // The client's and the watches' tasks run on the simulator's runtime.
    let _runtime = sim.rt.enter();
    let client = sim.rt.block_on(client(&kubeconfig));
    let projects: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "project.openshift.io",
            "v1",
            "Project",
        )),
    );
    let namespaces: Api<DynamicObject> = Api::all_with(
        client,
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Namespace")),
    );
    let mut events = sim
        .rt
        .block_on(projects.watch(&WatchParams::default().fields("metadata.name=proj"), "0"))
        .expect("projects are watched")
        .boxed();
    let mut next = || match sim
        .rt
        .block_on(tokio::time::timeout(Duration::from_secs(5), events.next()))
        .expect("a watch event in time")
        .expect("the watch goes on")
        .expect("an event")
    {
        WatchEvent::Added(o) => ("ADDED", o),
        WatchEvent::Modified(o) => ("MODIFIED", o),
        WatchEvent::Deleted(o) => ("DELETED", o),
        other => panic!("unexpected {other:?}"),
    };
    let (kind, first) = next();
    assert_eq!(
        (kind, first.metadata.name.as_deref()),
        ("ADDED", Some("proj"))
    );
    let uid = first.metadata.uid.expect("uid");

    ok(sim.kubectl("k", &["delete", "project", "proj", "--wait=false"]));
    let (kind, terminating) = next();
    assert_eq!(kind, "MODIFIED");
    assert_eq!(terminating.data["status"]["phase"], "Terminating");

    let early = sim
        .rt
        .block_on(tokio::time::timeout(
            Duration::from_secs(5),
            await_condition(projects, "proj", conditions::is_deleted(&uid)),
        ))
        .expect("at once")
        .expect("no error")
        .expect("another project");
    assert_ne!(early.metadata.name.as_deref(), Some("proj"));
    let awaited = sim.rt.spawn({
        let uid = uid.clone();
        async move { await_condition(namespaces, "proj", conditions::is_deleted(&uid)).await }
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !awaited.is_finished(),
        "the terminating Namespace is still there"
    );

    remove_finalizers(&sim, &["-n", "proj", "cm", "kept"]);
    let deleted = loop {
        match next() {
            ("MODIFIED", _) => continue,
            ("DELETED", o) => break o,
            (kind, o) => panic!("unexpected {kind} {o:?}"),
        }
    };
    assert_eq!(deleted.metadata.name.as_deref(), Some("proj"));
    let gone = sim
        .rt
        .block_on(tokio::time::timeout(Duration::from_secs(10), awaited))
        .expect("the Namespace goes")
        .expect("task")
        .expect("no error");
    assert!(gone.is_none());
}
