//! The simulator as a user meets it over the wire: HTTPS with the kubeconfig's CA and token,
//! persisted state across restarts and kill -9, Kubernetes `Status` answers to bad input, one
//! server per state directory, `fedrun sim status|reset`, and injected faults seen through the
//! kube layer's retries.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TestSim, serve};
use fedrun::kube::{ApplyOptions, Clusters, KubeError, RetryPolicy};
use fedrun::sim::faults::FaultSpec;
use fedrun::sim::simulator::{SimOptions, Simulator, parse_clusters};
use http_body_util::BodyExt as _;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

const FEDRUN: &str = env!("CARGO_BIN_EXE_fedrun");

// ---------------------------------------------------------------------------------------------
// Helpers

/// A kube-rs config for `context` of the kubeconfig at `path`, exactly as a user's program gets it.
async fn config(path: &Path, context: &str) -> kube::Config {
    let kc = kube::config::Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("kubeconfig context is usable");
    assert!(
        !config.accept_invalid_certs,
        "the simulator's kubeconfig must not ask clients to skip TLS verification"
    );
    config
}

/// A client without kube-rs's own retries, so every answer of the server is seen as it is.
async fn client(path: &Path, context: &str) -> kube::Client {
    let mut config = config(path, context).await;
    config.default_retry = false;
    kube::Client::try_from(config).expect("client")
}

/// The kubeconfig as YAML, for tests that tamper with it.
fn kubeconfig_yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("read kubeconfig")).expect("yaml")
}

/// Writes a copy of `path` with the user of `context` changed by `edit`, and returns its path.
fn tampered(path: &Path, out: &Path, edit: impl FnOnce(&mut serde_yaml::Value)) -> PathBuf {
    let mut yaml = kubeconfig_yaml(path);
    edit(&mut yaml);
    std::fs::write(out, serde_yaml::to_string(&yaml).expect("yaml")).expect("write kubeconfig");
    out.to_path_buf()
}

fn user_mut<'a>(yaml: &'a mut serde_yaml::Value, name: &str) -> &'a mut serde_yaml::Value {
    yaml["users"]
        .as_sequence_mut()
        .expect("users")
        .iter_mut()
        .find(|u| u["name"].as_str() == Some(name))
        .expect("user of the context")
}

fn named(yaml: &serde_yaml::Value, list: &str, name: &str) -> serde_yaml::Value {
    yaml[list]
        .as_sequence()
        .expect(list)
        .iter()
        .find(|u| u["name"].as_str() == Some(name))
        .cloned()
        .expect("named entry")
}

fn code_of(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

fn object<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("typed object")
}

async fn create_namespace(client: &kube::Client, name: &str) {
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &object(json!({"metadata": {"name": name}})),
        )
        .await
        .expect("namespace created");
}

fn configmap(name: &str, data: Value) -> ConfigMap {
    object(json!({"metadata": {"name": name}, "data": data}))
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

fn widgets(client: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    Api::namespaced_with(client.clone(), namespace, &ar)
}

/// A raw answer: status code and body parsed as JSON (`Value::Null` when it is not JSON).
struct Raw {
    code: u16,
    body: Value,
    text: String,
}

/// Sends one raw HTTPS request through a kubeconfig-built client (CA-verified TLS, bearer token).
async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Raw {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::ACCEPT, "application/json")
        .body(kube::client::Body::from(body))
        .expect("request");
    let response = client.send(request).await.expect("the server answers");
    let code = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Raw {
        code,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
    }
}

