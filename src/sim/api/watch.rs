//! Watch streams: `GET ...?watch=true` answered with one JSON event per line, chunked.
//!
//! Semantics follow kube-apiserver's watch cache (kubernetes/kubernetes
//! `staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go`, `Cacher.Watch`, and
//! `watch_cache.go`, `getAllEventsSinceLocked`), on options already defaulted and validated as
//! the API handler does (`list_options`):
//! - A watch-list (`sendInitialEvents=true`; a watch with no resourceVersion or "0" defaults to
//!   one) starts with a synthetic ADDED for every current object matching the selectors, at least
//!   as new as the resourceVersion given (NotOlderThan); with `allowWatchBookmarks=true` ONE
//!   BOOKMARK follows at once, carrying that state's resourceVersion and the annotation
//!   `k8s.io/initial-events-end: "true"`; then the changes after it. kubectl 1.33+ `wait` and
//!   client-go informers trust their view only once that bookmark has arrived.
//! - `sendInitialEvents=false` is a plain watch: from now without a resourceVersion (or "0"),
//!   else the event log replayed from that version (410 Gone when it is too old).
//! - Periodic bookmarks (when allowed) carry no annotation; the stream ends after
//!   `timeoutSeconds`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::list_options::ListOptions;
use super::objects::{present, selectors};
use super::{Query, Target};
use crate::sim::cluster::SimCluster;
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::store::{Event, Store};

/// Longest a single watch runs when the client does not say (kube-apiserver uses 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
const BOOKMARK_EVERY: Duration = Duration::from_secs(20);
/// How long a watch-list waits for the store to reach the resourceVersion it asked for
/// (kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go`,
/// `blockTimeout`, used by `waitUntilFreshLocked`).
const FRESH_WAIT: Duration = Duration::from_secs(3);
/// The annotation of the bookmark that ends a watch-list's initial events (kubernetes/kubernetes
/// `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`, `InitialEventsAnnotationKey`).
pub const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

type Keep = Arc<dyn Fn(&Value) -> bool + Send + Sync>;
pub(super) type Line = Result<Bytes, Infallible>;

pub fn serve(
    cluster: &SimCluster,
    target: &Target,
    query: &Query,
    options: &ListOptions,
) -> Response {
    match start(cluster, target, query, options) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Where a watch starts.
enum Plan {
    /// The initial events and the log after them, ready to send.
    Ready(Start),
    /// A watch-list for a resourceVersion the store has not reached yet.
    WaitFor(u64),
}

/// What a watch sends before it follows the store's live events.
struct Start {
    /// Synthetic ADDED events (a watch-list's initial state).
    initial: Vec<Arc<Value>>,
    /// `Some(rv)`: end the initial events with the annotated bookmark at `rv`.
    end_bookmark: Option<u64>,
    /// Logged events after `from`, then the live ones.
    replay: Vec<Arc<Event>>,
    receiver: broadcast::Receiver<Arc<Event>>,
    from: u64,
}

fn start(
    cluster: &SimCluster,
    target: &Target,
    query: &Query,
    options: &ListOptions,
) -> Result<Response, ApiError> {
    let keep: Keep = Arc::new(selectors(query)?);
    let requested: u64 = match options.resource_version.as_str() {
        "" | "0" => 0,
        rv => rv
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
    };
    let timeout = timeout_of(query);
    let bookmarks = options.allow_watch_bookmarks;
    let store = cluster.store.clone();
    let scope = Scope {
        rt: target.rt.clone(),
        namespace: target.namespace.clone().filter(|_| target.rt.namespaced),
        keep,
    };

    let plan = if options.send_initial_events == Some(true) {
        // A watch-list. The initial events are the whole current state whatever the
        // resourceVersion (`getAllEventsSinceLocked` → `getIntervalFromStoreLocked`), once the
        // store is at least that new (`waitUntilWatchCacheFreshAndForceAllEvents`); the end
        // bookmark is set only when bookmarks are allowed (`setInitialEventsEndBookmarkIfRequested`,
        // `isListWatchRequest`: sendInitialEvents=true without allowWatchBookmarks is not an
        // error, it just ends with no bookmark). All in kubernetes/kubernetes
        // `staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go` and `watch_cache.go`.
        if requested > store.resource_version() {
            Plan::WaitFor(requested)
        } else {
            Plan::Ready(snapshot(&store, &scope, bookmarks)?)
        }
    } else {
        // A plain watch (sendInitialEvents=false, or a resourceVersion given without it): no
        // initial state; with resourceVersion unset or "0" it starts at the current version
        // ("start watching from Any resourceVersion", `getAllEventsSinceLocked`), else it replays
        // the log after the version given.
        let from = if requested == 0 {
            store.resource_version()
        } else {
            requested
        };
        let (replay, receiver) = store.watch_from(from)?;
        Plan::Ready(Start {
            initial: Vec::new(),
            end_bookmark: None,
            replay,
            receiver,
            from,
        })
    };

    let shown = ShownAs {
        rt: target.rt.clone(),
        version: target.version.clone(),
    };
    let (tx, rx) = mpsc::channel::<Line>(64);
    tokio::spawn(async move {
        let begin = match plan {
            Plan::Ready(begin) => begin,
            Plan::WaitFor(rv) => {
                if !wait_until_fresh(&store, rv).await {
                    let _ = tx
                        .send(Ok(line("ERROR", &too_large(rv, store.resource_version()))))
                        .await;
                    return;
                }
                match snapshot(&store, &scope, bookmarks) {
                    Ok(begin) => begin,
                    Err(e) => {
                        let _ = tx.send(Ok(line("ERROR", &e.to_status()))).await;
                        return;
                    }
                }
            }
        };
        follow(begin, &store, &scope, &shown, timeout, bookmarks, tx).await;
    });
    Ok(streamed(rx))
}

/// How long a watch runs: `timeoutSeconds`, at most `DEFAULT_TIMEOUT`.
pub(super) fn timeout_of(query: &Query) -> Duration {
    query
        .get("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
        .min(DEFAULT_TIMEOUT)
}

/// The watch response: the lines `rx` gives, chunked, until it closes.
pub(super) fn streamed(rx: mpsc::Receiver<Line>) -> Response {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| ApiError::internal("failed to build watch response").into_response())
}

/// The current objects in scope, and the log after their version.
fn snapshot(store: &Store, scope: &Scope, bookmarks: bool) -> Result<Start, ApiError> {
    let (initial, rv) = store.list(&scope.rt, scope.namespace.as_deref(), &*scope.keep);
    let (replay, receiver) = store.watch_from(rv)?;
    Ok(Start {
        initial,
        end_bookmark: bookmarks.then_some(rv),
        replay,
        receiver,
        from: rv,
    })
}

/// `waitUntilFreshLocked`: true once the store has reached `rv`, false after `FRESH_WAIT`.
async fn wait_until_fresh(store: &Store, rv: u64) -> bool {
    let mut events = store.subscribe();
    let deadline = tokio::time::Instant::now() + FRESH_WAIT;
    loop {
        if store.resource_version() >= rv {
            return true;
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            _ => return store.resource_version() >= rv,
        }
    }
}

/// The Status of an ERROR event for a resourceVersion the store did not reach in time:
/// `storage.NewTooLargeResourceVersionError` (kubernetes/kubernetes
/// `staging/src/k8s.io/apiserver/pkg/storage/errors.go`), a 504 Timeout the cacher sends as the
/// stream's only event (`newErrWatcher` in `cacher.go`).
fn too_large(requested: u64, current: u64) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("Timeout: Too large resource version: {requested}, current: {current}"),
        "reason": "Timeout",
        "details": {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                    "retryAfterSeconds": 1},
        "code": 504,
    })
}

