//! How objects end on the simulator, as on a real cluster: finalizers keep a deleted object
//! (with its `deletionTimestamp`) until they are removed, namespaces terminate while their content
//! goes, owners' deletions propagate to dependents (Background, Foreground, Orphan), and
//! deletecollection deletes what a selector matches. Through kubectl and kube-rs, with the
//! simulator's controllers running at time scale 0.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestSim, fails, ok};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
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