/// Asserts a Kubernetes `Status` failure with `code` and `reason` whose message contains every
/// one of `words` (case-insensitive).
fn assert_status(answer: &Raw, code: u16, reason: &str, words: &[&str]) {
    assert_eq!(answer.code, code, "HTTP status; body: {}", answer.text);
    let body = &answer.body;
    assert_eq!(body["kind"], "Status", "a Status body: {}", answer.text);
    assert_eq!(body["apiVersion"], "v1", "{}", answer.text);
    assert_eq!(body["status"], "Failure", "{}", answer.text);
    assert_eq!(body["code"], code, "{}", answer.text);
    assert_eq!(body["reason"], reason, "{}", answer.text);
    let message = body["message"].as_str().unwrap_or_default().to_lowercase();
    for word in words {
        assert!(
            message.contains(&word.to_lowercase()),
            "message {message:?} should mention {word:?}"
        );
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        base: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_total: Duration::from_secs(10),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn options(state: &Path, clusters: &str) -> SimOptions {
    let mut options = SimOptions::new(state);
    options.clusters = Some(parse_clusters(clusters).expect("cluster list"));
    options
}

// ---------------------------------------------------------------------------------------------
// HTTPS, TLS and authentication

#[test]
fn kube_rs_crud_over_https_with_the_written_kubeconfig() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let c = client(&kubeconfig, "rosa").await;
        create_namespace(&c, "demo").await;
        let api: Api<ConfigMap> = Api::namespaced(c.clone(), "demo");
        let created = api
            .create(&PostParams::default(), &configmap("a", json!({"k": "v"})))
            .await
            .expect("create");
        assert!(created.metadata.uid.is_some());
        assert!(created.metadata.resource_version.is_some());

        let mut got = api.get("a").await.expect("get");
        assert_eq!(got.data.as_ref().unwrap()["k"], "v");
        got.data.as_mut().unwrap().insert("k".into(), "w".into());
        let replaced = api
            .replace("a", &PostParams::default(), &got)
            .await
            .expect("replace");
        assert_eq!(replaced.data.unwrap()["k"], "w");
        // Besides the CA bundles every namespace gets.
        let listed = api.list(&Default::default()).await.unwrap().items;
        let ours: Vec<_> = listed
            .iter()
            .filter_map(|cm| cm.metadata.name.as_deref())
            .filter(|n| !n.ends_with("-ca.crt"))
            .collect();
        assert_eq!(ours, ["a"]);

        api.delete("a", &DeleteParams::default())
            .await
            .expect("delete");
        let gone = api.get("a").await.unwrap_err();
        assert_eq!(code_of(&gone), Some(404), "{gone:?}");

        // Each cluster is its own API server: aro does not see rosa's namespace.
        let aro = client(&kubeconfig, "aro").await;
        let missing = Api::<Namespace>::all(aro).get("demo").await.unwrap_err();
        assert_eq!(code_of(&missing), Some(404), "{missing:?}");
    });
}

#[test]
fn requests_without_a_token_or_with_a_wrong_one_get_401() {
    let sim = TestSim::with_clusters("rosa:aws");
    let kubeconfig = sim.kubeconfig();
    let no_token = tampered(&kubeconfig, &sim.dir.path().join("no-token"), |yaml| {
        let user = user_mut(yaml, "rosa");
        user["user"]
            .as_mapping_mut()
            .expect("user map")
            .remove("token");
    });
    let wrong_token = tampered(&kubeconfig, &sim.dir.path().join("wrong-token"), |yaml| {
        user_mut(yaml, "rosa")["user"]["token"] = "not-the-token".into();
    });
    sim.rt.block_on(async {
        for path in [&no_token, &wrong_token] {
            let client = client(path, "rosa").await;
            let err = Api::<Namespace>::all(client.clone())
                .list(&Default::default())
                .await
                .unwrap_err();
            assert_eq!(code_of(&err), Some(401), "{}: {err:?}", path.display());
            let answer = raw(
                &client,
                "GET",
                "/api/v1/namespaces",
                "application/json",
                vec![],
            )
            .await;
            assert_status(&answer, 401, "Unauthorized", &[]);
            // Writes are refused too, and nothing is created.
            let err = Api::<Namespace>::all(client)
                .create(
                    &PostParams::default(),
                    &object(json!({"metadata": {"name": "sneaky"}})),
                )
                .await
                .unwrap_err();
            assert_eq!(code_of(&err), Some(401), "{err:?}");
        }
        // The real token works, and the refused create left nothing behind.
        let good = client(&kubeconfig, "rosa").await;
        let err = Api::<Namespace>::all(good).get("sneaky").await.unwrap_err();
        assert_eq!(code_of(&err), Some(404), "{err:?}");
    });
}

