//! The kube layer against the simulator's API, in-process (the router as the kube-rs client's
//! tower service), plus a fault-injecting wrapper for the retry behaviour and a kubeconfig-built
//! client over plain HTTP on 127.0.0.1 for the credential and context paths.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body as AxumBody;
use fedrun::kube::{
    ApplyOptions, ClusterClient, Clusters, KubeError, Outcome, RetryPolicy, Seen, WaitCondition,
    Watched,
};
use fedrun::sim::api::router;
use fedrun::sim::cluster::{Provider, SimCluster};
use fedrun::sim::store::Store;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use tower::{BoxError, Service, ServiceExt};

static NEVER: AtomicBool = AtomicBool::new(false);

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        max_total: Duration::from_secs(10),
    }
}

fn sim() -> Arc<SimCluster> {
    Arc::new(SimCluster::new(
        "test",
        Provider::Aws,
        Arc::new(Store::new()),
    ))
}

/// A cluster handle named `rosa` on a fresh simulated cluster, and a raw kube-rs client on it
/// (for what a test does "behind fedrun's back", like an operator updating status).
async fn rosa() -> (ClusterClient, kube::Client) {
    let raw = kube::Client::new(router(sim()), "default");
    let clusters =
        Clusters::from_clients(vec![("rosa".into(), raw.clone())]).with_retry_policy(fast());
    (clusters.cluster("rosa").await.expect("rosa is there"), raw)
}

fn ns(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn cm(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"app": name}}, "data": data})
}

fn widget_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                 "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    })
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"size": 1}})
}

fn widgets(raw: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    Api::namespaced_with(raw.clone(), namespace, &ar)
}

fn opts(namespace: &str) -> ApplyOptions {
    ApplyOptions {
        namespace: Some(namespace.into()),
        ..ApplyOptions::for_playbook("test")
    }
}

fn outcomes(applied: &[fedrun::kube::Applied]) -> Vec<Outcome> {
    applied.iter().map(|a| a.outcome).collect()
}

/// Sets a status condition on a widget as an operator would (status subresource).
async fn set_condition(raw: &kube::Client, namespace: &str, name: &str, type_: &str, status: &str) {
    let patch =
        json!({"status": {"conditions": [{"type": type_, "status": status, "reason": "Test"}]}});
    widgets(raw, namespace)
        .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("status patch");
}

#[tokio::test]
async fn apply_twice_converges_and_reports_changes() {
    let (rosa, _) = rosa().await;
    let docs = vec![
        ns("demo"),
        cm("a", json!({"k": "1"})),
        cm("b", json!({"k": "2"})),
    ];
    let first = rosa
        .apply(docs.clone(), &opts("demo"))
        .await
        .expect("first apply");
    assert_eq!(outcomes(&first), vec![Outcome::Created; 3]);
    let second = rosa.apply(docs, &opts("demo")).await.expect("second apply");
    assert_eq!(outcomes(&second), vec![Outcome::Unchanged; 3]);
    let third = rosa
        .apply(vec![cm("a", json!({"k": "changed"}))], &opts("demo"))
        .await
        .expect("third apply");
    assert_eq!(outcomes(&third), vec![Outcome::Changed]);
    assert_eq!(third[0].object["data"]["k"], "changed");
}

