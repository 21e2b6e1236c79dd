//! Watch-lists over HTTPS, as kubectl 1.33+ `wait` and client-go informers ask for them:
//! `watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`
//! answers the current objects as ADDED, then at once ONE BOOKMARK annotated
//! `k8s.io/initial-events-end: "true"` at that state's resourceVersion, then the changes after it;
//! and the options are validated as kube-apiserver validates them (422 `Invalid` ListOptions).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use common::TestSim;
use http_body_util::BodyExt as _;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

const WATCH_LIST: &str =
    "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";

/// A kube-rs client for `context` of the kubeconfig at `path` (CA-verified TLS, bearer token).
async fn client(path: &Path, context: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("kubeconfig context is usable");
    config.default_retry = false;
    kube::Client::try_from(config).expect("client")
}

/// One raw `GET` over the client's HTTPS connection: the status code and the body, unread.
async fn get(client: &kube::Client, path: &str) -> (u16, kube::client::Body) {
    let request = http::Request::builder()
        .method("GET")
        .uri(path)
        .header(http::header::ACCEPT, "application/json")
        .body(kube::client::Body::empty())
        .expect("request");
    let response = client.send(request).await.expect("the server answers");
    (response.status().as_u16(), response.into_body())
}

/// A whole answer as JSON.
async fn json_of(body: kube::client::Body) -> Value {
    let bytes = body.collect().await.expect("body").to_bytes();
    serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("JSON: {bytes:?}"))
}

/// The events of a watch stream, one JSON object per line.
struct Events {
    body: kube::client::Body,
    buf: Vec<u8>,
}

impl Events {
    fn new(body: kube::client::Body) -> Events {
        Events {
            body,
            buf: Vec::new(),
        }
    }

    /// The next event; `None` when the stream ended. Fails when none comes within `within`.
    async fn next_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                return Some(serde_json::from_slice(&line).expect("one JSON event per line"));
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .unwrap_or_else(|_| panic!("no event within {within:?}"));
            match frame {
                None => return None,
                Some(frame) => {
                    if let Ok(data) = frame.expect("a body frame").into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }

    /// The next event, which must come within 5 s (far below the 20 s of periodic bookmarks).
    async fn next(&mut self) -> Value {
        self.next_within(Duration::from_secs(5))
            .await
            .expect("the stream goes on")
    }
}

fn kind(event: &Value) -> &str {
    event["type"].as_str().unwrap_or("")
}

fn name(event: &Value) -> &str {
    event["object"]["metadata"]["name"].as_str().unwrap_or("")
}

fn rv(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a resourceVersion in {object}"))
}

fn is_initial_events_end(event: &Value) -> bool {
    kind(event) == "BOOKMARK"
        && event["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true"
}

fn configmap(name: &str, app: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": app}},
        "data": {"n": "1"},
    }))
    .expect("configmap")
}

/// A simulator with namespace `demo` holding configmaps `a` and `b` (app=x) and `c` (app=y).
fn setup() -> (TestSim, kube::Client) {
    let sim = TestSim::with_clusters("k:aws");
    let client = sim.rt.block_on(async {
        let client = client(&sim.kubeconfig(), "k").await;
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let ns: Namespace =
            serde_json::from_value(json!({"metadata": {"name": "demo"}})).expect("namespace");
        namespaces
            .create(&PostParams::default(), &ns)
            .await
            .expect("namespace created");
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
        for (name, app) in [("a", "x"), ("b", "x"), ("c", "y")] {
            api.create(&PostParams::default(), &configmap(name, app))
                .await
                .expect("configmap created");
        }
        client
    });
    (sim, client)
}

/// The resourceVersion a list of demo's configmaps reports (the store's current one).
async fn current_rv(client: &kube::Client) -> u64 {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    let list = api.list(&ListParams::default()).await.expect("list");
    list.metadata
        .resource_version
        .expect("list resourceVersion")
        .parse()
        .expect("numeric resourceVersion")
}

#[test]
fn a_watch_list_sends_the_state_then_one_annotated_bookmark_then_the_changes() {
    let (sim, client) = setup();
    sim.rt.block_on(async {
        let at = current_rv(&client).await;
        let path = format!(
            "/api/v1/namespaces/demo/configmaps?{WATCH_LIST}&labelSelector=app%3Dx&timeoutSeconds=60"
        );
        let (code, body) = get(&client, &path).await;
        assert_eq!(code, 200);
        let mut events = Events::new(body);

        // The current objects matching the selector, as ADDED.
        let mut initial = BTreeSet::new();
        let mut newest = 0;
        for _ in 0..2 {
            let event = events.next().await;
            assert_eq!(kind(&event), "ADDED", "{event}");
            assert_eq!(event["object"]["kind"], "ConfigMap", "{event}");
            newest = newest.max(rv(&event["object"]));
            initial.insert(name(&event).to_string());
        }
        assert_eq!(initial, BTreeSet::from(["a".to_string(), "b".to_string()]));

        // Right after them, the one bookmark that ends the initial events, at the state's version
        // (the store's, at least as new as the list before; controllers may have written since).
        let bookmark = events.next().await;
        assert!(is_initial_events_end(&bookmark), "{bookmark}");
        let state = rv(&bookmark["object"]);
        assert!(state >= at && state >= newest, "{bookmark}");
        assert_eq!(bookmark["object"]["kind"], "ConfigMap", "{bookmark}");
        assert_eq!(bookmark["object"]["apiVersion"], "v1", "{bookmark}");

        // Then the changes after it: not those the selector leaves out.
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
        api.create(&PostParams::default(), &configmap("e", "y"))
            .await
            .expect("e created");
        api.create(&PostParams::default(), &configmap("d", "x"))
            .await
            .expect("d created");
        api.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"n": "2"}})),
        )
        .await
        .expect("a patched");
        let added = events.next().await;
        assert_eq!((kind(&added), name(&added)), ("ADDED", "d"), "{added}");
        assert!(rv(&added["object"]) > state, "{added}");
        let modified = events.next().await;
        assert_eq!(
            (kind(&modified), name(&modified)),
            ("MODIFIED", "a"),
            "{modified}"
        );
        assert_eq!(modified["object"]["data"]["n"], "2", "{modified}");
    });
}