#[test]
fn tls_is_verified_against_the_kubeconfig_ca() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let kubeconfig = sim.kubeconfig();
    // rosa's server with aro's CA: a client that really verifies must refuse the handshake.
    let wrong_ca = tampered(&kubeconfig, &sim.dir.path().join("wrong-ca"), |yaml| {
        let aro = named(yaml, "clusters", "aro");
        let clusters = yaml["clusters"].as_sequence_mut().expect("clusters");
        let rosa = clusters
            .iter_mut()
            .find(|c| c["name"].as_str() == Some("rosa"))
            .expect("rosa");
        rosa["cluster"]["certificate-authority-data"] =
            aro["cluster"]["certificate-authority-data"].clone();
    });
    sim.rt.block_on(async {
        let c = client(&wrong_ca, "rosa").await;
        let err = Api::<Namespace>::all(c)
            .list(&Default::default())
            .await
            .unwrap_err();
        assert!(
            code_of(&err).is_none(),
            "a server not signed by the kubeconfig's CA must not be talked to: {err:?}"
        );
        let good = client(&kubeconfig, "rosa").await;
        Api::<Namespace>::all(good)
            .list(&Default::default())
            .await
            .expect("the right CA verifies");
    });
}

// ---------------------------------------------------------------------------------------------
// Persistence

#[test]
fn objects_and_custom_resources_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let rt = runtime();
    rt.block_on(async {
        let sim = Simulator::start(options(&state, "rosa:aws,aro:azure"))
            .await
            .expect("first start");
        let c = client(&sim.kubeconfig(), "rosa").await;
        create_namespace(&c, "demo").await;
        Api::<ConfigMap>::namespaced(c.clone(), "demo")
            .create(
                &PostParams::default(),
                &configmap("kept", json!({"k": "v"})),
            )
            .await
            .expect("configmap");
        let crds = Api::<DynamicObject>::all_with(
            c.clone(),
            &ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
                "customresourcedefinitions",
            ),
        );
        crds.create(&PostParams::default(), &object(widget_crd()))
            .await
            .expect("crd");
        widgets(&c, "demo")
            .create(
                &PostParams::default(),
                &object(json!({"apiVersion": "example.com/v1", "kind": "Widget",
                               "metadata": {"name": "w1"}, "spec": {"size": 3}})),
            )
            .await
            .expect("custom resource");
        let aro = client(&sim.kubeconfig(), "aro").await;
        create_namespace(&aro, "only-on-aro").await;
        let before = Api::<ConfigMap>::namespaced(c.clone(), "demo")
            .get("kept")
            .await
            .unwrap();
        drop(c);
        drop(aro);
        sim.shutdown().await;

        // Started again without a cluster list: the saved one is used.
        let sim = Simulator::start(SimOptions::new(&state))
            .await
            .expect("second start on the same state dir");
        let names: Vec<&str> = sim
            .clusters()
            .iter()
            .map(|c| c.cluster.name.as_str())
            .collect();
        assert_eq!(names, ["rosa", "aro"]);
        let c = client(&sim.kubeconfig(), "rosa").await;
        let after = Api::<ConfigMap>::namespaced(c.clone(), "demo")
            .get("kept")
            .await
            .expect("configmap survived");
        assert_eq!(after.data.unwrap()["k"], "v");
        assert_eq!(after.metadata.uid, before.metadata.uid);
        assert_eq!(
            after.metadata.resource_version,
            before.metadata.resource_version
        );
        let w = widgets(&c, "demo")
            .get("w1")
            .await
            .expect("the CRD is served again and its resource survived");
        assert_eq!(w.data["spec"]["size"], 3);
        // The restored kind is discoverable, as kubectl needs it.
        let discovery = raw(
            &c,
            "GET",
            "/apis/example.com/v1",
            "application/json",
            vec![],
        )
        .await;
        assert_eq!(discovery.code, 200, "{}", discovery.text);
        assert!(discovery.text.contains("\"widgets\""), "{}", discovery.text);
        let aro = client(&sim.kubeconfig(), "aro").await;
        Api::<Namespace>::all(aro)
            .get("only-on-aro")
            .await
            .expect("each cluster keeps its own objects");
        // Writes keep working after a restart (resource versions keep increasing).
        let next = Api::<ConfigMap>::namespaced(c, "demo")
            .create(&PostParams::default(), &configmap("later", json!({})))
            .await
            .expect("write after restart");
        let rv = |s: &Option<String>| s.as_deref().unwrap().parse::<u64>().unwrap();
        assert!(rv(&next.metadata.resource_version) > rv(&before.metadata.resource_version));
        sim.shutdown().await;
    });
}