#[tokio::test]
async fn apply_fills_the_namespace_adds_labels_and_drops_namespaces_of_cluster_kinds() {
    let (rosa, _) = rosa().await;
    let mut namespace = ns("demo");
    namespace["metadata"]["namespace"] = json!("ignored");
    let applied = rosa
        .apply(vec![namespace, cm("a", json!({}))], &opts("demo"))
        .await
        .expect("apply");
    let object = &applied[1].object;
    assert_eq!(object["metadata"]["namespace"], "demo");
    let labels = &object["metadata"]["labels"];
    assert_eq!(labels["app"], "a", "the document's own labels stay");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "fedrun");
    assert_eq!(labels["fedrun.io/playbook"], "test");
    assert!(applied[0].object["metadata"].get("namespace").is_none());

    let err = rosa
        .apply(vec![cm("b", json!({}))], &ApplyOptions::default())
        .await
        .expect_err("no namespace");
    assert!(
        matches!(&err, KubeError::Invalid { message } if message.contains("ConfigMap b) is namespaced: give a namespace")),
        "{err}"
    );

    let err = rosa
        .apply(
            vec![
                cm("c", json!({})),
                json!({"apiVersion": "v1", "metadata": {"name": "x"}}),
            ],
            &opts("demo"),
        )
        .await;
    assert!(
        matches!(&err, Err(KubeError::Invalid { message }) if message == "document 2 has no kind"),
        "{err:?}"
    );
    assert!(
        !rosa.exists("cm", Some("demo"), "c").await.expect("exists"),
        "nothing is applied when a document is invalid"
    );
}

#[tokio::test]
async fn apply_a_crd_and_its_resource_in_one_call() {
    let (rosa, _) = rosa().await;
    // Resolve something first so the discovery cache is warm and must be refreshed for Widget.
    rosa.resolve("cm").await.expect("cm");
    let applied = rosa
        .apply(vec![ns("demo"), widget_crd(), widget("w1")], &opts("demo"))
        .await
        .expect("apply");
    assert_eq!(outcomes(&applied), vec![Outcome::Created; 3]);
    let got = rosa
        .get("wd", Some("demo"), "w1")
        .await
        .expect("get by short name");
    assert_eq!(got["kind"], "Widget");
    for typed in [
        "Widget",
        "widgets",
        "widget",
        "widgets.example.com",
        "WIDGET.example.com",
    ] {
        assert!(
            rosa.exists(typed, Some("demo"), "w1").await.expect(typed),
            "{typed}"
        );
    }
}