#[test]
fn a_watch_list_from_a_resource_version_starts_from_a_state_at_least_that_new() {
    let (sim, client) = setup();
    sim.rt.block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
        let now = current_rv(&client).await;

        // An old version (NotOlderThan): the current state, never a replay or a 410.
        for old in ["1", &(now - 1).to_string()] {
            let path = format!(
                "/api/v1/namespaces/demo/configmaps?{WATCH_LIST}&resourceVersion={old}&labelSelector=app%3Dx&timeoutSeconds=60"
            );
            let (code, body) = get(&client, &path).await;
            assert_eq!(code, 200, "resourceVersion={old}");
            let mut events = Events::new(body);
            let mut names = BTreeSet::new();
            let bookmark = loop {
                let event = events.next().await;
                if kind(&event) != "ADDED" {
                    break event;
                }
                names.insert(name(&event).to_string());
            };
            assert_eq!(
                names,
                BTreeSet::from(["a".to_string(), "b".to_string()]),
                "resourceVersion={old}"
            );
            assert!(is_initial_events_end(&bookmark), "{bookmark}");
            assert!(rv(&bookmark["object"]) >= now, "{bookmark}");
        }

        // A version the store reaches a moment later: the watch waits for it.
        let path = format!(
            "/api/v1/namespaces/demo/configmaps?{WATCH_LIST}&resourceVersion={}&timeoutSeconds=60",
            now + 1
        );
        let request = get(&client, &path);
        let write = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            api.create(&PostParams::default(), &configmap("later", "x"))
                .await
                .expect("created");
        };
        let ((code, body), ()) = tokio::join!(request, write);
        assert_eq!(code, 200);
        let mut events = Events::new(body);
        let mut names = BTreeSet::new();
        let bookmark = loop {
            let event = events.next().await;
            if kind(&event) != "ADDED" {
                break event;
            }
            names.insert(name(&event).to_string());
        };
        assert!(names.contains("later"), "{names:?}");
        assert!(is_initial_events_end(&bookmark), "{bookmark}");
        assert!(rv(&bookmark["object"]) > now, "{bookmark}");

        // One it never reaches: after 3 s, a 504 "Too large resource version" ERROR event ends it.
        let far = current_rv(&client).await + 1000;
        let path = format!(
            "/api/v1/namespaces/demo/configmaps?{WATCH_LIST}&resourceVersion={far}&timeoutSeconds=60"
        );
        let (code, body) = get(&client, &path).await;
        assert_eq!(code, 200);
        let mut events = Events::new(body);
        let error = events
            .next_within(Duration::from_secs(10))
            .await
            .expect("an ERROR event");
        assert_eq!(kind(&error), "ERROR", "{error}");
        assert_eq!(error["object"]["code"], 504, "{error}");
        assert_eq!(error["object"]["reason"], "Timeout", "{error}");
        let message = error["object"]["message"].as_str().unwrap_or("");
        assert!(
            message.starts_with(&format!("Timeout: Too large resource version: {far}, current: ")),
            "{error}"
        );
        assert!(
            events.next_within(Duration::from_secs(5)).await.is_none(),
            "the stream ends after the error"
        );
    });
}