#[test]
fn kill_9_during_writes_keeps_a_loadable_state_with_the_acknowledged_objects() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let rt = runtime();
    // (name, acknowledged at) of every write the server confirmed, over all rounds.
    let mut acknowledged: Vec<(String, Instant, Instant)> = Vec::new();
    let padding = "x".repeat(512);
    for round in 0..4 {
        let mut served = serve(&state, &["--clusters", "rosa:aws"]);
        let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
        let killed_at = rt.block_on(async {
            let c = client(&served.kubeconfig, "rosa").await;
            // Everything acknowledged in earlier rounds was loaded by this server.
            if round == 0 {
                create_namespace(&c, "load").await;
            }
            let api: Api<ConfigMap> = Api::namespaced(c.clone(), "load");
            let present: std::collections::HashSet<String> = api
                .list(&Default::default())
                .await
                .expect("list after restart")
                .items
                .into_iter()
                .filter_map(|cm| cm.metadata.name)
                .collect();
            for (name, at, killed) in &acknowledged {
                assert!(
                    present.contains(name),
                    "round {round}: {name} was acknowledged {:?} before the kill but is gone \
                     ({} of {} such objects present; snapshot {} bytes)",
                    killed.duration_since(*at),
                    acknowledged
                        .iter()
                        .filter(|(n, _, _)| present.contains(n))
                        .count(),
                    acknowledged.len(),
                    std::fs::metadata(state.join("clusters").join("rosa.json"))
                        .map(|m| m.len())
                        .unwrap_or(0),
                );
            }
            // Concurrent writers, so that requests and snapshot saves are in flight when the
            // process dies.
            let mut writers = Vec::new();
            // The pace keeps the state at a few hundred kilobytes, the size of a federation
            // playbook's objects: every save re-serialises a whole cluster, so the save window
            // grows with the state (about 300 ms per MB in a debug build).
            for w in 0..2 {
                let api = api.clone();
                let acked = acked.clone();
                let padding = padding.clone();
                writers.push(tokio::spawn(async move {
                    for i in 0.. {
                        let name = format!("r{round}-w{w}-{i}");
                        let cm = configmap(&name, json!({"pad": padding, "i": i.to_string()}));
                        if api.create(&PostParams::default(), &cm).await.is_err() {
                            return;
                        }
                        acked.lock().unwrap().push((name, Instant::now()));
                        tokio::time::sleep(Duration::from_millis(3)).await;
                    }
                }));
            }
            tokio::time::sleep(Duration::from_millis(300 + 97 * round)).await;
            let killed_at = Instant::now();
            let status = served.kill_9();
            assert!(!status.success(), "the server died of the signal");
            for writer in writers {
                let _ = writer.await;
            }
            killed_at
        });
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(
            acked.len() > 20,
            "round {round}: only {} writes before the kill",
            acked.len()
        );
        // Objects acknowledged more than 200 ms before the kill must have been saved.
        acknowledged.extend(
            acked
                .into_iter()
                .filter(|(_, at)| *at + Duration::from_millis(200) < killed_at)
                .map(|(name, at)| (name, at, killed_at)),
        );
        let leftovers: Vec<_> = std::fs::read_dir(state.join("clusters"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            leftovers.iter().any(|f| f == "rosa.json"),
            "a snapshot exists: {leftovers:?}"
        );
    }
    assert!(!acknowledged.is_empty());

    // Finally the library loads the state too, and serves every acknowledged object.
    rt.block_on(async {
        let sim = Simulator::start(SimOptions::new(&state))
            .await
            .expect("the state left by kill -9 loads");
        let c = client(&sim.kubeconfig(), "rosa").await;
        let api: Api<ConfigMap> = Api::namespaced(c, "load");
        for (name, _, _) in &acknowledged {
            let cm = api
                .get(name)
                .await
                .unwrap_or_else(|e| panic!("{name} lost: {e}"));
            assert_eq!(cm.data.unwrap()["pad"].len(), 512, "{name} is whole");
        }
        sim.shutdown().await;
    });
}