#[tokio::test]
async fn unknown_kinds_suggest_close_names() {
    let (rosa, _) = rosa().await;
    rosa.apply(vec![ns("demo"), widget_crd()], &opts("demo"))
        .await
        .expect("apply");
    let err = rosa
        .get("widgetz", Some("demo"), "x")
        .await
        .expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "no kind \"widgetz\" on cluster rosa; did you mean wd (widgets.example.com)?"
    );
    let err = rosa
        .get("smcp", Some("demo"), "basic")
        .await
        .expect_err("not installed");
    assert!(
        err.to_string().contains("OpenShift Service Mesh operator"),
        "{err}"
    );
    let err = rosa.apply(vec![json!({"apiVersion": "maistra.io/v2", "kind": "ServiceMeshControlPlane", "metadata": {"name": "basic"}})], &opts("demo")).await;
    assert!(
        matches!(
            &err,
            Err(KubeError::UnknownKind {
                missing_operator: Some(_),
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_list_patch_delete_and_create() {
    let (rosa, _) = rosa().await;
    let mut c = cm("c", json!({}));
    c["metadata"]["labels"]["tier"] = json!("front");
    let mut a = cm("a", json!({"k": "1"}));
    a["metadata"]["labels"]["tier"] = json!("front");
    rosa.apply(vec![ns("demo"), a, cm("b", json!({})), c], &opts("demo"))
        .await
        .expect("apply");

    assert_eq!(
        rosa.get("configmap", Some("demo"), "a").await.expect("get")["data"]["k"],
        "1"
    );
    let err = rosa
        .get("cm", Some("demo"), "nope")
        .await
        .expect_err("absent");
    assert!(
        matches!(&err, KubeError::Api { code: 404, cluster, .. } if cluster == "rosa"),
        "{err:?}"
    );
    assert!(
        rosa.try_get("cm", Some("demo"), "nope")
            .await
            .expect("try_get")
            .is_none()
    );
    assert!(rosa.exists("ns", None, "demo").await.expect("exists"));

    let names = |items: Vec<Value>| {
        items
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            rosa.list(
                "cm",
                Some("demo"),
                Some("tier=front,fedrun.io/playbook=test"),
                None
            )
            .await
            .expect("list")
        ),
        vec!["a", "c"]
    );
    assert_eq!(
        names(
            rosa.list("cm", None, None, Some("metadata.name=b"))
                .await
                .expect("list all")
        ),
        vec!["b"]
    );
    let listed = rosa
        .list("cm", Some("demo"), Some("app=a"), None)
        .await
        .expect("list");
    assert_eq!(
        listed[0]["kind"], "ConfigMap",
        "list items carry their kind"
    );

    let patched = rosa
        .patch_merge("cm", Some("demo"), "a", json!({"data": {"k": "2"}}))
        .await
        .expect("patch");
    assert_eq!(patched["data"]["k"], "2");
    let updated = rosa
        .update("cm", Some("demo"), "a", |o| o["data"]["k"] = json!("3"))
        .await
        .expect("update");
    assert_eq!(updated["data"]["k"], "3");

    assert!(rosa.delete("cm", Some("demo"), "a").await.expect("delete"));
    assert!(
        !rosa
            .delete("cm", Some("demo"), "a")
            .await
            .expect("delete absent")
    );
    assert!(
        !rosa
            .delete("cm", Some("nowhere"), "a")
            .await
            .expect("delete in absent namespace")
    );

    let err = rosa
        .get("cm", None, "a")
        .await
        .expect_err("namespace needed");
    assert!(
        err.to_string().contains("is namespaced: give a namespace"),
        "{err}"
    );

    let created = rosa
        .create("cm", Some("demo"), json!({"metadata": {"name": "fresh"}}))
        .await
        .expect("create");
    assert_eq!(created["metadata"]["namespace"], "demo");
    let err = rosa
        .create("cm", Some("demo"), json!({"metadata": {"name": "fresh"}}))
        .await
        .expect_err("exists");
    assert!(
        matches!(&err, KubeError::Api { code: 409, reason, .. } if reason == "AlreadyExists"),
        "{err:?}"
    );

    assert!(
        rosa.has_api_group("apiextensions.k8s.io")
            .await
            .expect("groups")
    );
    assert!(
        !rosa
            .has_api_group("project.openshift.io")
            .await
            .expect("groups")
    );
}

#[tokio::test]
async fn wait_for_a_condition_set_later_on_an_object_created_later() {
    let (rosa, raw) = rosa().await;
    rosa.apply(vec![ns("demo"), widget_crd()], &opts("demo"))
        .await
        .expect("apply");
    let writer = rosa.clone();
    let operator = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        writer
            .apply(vec![widget("w1")], &opts("demo"))
            .await
            .expect("apply widget");
        set_condition(&raw, "demo", "w1", "Ready", "False").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        set_condition(&raw, "demo", "w1", "Ready", "True").await;
    });
    let ready = WaitCondition::parse("condition=Ready").expect("parse");
    let object = rosa
        .wait(
            "widget",
            Some("demo"),
            "w1",
            &ready,
            Duration::from_secs(10),
            &NEVER,
        )
        .await
        .expect("ready");
    assert_eq!(object["status"]["conditions"][0]["status"], "True");
    operator.await.expect("operator task");

    // Already met: returns at once from the initial list.
    let again = rosa
        .wait(
            "widget",
            Some("demo"),
            "w1",
            &ready,
            Duration::from_millis(500),
            &NEVER,
        )
        .await;
    assert!(again.is_ok(), "{again:?}");
}

#[tokio::test]
async fn wait_for_delete_and_for_a_jsonpath() {
    let (rosa, raw) = rosa().await;
    rosa.apply(vec![ns("demo"), widget_crd(), widget("w1")], &opts("demo"))
        .await
        .expect("apply");
    let deleter = rosa.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        deleter
            .delete("widget", Some("demo"), "w1")
            .await
            .expect("delete");
    });
    let gone = WaitCondition::parse("delete").expect("parse");
    let value = rosa
        .wait(
            "wd",
            Some("demo"),
            "w1",
            &gone,
            Duration::from_secs(10),
            &NEVER,
        )
        .await
        .expect("deleted");
    assert_eq!(value, Value::Null);
    // Absent from the start: met at once.
    rosa.wait(
        "wd",
        Some("demo"),
        "never-was",
        &gone,
        Duration::from_secs(1),
        &NEVER,
    )
    .await
    .expect("absent");

    rosa.apply(vec![widget("w2")], &opts("demo"))
        .await
        .expect("apply");
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let patch = json!({"status": {"phase": "Pending"}});
        let api = widgets(&raw, "demo");
        let _ = api
            .patch_status("w2", &PatchParams::default(), &Patch::Merge(&patch))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let patch = json!({"status": {"phase": "Running", "loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}});
        let _ = api
            .patch_status("w2", &PatchParams::default(), &Patch::Merge(&patch))
            .await;
    });
    let running = WaitCondition::parse("jsonpath={.status.phase}=Running").expect("parse");
    let object = rosa
        .wait(
            "wd",
            Some("demo"),
            "w2",
            &running,
            Duration::from_secs(10),
            &NEVER,
        )
        .await
        .expect("running");
    assert_eq!(object["status"]["phase"], "Running");
    let ingress = WaitCondition::parse("jsonpath={.status.loadBalancer.ingress}").expect("parse");
    rosa.wait(
        "wd",
        Some("demo"),
        "w2",
        &ingress,
        Duration::from_secs(1),
        &NEVER,
    )
    .await
    .expect("ingress exists");
}

