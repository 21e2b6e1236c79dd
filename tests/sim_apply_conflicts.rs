//! Server-side apply between field managers, as a real API server keeps it: every write records
//! its manager in `managedFields`, an apply that changes a field someone else owns fails with
//! 409 naming them and the fields, `--force-conflicts` takes them over, equal values are
//! co-owned. Through kubectl (as users see it) and kube-rs (as fedrun sees it).

mod common;

use std::process::{Command, Output};

use common::{TestSim, fails, ok};
use serde_json::{Value, json};

fn sim() -> TestSim {
    TestSim::with_clusters("rosa:aws")
}

fn configmap(data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n{data}"
    )
}

fn apply(sim: &TestSim, manager: &str, manifest: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        "--server-side",
        "--field-manager",
        manager,
        "-f",
        "-",
    ];
    args.extend_from_slice(extra);
    sim.kubectl_stdin("rosa", &args, manifest)
}

/// The object with its managedFields, as `kubectl get -o json --show-managed-fields` prints it.
fn get(sim: &TestSim, what: &str) -> Value {
    let out = ok(sim.kubectl(
        "rosa",
        &[
            "get",
            what,
            "-n",
            "default",
            "-o",
            "json",
            "--show-managed-fields",
        ],
    ));
    serde_json::from_str(&out).unwrap()
}

/// `manager (operation[/subresource]) → fieldsV1` of each entry.
fn managers(object: &Value) -> Vec<(String, Value)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let mut who = format!(
                        "{} ({})",
                        e["manager"].as_str().unwrap(),
                        e["operation"].as_str().unwrap()
                    );
                    if let Some(sub) = e["subresource"].as_str() {
                        who = format!("{who} /{sub}");
                    }
                    (who, e["fieldsV1"].clone())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_second_applier_changing_a_field_conflicts_until_it_forces() {
    let sim = sim();
    ok(apply(&sim, "a", &configmap("  k: one\n  other: x\n"), &[]));
    let err = fails(apply(&sim, "b", &configmap("  k: two\n"), &[]));
    assert!(
        err.starts_with("error: Apply failed with 1 conflict: conflict with \"a\": .data.k\n"),
        "{err}"
    );
    // kubectl's own advice follows the server's message.
    assert!(err.contains("--force-conflicts"), "{err}");
    assert_eq!(get(&sim, "configmap/settings")["data"]["k"], "one");

    // Two fields: grouped under the manager, one line each.
    let err = fails(apply(
        &sim,
        "b",
        &configmap("  k: two\n  other: changed\n"),
        &[],
    ));
    assert!(
        err.starts_with(
            "error: Apply failed with 2 conflicts: conflicts with \"a\":\n- .data.k\n- .data.other\n"
        ),
        "{err}"
    );

    ok(apply(
        &sim,
        "b",
        &configmap("  k: two\n"),
        &["--force-conflicts"],
    ));
    let cm = get(&sim, "configmap/settings");
    assert_eq!(cm["data"], json!({"k": "two", "other": "x"}));
    assert_eq!(
        managers(&cm),
        vec![
            ("a (Apply)".to_string(), json!({"f:data": {"f:other": {}}})),
            ("b (Apply)".to_string(), json!({"f:data": {"f:k": {}}})),
        ]
    );
}

#[test]
fn equal_values_are_co_owned_and_go_when_their_last_owner_lets_go() {
    let sim = sim();
    ok(apply(&sim, "a", &configmap("  k: one\n  mine: x\n"), &[]));
    // Same value: no conflict, both own it.
    ok(apply(&sim, "b", &configmap("  k: one\n"), &[]));
    // a lets go of both fields: `mine` goes, `k` stays with b.
    ok(apply(&sim, "a", &configmap("  unrelated: z\n"), &[]));
    let cm = get(&sim, "configmap/settings");
    assert_eq!(cm["data"], json!({"k": "one", "unrelated": "z"}));
    // b lets go too: `k` goes.
    ok(apply(&sim, "b", &configmap("  b: mine\n"), &[]));
    assert_eq!(
        get(&sim, "configmap/settings")["data"],
        json!({"unrelated": "z", "b": "mine"})
    );
}