// ---------------------------------------------------------------------------------------------
// Bad input: each answer is a Kubernetes Status, and the server keeps serving.

#[test]
fn bad_requests_get_status_errors_and_the_server_keeps_serving() {
    let sim = TestSim::with_clusters("rosa:aws");
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let c = client(&kubeconfig, "rosa").await;
        create_namespace(&c, "demo").await;
        let cms = "/api/v1/namespaces/demo/configmaps";
        let still_serving = |c: kube::Client| async move {
            let answer = raw(&c, "GET", cms, "application/json", vec![]).await;
            assert_eq!(
                answer.code, 200,
                "the server keeps serving: {}",
                answer.text
            );
            assert_eq!(answer.body["kind"], "ConfigMapList");
        };

        // Malformed JSON.
        let answer = raw(
            &c,
            "POST",
            cms,
            "application/json",
            br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "#.to_vec(),
        )
        .await;
        assert_status(&answer, 400, "BadRequest", &["json"]);
        still_serving(c.clone()).await;

        // Malformed YAML.
        let answer = raw(
            &c,
            "POST",
            cms,
            "application/yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n".to_vec(),
        )
        .await;
        assert_status(&answer, 400, "BadRequest", &["yaml"]);
        still_serving(c.clone()).await;

        // Unknown kinds: a group that does not exist, and a resource the core group lacks.
        for path in [
            "/apis/example.com/v1/namespaces/demo/widgets",
            "/api/v1/namespaces/demo/widgets",
        ] {
            let answer = raw(&c, "GET", path, "application/json", vec![]).await;
            assert_status(&answer, 404, "NotFound", &["widgets"]);
            still_serving(c.clone()).await;
        }
        let answer = raw(
            &c,
            "POST",
            "/apis/example.com/v1/namespaces/demo/widgets",
            "application/json",
            serde_json::to_vec(&json!({"apiVersion": "example.com/v1", "kind": "Widget",
                                       "metadata": {"name": "w"}}))
            .unwrap(),
        )
        .await;
        assert_status(&answer, 404, "NotFound", &["widgets"]);

        // An invalid name: 422 naming the field.
        let answer = raw(
            &c,
            "POST",
            cms,
            "application/json",
            serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "Bad_Name"}}))
            .unwrap(),
        )
        .await;
        assert_status(&answer, 422, "Invalid", &["metadata.name", "Bad_Name"]);
        still_serving(c.clone()).await;

        // An oversized body: 413 with the limit.
        let big = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
                         "data": {"blob": "y".repeat(fedrun::sim::api::MAX_BODY + 1)}});
        let answer = raw(
            &c,
            "POST",
            cms,
            "application/json",
            serde_json::to_vec(&big).unwrap(),
        )
        .await;
        assert_status(&answer, 413, "RequestEntityTooLarge", &["limit"]);
        still_serving(c.clone()).await;

        // A body of another kind than the path names.
        let answer = raw(
            &c,
            "POST",
            cms,
            "application/json",
            serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "Secret",
                                       "metadata": {"name": "s"}}))
            .unwrap(),
        )
        .await;
        assert_status(&answer, 400, "BadRequest", &["Secret", "ConfigMap"]);
        still_serving(c.clone()).await;

        // None of the bad requests created anything; a good one still does.
        let api: Api<ConfigMap> = Api::namespaced(c, "demo");
        let names: Vec<String> = api
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|cm| cm.metadata.name)
            .collect();
        assert!(
            names
                .iter()
                .all(|n| n == "kube-root-ca.crt" || n == "openshift-service-ca.crt"),
            "bad requests created {names:?}"
        );
        api.create(
            &PostParams::default(),
            &configmap("good", json!({"a": "b"})),
        )
        .await
        .expect("a good request after the bad ones");
    });
}