#[tokio::test]
async fn wait_timeout_says_what_was_last_seen() {
    let (rosa, raw) = rosa().await;
    rosa.apply(vec![ns("demo"), widget_crd(), widget("w1")], &opts("demo"))
        .await
        .expect("apply");
    set_condition(&raw, "demo", "w1", "Ready", "False").await;
    let ready = WaitCondition::parse("condition=Ready").expect("parse");
    let err = rosa
        .wait(
            "wd",
            Some("demo"),
            "w1",
            &ready,
            Duration::from_millis(300),
            &NEVER,
        )
        .await
        .expect_err("timeout");
    let text = err.to_string();
    assert!(matches!(err, KubeError::Timeout { .. }), "{text}");
    assert!(
        text.contains("on cluster rosa waiting for wd/w1 in demo to be condition=Ready"),
        "{text}"
    );
    assert!(
        text.ends_with("last seen: conditions Ready=False (Test)"),
        "{text}"
    );

    let err = rosa
        .wait(
            "wd",
            Some("demo"),
            "nope",
            &ready,
            Duration::from_millis(200),
            &NEVER,
        )
        .await
        .expect_err("timeout");
    assert!(err.to_string().ends_with("last seen: not found"), "{err}");
}

#[tokio::test]
async fn interrupt_stops_a_wait() {
    let (rosa, _) = rosa().await;
    rosa.apply(vec![ns("demo"), widget_crd()], &opts("demo"))
        .await
        .expect("apply");
    let stop = Arc::new(AtomicBool::new(false));
    let setter = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        setter.store(true, Ordering::SeqCst);
    });
    let ready = WaitCondition::parse("condition=Ready").expect("parse");
    let err = rosa
        .wait(
            "wd",
            Some("demo"),
            "w1",
            &ready,
            Duration::from_secs(30),
            &stop,
        )
        .await
        .expect_err("interrupted");
    // Interrupted, not timed out: the 30 s wait ended on the flag.
    assert!(matches!(err, KubeError::Interrupted), "{err:?}");
}