/// Sends the initial events, the end bookmark, the logged events, then the live ones until the
/// timeout or the client leaves.
async fn follow(
    begin: Start,
    store: &Store,
    scope: &Scope,
    shown: &ShownAs,
    timeout: Duration,
    bookmarks: bool,
    tx: mpsc::Sender<Line>,
) {
    let Start {
        initial,
        end_bookmark,
        replay,
        mut receiver,
        from,
    } = begin;
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
    // The bookmark right after the initial events: `processInterval` sends
    // `cacheInterval.initialEventsEndBookmark` before any other event, and
    // `cacheWatcher.convertToWatchEvent` annotates only that first bookmark
    // (kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go`).
    if let Some(rv) = end_bookmark
        && tx
            .send(Ok(line("BOOKMARK", &shown.bookmark(rv, true))))
            .await
            .is_err()
    {
        return;
    }
    for event in replay {
        last = event.rv;
        if scope.wants(&event)
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
    let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            _ = tx.closed() => return,
            _ = ticker.tick(), if bookmarks => {
                // A periodic bookmark: the version of the last event this watch has seen (never
                // one it has not sent yet), with no annotation.
                if last > store.resource_version() { continue; }
                if tx.send(Ok(line("BOOKMARK", &shown.bookmark(last, false)))).await.is_err() { return; }
            }
            received = receiver.recv() => match received {
                Ok(event) => {
                    if event.rv <= last { continue; }
                    last = event.rv;
                    if scope.wants(&event) && tx.send(Ok(line(event.kind.as_str(), &shown.show(&event.object)))).await.is_err() {
                        return;
                    }
                }
                // A watcher that fell behind ends; the client relists, as after a real 410.
                Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

/// The objects a watch covers: one type, maybe one namespace, the selectors.
struct Scope {
    rt: Arc<ResourceType>,
    namespace: Option<String>,
    keep: Keep,
}

impl Scope {
    fn wants(&self, event: &Event) -> bool {
        event.group == self.rt.group
            && event.plural == self.rt.plural
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == event.namespace)
            && (self.keep)(&event.object)
    }
}

struct ShownAs {
    rt: Arc<ResourceType>,
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

    /// A BOOKMARK's object: an empty object of the type with only a resourceVersion (the
    /// cacher's `newFunc()` plus `versioner.UpdateObject`), annotated when it ends a
    /// watch-list's initial events.
    fn bookmark(&self, rv: u64, initial_events_end: bool) -> Value {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({ INITIAL_EVENTS_END: "true" });
        }
        json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(&self.version), "metadata": metadata})
    }
}

pub(super) fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}