#[test]
fn a_repeated_apply_changes_nothing() {
    let sim = sim();
    let manifest = configmap("  k: one\n");
    ok(apply(&sim, "a", &manifest, &[]));
    let before = get(&sim, "configmap/settings");
    let out = ok(apply(&sim, "a", &manifest, &[]));
    assert!(out.contains("serverside-applied"), "{out}");
    let after = get(&sim, "configmap/settings");
    assert_eq!(
        before["metadata"]["resourceVersion"],
        after["metadata"]["resourceVersion"]
    );
    assert_eq!(
        before["metadata"]["managedFields"],
        after["metadata"]["managedFields"]
    );
}

#[test]
fn kubectl_writes_own_what_they_change() {
    let sim = sim();
    ok(apply(&sim, "a", &configmap("  k: one\n  e: one\n"), &[]));
    ok(sim.kubectl(
        "rosa",
        &[
            "patch",
            "configmap",
            "settings",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"k":"patched"}}"#,
        ],
    ));
    let err = fails(apply(&sim, "a", &configmap("  k: one\n  e: one\n"), &[]));
    assert!(
        err.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.k\n"
        ),
        "{err}"
    );

    // kubectl edit, with a scripted editor.
    let edited = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(sim.kubeconfig())
        .args([
            "--context",
            "rosa",
            "edit",
            "configmap/settings",
            "-n",
            "default",
        ])
        .env("KUBE_EDITOR", "sed -i s/e:\\ one/e:\\ edited/")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(edited.status.success(), "{}", common::text(&edited));
    let cm = get(&sim, "configmap/settings");
    assert_eq!(cm["data"], json!({"k": "patched", "e": "edited"}));
    let owners = managers(&cm);
    assert!(
        owners.contains(&(
            "kubectl-edit (Update)".to_string(),
            json!({"f:data": {"f:e": {}}})
        )),
        "{owners:?}"
    );
    let err = fails(apply(
        &sim,
        "a",
        &configmap("  k: patched\n  e: one\n"),
        &[],
    ));
    assert!(
        err.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.e\n"
        ),
        "{err}"
    );
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1
        ports:
        - containerPort: 80
"#;

#[test]
fn deployments_are_owned_by_container_and_scale_takes_replicas() {
    let sim = sim();
    ok(apply(&sim, "a", DEPLOYMENT, &[]));
    let deployment = get(&sim, "deployment/web");
    let fields = &managers(&deployment)[0].1;
    // Containers by name, ports by their keys, the selector whole.
    assert_eq!(fields["f:spec"]["f:selector"], json!({}));
    let container =
        &fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
    assert_eq!(
        container,
        &json!({".": {}, "f:name": {}, "f:image": {},
            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}})
    );

    // A second applier adds its own container: both stay.
    let sidecar = DEPLOYMENT.replace("  replicas: 1\n", "").replace(
        "name: web\n        image: nginx:1\n        ports:\n        - containerPort: 80\n",
        "name: proxy\n        image: envoy:1\n",
    );
    ok(apply(&sim, "b", &sidecar, &[]));
    let names: Vec<Value> = get(&sim, "deployment/web")["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("web"), json!("proxy")]);

    ok(sim.kubectl(
        "rosa",
        &[
            "scale",
            "deployment/web",
            "-n",
            "default",
            "--replicas",
            "3",
        ],
    ));
    let owners = managers(&get(&sim, "deployment/web"));
    // kubectl scale names no manager: the user agent's `kubectl` is recorded.
    assert!(
        owners.contains(&(
            "kubectl (Update) /scale".to_string(),
            json!({"f:spec": {"f:replicas": {}}})
        )),
        "{owners:?}"
    );
    let err = fails(apply(&sim, "a", DEPLOYMENT, &[]));
    assert!(
        err.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas\n"
        ),
        "{err}"
    );
}