/// How the fault injector answers while it has faults left.
#[derive(Clone, Copy)]
enum Fault {
    Status(u16, &'static str),
    Drop,
}

/// The simulator's router behind a wrapper that fails the first `remaining` requests.
#[derive(Clone)]
struct Faulty {
    router: axum::Router,
    fault: Fault,
    remaining: Arc<AtomicU32>,
    requests: Arc<AtomicU32>,
}

impl Service<http::Request<kube::client::Body>> for Faulty {
    type Response = http::Response<AxumBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<kube::client::Body>) -> Self::Future {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let fail = self
            .remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let router = self.router.clone();
        let fault = self.fault;
        Box::pin(async move {
            if fail {
                return match fault {
                    Fault::Drop => Err(Box::new(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "connection reset by peer",
                    )) as BoxError),
                    Fault::Status(code, reason) => {
                        let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                          "message": format!("injected {code}"), "reason": reason, "code": code});
                        let response = http::Response::builder()
                            .status(code)
                            .header("content-type", "application/json")
                            .body(AxumBody::from(body.to_string()))?;
                        Ok(response)
                    }
                };
            }
            let response = router.oneshot(request.map(AxumBody::new)).await?;
            Ok(response)
        })
    }
}

async fn faulty(fault: Fault, failures: u32) -> (ClusterClient, Arc<AtomicU32>) {
    let (client, requests, _) = faulty_with_switch(fault, failures).await;
    (client, requests)
}

/// Also returns the number of faults left, so a test can inject more later.
async fn faulty_with_switch(
    fault: Fault,
    failures: u32,
) -> (ClusterClient, Arc<AtomicU32>, Arc<AtomicU32>) {
    let service = Faulty {
        router: router(sim()),
        fault,
        remaining: Arc::new(AtomicU32::new(failures)),
        requests: Arc::new(AtomicU32::new(0)),
    };
    let requests = service.requests.clone();
    let remaining = service.remaining.clone();
    let clusters =
        Clusters::from_clients(vec![("aro".into(), kube::Client::new(service, "default"))])
            .with_retry_policy(fast());
    (
        clusters.cluster("aro").await.expect("aro"),
        requests,
        remaining,
    )
}

#[tokio::test]
async fn waits_ride_out_transient_failures_and_give_up_on_a_dead_cluster() {
    let (aro, _, remaining) = faulty_with_switch(Fault::Status(503, "ServiceUnavailable"), 0).await;
    aro.apply(vec![ns("demo"), widget_crd()], &opts("demo"))
        .await
        .expect("apply");
    let writer = aro.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        writer
            .apply(vec![widget("w1")], &opts("demo"))
            .await
            .expect("apply widget");
    });
    remaining.store(3, Ordering::SeqCst);
    let exists = WaitCondition::parse("jsonpath={.metadata.name}=w1").expect("parse");
    aro.wait(
        "wd",
        Some("demo"),
        "w1",
        &exists,
        Duration::from_secs(10),
        &NEVER,
    )
    .await
    .expect("appears despite 503s");

    remaining.store(u32::MAX, Ordering::SeqCst);
    let err = aro
        .wait(
            "wd",
            Some("demo"),
            "w1",
            &exists,
            Duration::from_secs(10),
            &NEVER,
        )
        .await
        .expect_err("dead");
    assert!(
        err.to_string()
            .starts_with("cluster aro did not answer after 5 attempts"),
        "{err}"
    );
}

#[tokio::test]
async fn transient_failures_are_retried() {
    for fault in [
        Fault::Status(503, "ServiceUnavailable"),
        Fault::Status(429, "TooManyRequests"),
        Fault::Status(500, "InternalError"),
        Fault::Drop,
    ] {
        let (aro, _) = faulty(fault, 3).await;
        let applied = aro
            .apply(vec![ns("demo")], &ApplyOptions::default())
            .await
            .expect("apply after retries");
        assert_eq!(outcomes(&applied), vec![Outcome::Created]);
    }
}