// ---------------------------------------------------------------------------------------------
// One server per state directory; `fedrun sim status` and `fedrun sim reset`.

#[test]
fn a_second_simulator_on_the_same_state_dir_is_refused() {
    let sim = TestSim::with_clusters("rosa:aws");
    let state = sim.state_dir();
    let err = match sim.rt.block_on(Simulator::start(SimOptions::new(&state))) {
        Ok(_) => panic!("two simulators on one state directory"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("another fedrun simulator is serving"),
        "unclear error: {err}"
    );
    assert!(err.contains(&state.display().to_string()), "{err}");

    // The same through the CLI.
    let out = Command::new(FEDRUN)
        .args(["sim", "serve", "--state"])
        .arg(&state)
        .stdin(Stdio::null())
        .output()
        .expect("fedrun runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("another fedrun simulator is serving"),
        "{stderr}"
    );

    // The first one is unharmed.
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let c = client(&kubeconfig, "rosa").await;
        Api::<Namespace>::all(c)
            .list(&Default::default())
            .await
            .expect("the first simulator still serves");
    });
}

fn fedrun(args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::fedrun(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sim_status_and_reset_follow_the_server() {
    let mut sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let state = sim.state_dir();
    let state_arg = state.to_str().unwrap().to_string();
    sim.rt.block_on(async {
        let c = client(&sim.kubeconfig(), "rosa").await;
        create_namespace(&c, "demo").await;
    });

    let (code, out, err) = fedrun(&["sim", "status", "--state", &state_arg]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("server: running (pid {})", std::process::id())),
        "{out}"
    );
    let rosa_url = format!("https://{}", sim.sim().cluster("rosa").unwrap().addr);
    let rosa_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("rosa "))
        .unwrap_or_else(|| panic!("no rosa line: {out}"));
    assert!(
        rosa_line.contains("aws") && rosa_line.contains(&rosa_url),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("aro ")),
        "{out}"
    );

    let (code, _, err) = fedrun(&["sim", "reset", "--state", &state_arg]);
    assert_eq!(code, Some(1), "reset must refuse while serving: {err}");
    assert!(err.contains("stop it before resetting"), "{err}");
    assert!(state.join("kubeconfig").exists(), "nothing removed");

    sim.stop();
    let (code, out, err) = fedrun(&["sim", "status", "--state", &state_arg]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("server: not running"), "{out}");
    let rosa_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("rosa "))
        .unwrap_or_else(|| panic!("no rosa line: {out}"));
    assert!(
        !rosa_line.contains("https://"),
        "no URL when stopped: {out}"
    );
    assert!(
        !rosa_line.contains(" 0 objects"),
        "objects were saved: {out}"
    );

    let (code, out, err) = fedrun(&["sim", "reset", "--state", &state_arg]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("removed"), "{out}");
    assert!(!state.exists(), "reset removes the state directory");
    let (code, out, _) = fedrun(&["sim", "status", "--state", &state_arg]);
    assert_eq!(code, Some(0));
    assert!(out.contains("server: not running"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Faults through the kube layer

fn ns(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn cm(name: &str, n: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"n": n.to_string()}})
}