#[test]
fn send_initial_events_false_is_a_plain_watch_and_no_bookmarks_means_no_end_bookmark() {
    let (sim, client) = setup();
    sim.rt.block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
        let at = current_rv(&client).await;
        let plain = [
            format!(
                "watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion={at}"
            ),
            "watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true".to_string(),
        ];
        for (i, query) in plain.iter().enumerate() {
            let path = format!("/api/v1/namespaces/demo/configmaps?{query}&timeoutSeconds=60");
            let (code, body) = get(&client, &path).await;
            assert_eq!(code, 200, "{query}");
            let mut events = Events::new(body);
            let created = format!("plain-{i}");
            api.create(&PostParams::default(), &configmap(&created, "x"))
                .await
                .expect("created");
            let first = events.next().await;
            assert_eq!(
                (kind(&first), name(&first)),
                ("ADDED", created.as_str()),
                "no initial events, no bookmark: {query}: {first}"
            );
        }

        // sendInitialEvents=true without allowWatchBookmarks is served (kube-apiserver does not
        // refuse it): the initial events, then no bookmark at all.
        let path = "/api/v1/namespaces/demo/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&labelSelector=app%3Dy&timeoutSeconds=60";
        let (code, body) = get(&client, path).await;
        assert_eq!(code, 200);
        let mut events = Events::new(body);
        let first = events.next().await;
        assert_eq!((kind(&first), name(&first)), ("ADDED", "c"), "{first}");
        api.create(&PostParams::default(), &configmap("y2", "y"))
            .await
            .expect("created");
        let next = events.next().await;
        assert_eq!((kind(&next), name(&next)), ("ADDED", "y2"), "{next}");

        // The legacy watch with no resourceVersion is a watch-list too (kube-apiserver's
        // defaults): with bookmarks allowed, its initial events end with the annotated bookmark.
        let path = "/api/v1/namespaces/demo/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=app%3Dy&timeoutSeconds=60";
        let (code, body) = get(&client, path).await;
        assert_eq!(code, 200);
        let mut events = Events::new(body);
        let mut names = BTreeSet::new();
        let bookmark = loop {
            let event = events.next().await;
            if kind(&event) != "ADDED" {
                break event;
            }
            names.insert(name(&event).to_string());
        };
        assert_eq!(names, BTreeSet::from(["c".to_string(), "y2".to_string()]));
        assert!(is_initial_events_end(&bookmark), "{bookmark}");
    });
}

/// Asserts the 422 kube-apiserver answers for refused ListOptions, with these field errors.
async fn assert_invalid(client: &kube::Client, query: &str, errors: &[(&str, &str, &str)]) {
    let (code, body) = get(
        client,
        &format!("/api/v1/namespaces/demo/configmaps?{query}"),
    )
    .await;
    let status = json_of(body).await;
    assert_eq!(code, 422, "{query}: {status}");
    assert_eq!(status["kind"], "Status", "{status}");
    assert_eq!(status["status"], "Failure", "{status}");
    assert_eq!(status["reason"], "Invalid", "{status}");
    assert_eq!(status["code"], 422, "{status}");
    assert_eq!(status["details"]["group"], "meta.k8s.io", "{status}");
    assert_eq!(status["details"]["kind"], "ListOptions", "{status}");
    let texts: Vec<String> = errors
        .iter()
        .map(|(field, _, body)| format!("{field}: {body}"))
        .collect();
    let aggregate = if texts.len() == 1 {
        texts[0].clone()
    } else {
        format!("[{}]", texts.join(", "))
    };
    assert_eq!(
        status["message"],
        format!("ListOptions.meta.k8s.io \"\" is invalid: {aggregate}"),
        "{query}"
    );
    let causes = status["details"]["causes"].as_array().expect("causes");
    assert_eq!(causes.len(), errors.len(), "{status}");
    for (cause, (field, reason, body)) in causes.iter().zip(errors) {
        assert_eq!(cause["field"], *field, "{status}");
        assert_eq!(cause["reason"], *reason, "{status}");
        assert_eq!(cause["message"], *body, "{status}");
    }
}

#[test]
fn list_and_watch_options_are_validated_as_kube_apiserver_does() {
    let (sim, client) = setup();
    sim.rt.block_on(async {
        const FORBIDDEN: &str = "FieldValueForbidden";
        assert_invalid(
            &client,
            "watch=true&sendInitialEvents=true&allowWatchBookmarks=true",
            &[(
                "resourceVersionMatch",
                FORBIDDEN,
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )],
        )
        .await;
        assert_invalid(
            &client,
            "watch=true&sendInitialEvents=true&resourceVersionMatch=Exact&allowWatchBookmarks=true",
            &[
                (
                    "resourceVersionMatch",
                    FORBIDDEN,
                    "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ),
                (
                    "resourceVersionMatch",
                    "FieldValueNotSupported",
                    "Unsupported value: \"Exact\": supported values: \"NotOlderThan\"",
                ),
            ],
        )
        .await;
        assert_invalid(
            &client,
            "watch=true&resourceVersion=3&resourceVersionMatch=NotOlderThan",
            &[(
                "resourceVersionMatch",
                FORBIDDEN,
                "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )],
        )
        .await;
        // sendInitialEvents belongs to watches only.
        assert_invalid(
            &client,
            "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=0",
            &[(
                "sendInitialEvents",
                FORBIDDEN,
                "Forbidden: sendInitialEvents is forbidden for list",
            )],
        )
        .await;
        assert_invalid(
            &client,
            "resourceVersionMatch=NotOlderThan",
            &[(
                "resourceVersionMatch",
                FORBIDDEN,
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
            )],
        )
        .await;
        // What clients send is accepted.
        let (code, body) = get(
            &client,
            "/api/v1/namespaces/demo/configmaps?resourceVersion=0&resourceVersionMatch=NotOlderThan&labelSelector=app%3Dx",
        )
        .await;
        let list = json_of(body).await;
        assert_eq!(code, 200, "{list}");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
    });
}