#[tokio::test]
async fn a_cluster_that_keeps_failing_is_unreachable() {
    let (aro, requests) = faulty(Fault::Status(503, "ServiceUnavailable"), u32::MAX).await;
    let err = aro.get("ns", None, "default").await.expect_err("gives up");
    let text = err.to_string();
    assert!(
        matches!(err, KubeError::Unreachable { attempts: 5, .. }),
        "{text}"
    );
    assert!(
        text.starts_with("cluster aro did not answer after 5 attempts over "),
        "{text}"
    );
    assert!(text.contains("injected 503"), "{text}");
    // Discovery asks `/api` and `/apis` at once; each is retried at most 5 times, and the
    // other is dropped when one gives up.
    let sent = requests.load(Ordering::SeqCst);
    assert!((5..=10).contains(&sent), "{sent} requests");

    let (aro, _) = faulty(Fault::Drop, u32::MAX).await;
    let err = aro
        .list("ns", None, None, None)
        .await
        .expect_err("gives up");
    assert!(
        err.to_string().contains("connection reset by peer"),
        "{err}"
    );
}

#[tokio::test]
async fn permanent_failures_are_not_retried() {
    let (aro, requests) = faulty(Fault::Status(403, "Forbidden"), 1).await;
    let err = aro.get("ns", None, "default").await.expect_err("forbidden");
    assert!(
        matches!(&err, KubeError::Api { code: 403, message, .. } if message == "injected 403"),
        "{err:?}"
    );
    // At most one request per discovery document (`/api` and `/apis` are asked at once).
    let sent = requests.load(Ordering::SeqCst);
    assert!((1..=2).contains(&sent), "{sent} requests");
}

/// Serves the simulator's router on 127.0.0.1 over plain HTTP, rejecting every request with a
/// 401 Status when `reject` is set; returns the URL.
async fn serve(reject: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = router(sim()).layer(axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| async move {
        if reject {
            let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401});
            return http::Response::builder()
                .status(401)
                .header("content-type", "application/json")
                .body(AxumBody::from(body.to_string()))
                .unwrap_or_default();
        }
        next.run(request).await
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

fn kubeconfig(dir: &std::path::Path, contexts: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, server) in contexts {
        text.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {server}\n"
        ));
    }
    text.push_str("users:\n- name: me\n  user:\n    token: s3cr3t-t0ken\ncontexts:\n");
    for (name, _) in contexts {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: me\n"
        ));
    }
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

#[tokio::test]
async fn kubeconfig_contexts_aliases_and_unknown_contexts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = serve(false).await;
    let path = kubeconfig(
        dir.path(),
        &[("my-rosa", &url), ("aro-ctx", "https://127.0.0.1:1")],
    );
    let aliases = BTreeMap::from([("rosa".to_string(), "my-rosa".to_string())]);
    let clusters = Clusters::from_kubeconfig(&path, aliases)
        .expect("kubeconfig")
        .with_retry_policy(fast());
    assert_eq!(clusters.contexts(), vec!["aro-ctx", "my-rosa"]);
    clusters.check(&["rosa", "aro-ctx"]).expect("both exist");
    assert_eq!(
        clusters.describe(&["rosa", "aro-ctx", "rosa"]),
        format!("rosa=my-rosa ({url}), aro-ctx (https://127.0.0.1:1)")
    );

    let err = clusters
        .check(&["rosa", "rog"])
        .expect_err("rog is missing");
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "no context \"rog\" in kubeconfig {}; available: aro-ctx, my-rosa",
            path.display()
        )
    );
    assert!(
        err.hint()
            .is_some_and(|h| h.contains("--context") && h.contains("--sim"))
    );
    assert!(matches!(
        clusters.cluster("rog").await,
        Err(KubeError::UnknownContext { .. })
    ));

    let rosa = clusters.cluster("rosa").await.expect("rosa");
    assert_eq!(
        (rosa.name(), rosa.context(), rosa.server()),
        ("rosa", "my-rosa", url.clone())
    );
    let applied = rosa
        .apply(vec![ns("over-http")], &ApplyOptions::default())
        .await
        .expect("apply over HTTP");
    assert_eq!(outcomes(&applied), vec![Outcome::Created]);
    let again = clusters.cluster("rosa").await.expect("rosa again");
    assert!(again.exists("ns", None, "over-http").await.expect("exists"));
}