#[test]
fn kube_layer_operations_succeed_under_503_faults_thanks_to_retries() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(&dir.path().join("state"), "rosa:aws");
    options.faults = "503=0.2,seed=11".parse::<FaultSpec>().expect("fault spec");
    let sim = TestSim::with_options(dir, options);
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        // The faults are real: a client without retries sees them.
        let bare = client(&kubeconfig, "rosa").await;
        let mut failures = 0;
        for _ in 0..40 {
            match Api::<Namespace>::all(bare.clone())
                .list(&Default::default())
                .await
            {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(code_of(&e), Some(503), "{e:?}");
                    failures += 1;
                }
            }
        }
        assert!(
            (2..=25).contains(&failures),
            "about a fifth of requests fail: {failures}/40"
        );

        let clusters = Clusters::from_kubeconfig(&kubeconfig, BTreeMap::new())
            .expect("kubeconfig")
            .with_retry_policy(fast_retries());
        let rosa = clusters.cluster("rosa").await.expect("rosa");
        let opts = ApplyOptions {
            namespace: Some("faulty".into()),
            ..ApplyOptions::for_playbook("faults")
        };
        let mut docs = vec![ns("faulty")];
        docs.extend((0..10).map(|i| cm(&format!("cm-{i}"), i)));
        rosa.apply(docs.clone(), &opts)
            .await
            .expect("apply under faults");
        for i in 0..10 {
            let got = rosa
                .get("cm", Some("faulty"), &format!("cm-{i}"))
                .await
                .expect("get under faults");
            assert_eq!(got["data"]["n"], i.to_string());
        }
        let listed = rosa
            .list("configmaps", Some("faulty"), None, None)
            .await
            .expect("list under faults");
        assert_eq!(
            listed
                .iter()
                .filter(|o| o["metadata"]["name"].as_str().unwrap().starts_with("cm-"))
                .count(),
            10
        );
        let again = rosa.apply(docs, &opts).await.expect("second apply");
        assert!(
            again
                .iter()
                .all(|a| a.outcome == fedrun::kube::Outcome::Unchanged),
            "re-apply under faults converges"
        );
        for i in 0..5 {
            assert!(
                rosa.delete("configmap", Some("faulty"), &format!("cm-{i}"))
                    .await
                    .expect("delete under faults")
            );
        }
        assert!(
            !rosa
                .exists("configmap", Some("faulty"), "cm-0")
                .await
                .expect("exists under faults")
        );
    });
}

#[test]
fn an_operation_on_a_cluster_that_is_down_gives_up_naming_the_cluster() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let policy = RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_total: Duration::from_secs(2),
        };
        let clusters = Clusters::from_kubeconfig(&kubeconfig, BTreeMap::new())
            .expect("kubeconfig")
            .with_retry_policy(policy);
        let aro = clusters.cluster("aro").await.expect("aro");
        aro.apply(vec![ns("up")], &ApplyOptions::for_playbook("down"))
            .await
            .expect("aro answers while up");

        sim.sim().cluster("aro").unwrap().faults.set_down(true);
        let result =
            tokio::time::timeout(Duration::from_secs(30), aro.get("namespace", None, "up"))
                .await
                .expect("a down cluster must make the operation give up, not hang");
        let err = result.expect_err("the cluster is down");
        let message = err.to_string();
        assert!(
            matches!(err, KubeError::Unreachable { .. }),
            "expected unreachable: {err:?}"
        );
        assert!(message.contains("aro"), "names the cluster: {message}");
        assert!(!message.contains("rosa"), "{message}");

        // The other cluster is unaffected, and aro answers again once it is back.
        let rosa = clusters.cluster("rosa").await.expect("rosa");
        rosa.list("namespaces", None, None, None)
            .await
            .expect("rosa is up");
        sim.sim().cluster("aro").unwrap().faults.set_down(false);
        aro.get("namespace", None, "up").await.expect("aro is back");
    });
}
