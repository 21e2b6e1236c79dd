//! Watch streams: `GET ...?watch=true` answered with one JSON event per line, chunked.
//!
//! Semantics follow kube-apiserver: without a resourceVersion (or with "0") the stream starts with a
//! synthetic ADDED for every current object; with one, it replays the event log from there (410 Gone
//! when it is too old); it ends after `timeoutSeconds`. Bookmarks are sent when asked for, so
//! kube-rs watchers can resume without relisting.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::objects::{present, selectors};
use super::{Query, Target, is_true};
use crate::sim::cluster::SimCluster;
use crate::sim::status::ApiError;
use crate::sim::store::Event;

/// Longest a single watch runs when the client does not say (kube-apiserver uses 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
const BOOKMARK_EVERY: Duration = Duration::from_secs(20);

pub fn serve(cluster: &SimCluster, target: &Target, query: &Query) -> Response {
    match start(cluster, target, query) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn start(cluster: &SimCluster, target: &Target, query: &Query) -> Result<Response, ApiError> {
    let keep = selectors(query)?;
    let requested: u64 = match query.get("resourceVersion").map(String::as_str) {
        None | Some("") | Some("0") => 0,
        Some(rv) => rv
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
    };
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
        .min(DEFAULT_TIMEOUT);
    let bookmarks = is_true(query, "allowWatchBookmarks");

    // Initial state: a synthetic ADDED per object, then everything after the list's version.
    let (initial, from) = if requested == 0 {
        let (items, rv) = cluster
            .store
            .list(&target.rt, target.namespace.as_deref(), &keep);
        (items, rv)
    } else {
        (Vec::new(), requested)
    };
    let (replay, receiver) = cluster.store.watch_from(from)?;

    let filter = Filter {
        group: target.rt.group.clone(),
        plural: target.rt.plural.clone(),
        namespace: target.namespace.clone().filter(|_| target.rt.namespaced),
        keep: Box::new(keep),
    };
    let shown = ShownAs {
        rt: target.rt.clone(),
        version: target.version.clone(),
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    let store_rv = cluster.store.clone();
    tokio::spawn(async move {
        let mut last = from;
        for object in initial {
            if tx
                .send(Ok(line("ADDED", &shown.show(&object))))
                .await
                .is_err()
            {
                return;
            }
        }
        for event in replay {
            last = event.rv;
            if filter.wants(&event)
                && tx
                    .send(Ok(line(event.kind.as_str(), &shown.show(&event.object))))
                    .await
                    .is_err()
            {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut receiver = receiver;
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                _ = ticker.tick(), if bookmarks => {
                    let rv = store_rv.resource_version().max(last);
                    let bookmark = json!({"kind": shown.rt.kind, "apiVersion": shown.rt.api_version(&shown.version),
                        "metadata": {"resourceVersion": rv.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}});
                    if tx.send(Ok(line("BOOKMARK", &bookmark))).await.is_err() { return; }
                }
                received = receiver.recv() => match received {
                    Ok(event) => {
                        if event.rv <= last { continue; }
                        last = event.rv;
                        if filter.wants(&event) && tx.send(Ok(line(event.kind.as_str(), &shown.show(&event.object)))).await.is_err() {
                            return;
                        }
                    }
                    // A watcher that fell behind ends; the client relists, as after a real 410.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| ApiError::internal("failed to build watch response").into_response()))
}

struct Filter {
    group: String,
    plural: String,
    namespace: Option<String>,
    keep: Box<dyn Fn(&Value) -> bool + Send + Sync>,
}

impl Filter {
    fn wants(&self, event: &Event) -> bool {
        event.group == self.group
            && event.plural == self.plural
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == event.namespace)
            && (self.keep)(&event.object)
    }
}

struct ShownAs {
    rt: Arc<crate::sim::resources::ResourceType>,
    version: String,
}

impl ShownAs {
    fn show(&self, object: &Arc<Value>) -> Value {
        let target = Target {
            rt: self.rt.clone(),
            version: self.version.clone(),
            namespace: None,
            name: None,
            subresource: None,
        };
        present(object, &target)
    }
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}