#[tokio::test]
async fn rejected_credentials_are_unauthorized_without_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = serve(true).await;
    let path = kubeconfig(dir.path(), &[("rosa", &url)]);
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
        .expect("kubeconfig")
        .with_retry_policy(fast());
    let rosa = clusters.cluster("rosa").await.expect("client");
    let err = rosa.get("ns", None, "default").await.expect_err("401");
    let text = format!("{err} {err:?} {:?} {rosa:?}", err.hint());
    assert!(matches!(err, KubeError::Unauthorized { .. }), "{text}");
    assert!(
        err.to_string()
            .starts_with("authentication failed on cluster rosa"),
        "{err}"
    );
    assert!(!text.contains("s3cr3t"), "the token leaked: {text}");
}

#[tokio::test]
async fn a_malformed_kubeconfig_names_the_file_and_the_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken");
    std::fs::write(
        &path,
        "apiVersion: v1\nclusters:\n  - name: a\n   cluster: [\n",
    )
    .expect("write");
    let err = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect_err("malformed");
    let text = err.to_string();
    eprintln!("{text}");
    assert!(matches!(err, KubeError::Kubeconfig { .. }), "{text}");
    assert!(
        text.contains(&path.display().to_string()) && text.contains("line"),
        "{text}"
    );

    let err =
        Clusters::from_kubeconfig(dir.path().join("absent"), BTreeMap::new()).expect_err("absent");
    assert!(err.to_string().contains("cannot read it"), "{err}");
}

/// A cluster handle whose requests are counted, and a raw client on the same simulated cluster
/// whose requests are not (what other actors do).
async fn counted() -> (ClusterClient, Arc<AtomicU32>, kube::Client) {
    let cluster = sim();
    let service = Faulty {
        router: router(cluster.clone()),
        fault: Fault::Drop,
        remaining: Arc::new(AtomicU32::new(0)),
        requests: Arc::new(AtomicU32::new(0)),
    };
    let requests = service.requests.clone();
    let clusters =
        Clusters::from_clients(vec![("aro".into(), kube::Client::new(service, "default"))])
            .with_retry_policy(fast());
    let raw = kube::Client::new(router(cluster), "default");
    (clusters.cluster("aro").await.expect("aro"), requests, raw)
}

#[tokio::test]
async fn discovery_is_two_requests_and_a_refresh_for_new_kinds_one() {
    let (aro, requests, _) = counted().await;
    aro.resolve("cm").await.expect("cm");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "/api and /apis");
    aro.apply(vec![widget_crd()], &opts("demo"))
        .await
        .expect("crd");
    let before = requests.load(Ordering::SeqCst);
    aro.resolve("wd")
        .await
        .expect("the new kind, after a refresh");
    assert_eq!(
        requests.load(Ordering::SeqCst) - before,
        1,
        "new kinds are never in the core group: /apis only"
    );
    aro.resolve("svc").await.expect("core kinds are kept");
    assert_eq!(requests.load(Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn a_wait_on_several_objects_is_one_watch_per_kind() {
    let (aro, requests, raw) = counted().await;
    aro.apply(
        vec![
            ns("demo"),
            widget_crd(),
            widget("w1"),
            widget("w2"),
            widget("w3"),
        ],
        &opts("demo"),
    )
    .await
    .expect("apply");
    aro.resolve("cm").await.expect("cm");
    // Another actor grows the widgets and writes a ConfigMap, one after the other.
    tokio::spawn(async move {
        let apply = PatchParams::apply("operator").force();
        for name in ["w1", "w2", "w3"] {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let grown =
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 2}});
            widgets(&raw, "demo")
                .patch(name, &apply, &Patch::Apply(&grown))
                .await
                .expect("grow");
        }
        let done = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"done": "yes"}});
        Api::<DynamicObject>::namespaced_with(
            raw,
            "demo",
            &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap")),
        )
        .patch("done", &apply, &Patch::Apply(&done))
        .await
        .expect("configmap");
    });
    let before = requests.load(Ordering::SeqCst);
    let small = |seen: &[Seen], names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| seen[0].get(**n).and_then(|w| w.pointer("/spec/size")) != Some(&json!(2)))
            .map(|n| n.to_string())
            .collect()
    };
    let watched = [
        Watched::all("wd", Some("demo")),
        Watched::object("cm", Some("demo"), "done"),
    ];
    let sizes = aro
        .wait_until(
            &watched,
            |ns| format!("w1, w2, w3{ns} to grow"),
            Duration::from_secs(10),
            &NEVER,
            |seen| {
                let pending = small(seen, &["w1", "w2", "w3"]);
                if pending.is_empty() && seen[1].contains_key("done") {
                    Ok(seen[0].len())
                } else {
                    Err(pending.join(", "))
                }
            },
        )
        .await
        .expect("all grown");
    assert_eq!(sizes, 3);
    assert_eq!(
        requests.load(Ordering::SeqCst) - before,
        2,
        "one watch of the widgets, one of the ConfigMap"
    );

    // A time-out says what the check still waited for.
    let err = aro
        .wait_until(
            &[Watched::all("wd", Some("demo"))],
            |ns| format!("w1, w4{ns} to grow"),
            Duration::from_millis(200),
            &NEVER,
            |seen| match small(seen, &["w1", "w4"]) {
                pending if pending.is_empty() => Ok(()),
                pending => Err(pending.join(", ")),
            },
        )
        .await
        .expect_err("w4 never comes");
    let text = err.to_string();
    assert!(matches!(err, KubeError::Timeout { .. }), "{text}");
    assert!(
        text.contains("waiting for w1, w4 in demo to grow"),
        "{text}"
    );
    assert!(text.ends_with("last seen: w4"), "{text}");
}