#[test]
fn the_conflict_reaches_kube_rs_as_a_status_with_causes() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, Patch, PatchParams};

    let sim = sim();
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let config = kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(&kubeconfig).unwrap(),
            &kube::config::KubeConfigOptions {
                context: Some("rosa".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let api: Api<ConfigMap> = Api::namespaced(client, "default");
        let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s"}, "data": {"k": v}});
        api.patch("s", &PatchParams::apply("one"), &Patch::Apply(cm("1")))
            .await
            .unwrap();
        let err = api
            .patch("s", &PatchParams::apply("two"), &Patch::Apply(cm("2")))
            .await
            .unwrap_err();
        let kube::Error::Api(status) = err else {
            panic!("{err}")
        };
        assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
        assert_eq!(
            status.message,
            "Apply failed with 1 conflict: conflict with \"one\": .data.k"
        );
        let forced = api
            .patch("s", &PatchParams::apply("two").force(), &Patch::Apply(cm("2")))
            .await
            .unwrap();
        assert_eq!(forced.data.unwrap()["k"], "2");
        let owners: Vec<String> = forced
            .metadata
            .managed_fields
            .unwrap()
            .into_iter()
            .map(|e| e.manager.unwrap())
            .collect();
        assert_eq!(owners, vec!["two"]);
    });
}

/// fedrun's own apply: a field another manager set is reported with the object, the manager
/// and the field, not retried, and taken over only with `force`.
#[tokio::test]
async fn fedrun_reports_whose_fields_an_apply_would_change() {
    use fedrun::kube::{ApplyOptions, Clusters, KubeError};
    use fedrun::sim::api::router;
    use fedrun::sim::cluster::{Provider, SimCluster};
    use fedrun::sim::store::Store;
    use kube::api::{Api, DynamicObject, Patch, PatchParams};
    use kube::core::{ApiResource, GroupVersionKind};
    use std::sync::Arc;

    let cluster = Arc::new(SimCluster::new(
        "rosa",
        Provider::Aws,
        Arc::new(Store::new()),
    ));
    let raw = kube::Client::new(router(cluster.clone()), "default");
    let rosa = Clusters::from_clients(vec![("rosa".into(), raw.clone())])
        .cluster("rosa")
        .await
        .unwrap();
    let opts = ApplyOptions {
        namespace: Some("demo".into()),
        ..ApplyOptions::for_playbook("test")
    };
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}});
    let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"k": v}});
    rosa.apply(vec![ns, cm("one")], &opts).await.unwrap();

    // An operator changes the field by hand (a merge patch, as `kubectl patch` sends).
    let configmaps: Api<DynamicObject> = Api::namespaced_with(
        raw,
        "demo",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap")),
    );
    let by_hand = PatchParams {
        field_manager: Some("kubectl-patch".into()),
        ..PatchParams::default()
    };
    configmaps
        .patch(
            "settings",
            &by_hand,
            &Patch::Merge(json!({"data": {"k": "hand"}})),
        )
        .await
        .unwrap();

    let requests = cluster.requests.load(std::sync::atomic::Ordering::Relaxed);
    let err = rosa.apply(vec![cm("two")], &opts).await.unwrap_err();
    let KubeError::Refused {
        document: 0,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**source, KubeError::ApplyConflict { .. }),
        "{source:?}"
    );
    assert_eq!(
        err.to_string(),
        "cluster rosa: ConfigMap demo/settings: the apply would change fields other managers own: \
         .data.k (owned by \"kubectl-patch\" using v1)"
    );
    assert!(err.hint().unwrap().contains("force: true"));
    // Read and one apply: a conflict is not retried.
    assert!(cluster.requests.load(std::sync::atomic::Ordering::Relaxed) - requests <= 2);
    let got = configmaps.get("settings").await.unwrap();
    assert_eq!(got.data["data"]["k"], "hand");

    let forced = ApplyOptions {
        force: true,
        ..opts.clone()
    };
    let applied = rosa.apply(vec![cm("two")], &forced).await.unwrap();
    assert_eq!(applied[0].object["data"]["k"], "two");
    let owners: Vec<&str> = applied[0].object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["fieldsV1"]["f:data"].get("f:k").is_some())
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(owners, vec!["fedrun"]);
}