/// Server-side applies `object` with a raw client (another actor), at `plural` of its kind.
async fn raw_apply(raw: &kube::Client, object: Value, plural: &str) {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    let resource =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let api: Api<DynamicObject> = match object["metadata"]["namespace"].as_str() {
        Some(ns) => Api::namespaced_with(raw.clone(), ns, &resource),
        None => Api::all_with(raw.clone(), &resource),
    };
    api.patch(
        &name,
        &PatchParams::apply("other").force(),
        &Patch::Apply(&object),
    )
    .await
    .expect("raw apply");
}

#[tokio::test]
async fn the_first_apply_reads_what_exists_together_with_discovery() {
    let (aro, requests, raw) = counted().await;
    raw_apply(&raw, ns("demo"), "namespaces").await;
    let mut existing = cm("a", json!({"k": "v"}));
    existing["metadata"]["namespace"] = json!("demo");
    raw_apply(&raw, existing, "configmaps").await;
    let applied = aro
        .apply(
            vec![cm("a", json!({"k": "v"})), cm("b", json!({"k": "v"}))],
            &opts("demo"),
        )
        .await
        .expect("apply");
    assert_ne!(applied[0].outcome, Outcome::Created, "a existed");
    assert_eq!(applied[1].outcome, Outcome::Created);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        5,
        "/api, /apis and the LIST at once, then the two PATCHes"
    );

    // A kind whose plural is not the guessed one: the guess is discarded, the read done again.
    let (aro, requests, raw) = counted().await;
    raw_apply(&raw, ns("demo"), "namespaces").await;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "geese.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "geese", "singular": "goose", "kind": "Goose"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    raw_apply(&raw, crd, "customresourcedefinitions").await;
    let goose = |name: &str| json!({"apiVersion": "example.com/v1", "kind": "Goose", "metadata": {"name": name, "namespace": "demo"}, "spec": {"loud": true}});
    raw_apply(&raw, goose("g1"), "geese").await;
    let applied = aro
        .apply(vec![goose("g1"), goose("g2")], &opts("demo"))
        .await
        .expect("apply");
    assert_ne!(applied[0].outcome, Outcome::Created, "g1 existed");
    assert_eq!(applied[1].outcome, Outcome::Created);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        6,
        "discovery, the wrong guess, the LIST, two PATCHes"
    );
}
