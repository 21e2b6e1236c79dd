//! Waiting for an object to reach a condition, with a watch (never polling).
//!
//! Unlike `kubectl wait`, a wait on an object that does not exist yet waits for it to appear:
//! operators create objects asynchronously (the OSSM operator creates the mesh's gateways and
//! routes some time after the SMCP is applied), so "not there yet" is the normal early state of
//! the things a playbook waits for, not a mistake.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ::kube::ResourceExt;
use ::kube::api::{Api, DynamicObject, WatchEvent, WatchParams};
use ::kube::runtime::watcher;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::Value;
use tokio::time::Instant;

use super::client::{ClusterClient, to_value};
use super::errors::KubeError;
use super::retry::{Failure, classify, interruptible_sleep};
use crate::jsonpath::Template;

/// Shows the waits of the futures it is scoped to (see [`WAIT_DISPLAY`]): what is awaited, on
/// which cluster, since when, and the state seen last. On real clusters waits take minutes.
pub trait WaitDisplay: Send + Sync {
    /// A wait for `what` on `cluster` begins; `id` names it until [`WaitDisplay::ended`].
    fn began(&self, id: u64, cluster: &str, what: &str);
    /// The wait goes on (called a few times a second); `last_seen` describes the state seen last.
    fn going_on(&self, id: u64, last_seen: &str);
    fn ended(&self, id: u64);
}

tokio::task_local! {
    /// Where the waits of the current task are shown. Scoped by the caller (a run shows them on
    /// its step's line) so that the client layer needs no knowledge of how a run reports.
    pub static WAIT_DISPLAY: Arc<dyn WaitDisplay>;
}

/// Ends a shown wait when dropped, however the wait ends (success, time-out, error, Ctrl-C).
struct ShownWait {
    display: Arc<dyn WaitDisplay>,
    id: u64,
}

impl ShownWait {
    fn begin(cluster: &str, what: &str) -> Option<ShownWait> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let display = WAIT_DISPLAY.try_with(Arc::clone).ok()?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        display.began(id, cluster, what);
        Some(ShownWait { display, id })
    }
}

impl Drop for ShownWait {
    fn drop(&mut self) {
        self.display.ended(self.id);
    }
}

/// What to wait for, in `kubectl wait --for` syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitCondition {
    /// `condition=Ready` or `condition=Ready=False`: an entry of `status.conditions` with that
    /// type and status (both compared case-insensitively, as kubectl does).
    Condition {
        /// The condition type (`Ready`, `Available`...).
        type_: String,
        /// The awaited status, `True` unless given.
        status: String,
    },
    /// `delete`: the object is gone.
    Delete,
    /// `jsonpath={.status.phase}=Running` (the value, compared as text) or
    /// `jsonpath={.status.loadBalancer.ingress}` (the path exists and is not empty).
    JsonPath {
        /// The template, braces included.
        path: String,
        /// The awaited value; `None` waits for existence.
        value: Option<String>,
    },
}

impl WaitCondition {
    /// Parses what `kubectl wait --for=` accepts.
    pub fn parse(text: &str) -> Result<WaitCondition, KubeError> {
        let text = text.trim();
        let invalid = |why: &str| KubeError::Invalid {
            message: format!(
                "wait condition {text:?}: {why}; expected condition=TYPE[=STATUS], delete, or jsonpath={{.path}}[=VALUE]"
            ),
        };
        if text.eq_ignore_ascii_case("delete") {
            return Ok(WaitCondition::Delete);
        }
        if let Some(rest) = strip_prefix_ignore_case(text, "condition=") {
            let (type_, status) = match rest.split_once('=') {
                Some((t, s)) => (t, s),
                None => (rest, "True"),
            };
            if type_.is_empty() || status.is_empty() {
                return Err(invalid("empty condition type or status"));
            }
            return Ok(WaitCondition::Condition {
                type_: type_.to_string(),
                status: status.to_string(),
            });
        }
        if let Some(rest) = strip_prefix_ignore_case(text, "jsonpath=") {
            let rest = rest.trim_matches('\'');
            let (path, value) = if rest.starts_with('{') {
                let close = rest.rfind('}').ok_or_else(|| invalid("unclosed {"))?;
                let (path, tail) = rest.split_at(close + 1);
                let tail = tail.trim_start_matches('\'');
                match tail.strip_prefix('=') {
                    Some(v) => (path.to_string(), Some(v.to_string())),
                    None if tail.is_empty() => (path.to_string(), None),
                    None => return Err(invalid("unexpected text after the path")),
                }
            } else {
                // kubectl also accepts the path without braces.
                match rest.split_once('=') {
                    Some((p, v)) => (format!("{{{p}}}"), Some(v.to_string())),
                    None => (format!("{{{rest}}}"), None),
                }
            };
            Template::parse(&path).map_err(|e| invalid(&e.to_string()))?;
            return Ok(WaitCondition::JsonPath { path, value });
        }
        Err(invalid("unknown form"))
    }

    /// The state of `object` (`None`: absent) as it matters to the condition, briefly: what
    /// time-out messages show as last seen.
    pub fn describe(&self, object: Option<&Value>) -> String {
        summary(object, self)
    }

    /// Whether `object` (`None`: absent) meets the condition.
    fn is_met(&self, object: Option<&Value>) -> bool {
        match (self, object) {
            (WaitCondition::Delete, None) => true,
            (WaitCondition::Delete, Some(_)) | (_, None) => false,
            (WaitCondition::Condition { type_, status }, Some(o)) => condition(o, type_)
                .is_some_and(|c| {
                    let status_matches = c
                        .get("status")
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case(status));
                    // A condition about an older generation says nothing about the current spec.
                    let generation = o.pointer("/metadata/generation").and_then(Value::as_i64);
                    let observed = c.get("observedGeneration").and_then(Value::as_i64);
                    let current = match (generation, observed) {
                        (Some(g), Some(seen)) => seen >= g,
                        _ => true,
                    };
                    status_matches && current
                }),
            (WaitCondition::JsonPath { path, value }, Some(o)) => {
                let results = query(path, o);
                match value {
                    None => results.iter().any(|v| !is_empty(v)),
                    Some(expected) => {
                        results.len() == 1
                            && results.first().is_some_and(|v| text_of(v) == *expected)
                    }
                }
            }
        }
    }
}

impl fmt::Display for WaitCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitCondition::Condition { type_, status } if status.eq_ignore_ascii_case("true") => {
                write!(f, "condition={type_}")
            }
            WaitCondition::Condition { type_, status } => write!(f, "condition={type_}={status}"),
            WaitCondition::Delete => f.write_str("delete"),
            WaitCondition::JsonPath {
                path,
                value: Some(v),
            } => write!(f, "jsonpath={path}={v}"),
            WaitCondition::JsonPath { path, value: None } => write!(f, "jsonpath={path}"),
        }
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn condition<'a>(object: &'a Value, type_: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| {
            c.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(type_))
        })
}

fn query(path: &str, object: &Value) -> Vec<Value> {
    Template::parse(path)
        .and_then(|t| t.query(object))
        .unwrap_or_default()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A value as kubectl's jsonpath prints it: strings bare, everything else as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short description of the last state seen, for timeout messages.
fn summary(object: Option<&Value>, condition: &WaitCondition) -> String {
    let Some(o) = object else {
        return "not found".to_string();
    };
    let mut parts = Vec::new();
    if let WaitCondition::JsonPath { path, .. } = condition {
        let shown = query(path, o)
            .iter()
            .map(text_of)
            .collect::<Vec<_>>()
            .join(" ");
        parts.push(if shown.is_empty() {
            format!("{path} is absent")
        } else {
            format!("{path} = {}", shorten(&shown))
        });
    }
    if let Some(conditions) = o.pointer("/status/conditions").and_then(Value::as_array) {
        let shown: Vec<String> = conditions
            .iter()
            .take(4)
            .map(|c| {
                let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("?");
                let mut s = format!("{}={}", field("type"), field("status"));
                let reason = c.get("reason").and_then(Value::as_str).unwrap_or("");
                let message = c.get("message").and_then(Value::as_str).unwrap_or("");
                match (reason.is_empty(), message.is_empty()) {
                    (false, false) => s.push_str(&format!(" ({reason}: {})", shorten(message))),
                    (false, true) => s.push_str(&format!(" ({reason})")),
                    (true, false) => s.push_str(&format!(" ({})", shorten(message))),
                    (true, true) => {}
                }
                s
            })
            .collect();
        if !shown.is_empty() {
            parts.push(format!("conditions {}", shown.join(", ")));
        }
    }
    if let Some(phase) = o.pointer("/status/phase").and_then(Value::as_str) {
        parts.push(format!("phase {phase}"));
    }
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        parts.push("being deleted".to_string());
    }
    if parts.is_empty() {
        "exists, with no status yet".to_string()
    } else {
        parts.join("; ")
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// One thing a wait follows: the objects of a kind in a namespace (cluster-wide for `None` or a
/// cluster-scoped kind), or only the one named.
#[derive(Debug, Clone, Copy)]
pub struct Watched<'a> {
    kind: &'a str,
    ns: Option<&'a str>,
    name: Option<&'a str>,
    listed: bool,
}

impl<'a> Watched<'a> {
    /// One object.
    pub fn object(kind: &'a str, ns: Option<&'a str>, name: &'a str) -> Self {
        Watched {
            kind,
            ns,
            name: Some(name),
            listed: false,
        }
    }

    /// Every object of `kind` in `ns`: one watch however many of them the wait is about.
    pub fn all(kind: &'a str, ns: Option<&'a str>) -> Self {
        Watched {
            kind,
            ns,
            name: None,
            listed: false,
        }
    }

    /// Lists before watching, so that the check first sees a complete state: needed when it
    /// asks for something to be absent. Without it the check starts from an empty state that
    /// fills as the watch reports what exists, which suits checks that ask for something present.
    pub fn listed(self) -> Self {
        Watched {
            listed: true,
            ..self
        }
    }
}

/// What a wait has seen of each [`Watched`] thing: the objects by name.
pub type Seen = BTreeMap<String, Value>;

impl ClusterClient {
    /// Waits until the object meets `condition` and returns it (`Value::Null` for `delete`).
    ///
    /// Uses a watch restricted to the object's name, which starts with the object as it is (so a
    /// condition that already holds returns at once) and then follows changes; see
    /// [`object_events`]. Waiting for a deletion lists first instead, since only a list tells
    /// that the object is gone.
    pub async fn wait(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        condition: &WaitCondition,
        timeout: Duration,
        interrupt: &AtomicBool,
    ) -> Result<Value, KubeError> {
        let mut watched = Watched::object(kind, ns, name);
        if *condition == WaitCondition::Delete {
            watched = watched.listed();
        }
        let goal = match condition {
            WaitCondition::Delete => "deleted".to_string(),
            other => other.to_string(),
        };
        let what = |ns_text: &str| format!("{kind}/{name}{ns_text} to be {goal}");
        self.wait_until(&[watched], what, timeout, interrupt, |seen| {
            let object = seen[0].get(name);
            if condition.is_met(object) {
                Ok(object.cloned().unwrap_or(Value::Null))
            } else {
                Err(summary(object, condition))
            }
        })
        .await
    }

    /// Waits until `check`, given what has been seen of each of `watched` (in that order),
    /// returns `Ok`; its `Err` describes the last state seen, for the time-out message. `what`
    /// says what is awaited, given " in NAMESPACE" of the first watched thing (or "").
    ///
    /// One request per watched thing (per reconnection): however many objects `check` looks at,
    /// and however many kinds, they are followed at once. Transient watch failures back off
    /// under the retry policy; permanent ones (403, unknown kind) fail at once. `interrupt` (and
    /// the run-wide flag) are checked at least every 100 ms.
    pub async fn wait_until<T>(
        &self,
        watched: &[Watched<'_>],
        what: impl FnOnce(&str) -> String,
        timeout: Duration,
        interrupt: &AtomicBool,
        mut check: impl FnMut(&[Seen]) -> Result<T, String>,
    ) -> Result<T, KubeError>
    where
        T: Default,
    {
        if self.plan().is_some() {
            return self.plan_wait(watched, what, check).await;
        }
        let start = Instant::now();
        let deadline = start + timeout;
        let label = self.error_label();
        let (_, policy, _) = self.parts();
        let mut infos = Vec::with_capacity(watched.len());
        let mut streams = Vec::with_capacity(watched.len());
        for (index, w) in watched.iter().enumerate() {
            let (api, info) = self.object_api(w.kind, w.ns).await?;
            let events = match (w.listed, w.name) {
                (true, name) => {
                    let mut config = watcher::Config::default();
                    if let Some(name) = name {
                        config = config.fields(&format!("metadata.name={name}"));
                    }
                    watcher(api, config).boxed()
                }
                (false, name) => object_events(api, name),
            };
            streams.push(events.map(move |e| (index, e)));
            infos.push(info);
        }
        let ns_text = watched
            .first()
            .and_then(|w| w.ns)
            .filter(|n| !n.is_empty() && infos.first().is_some_and(|i| i.namespaced))
            .map(|n| format!(" in {n}"))
            .unwrap_or_default();
        let what = what(&ns_text);
        let shown = ShownWait::begin(&label, &what);
        let mut stream = futures::stream::select_all(streams);
        let mut seen: Vec<Seen> = vec![Seen::new(); watched.len()];
        let mut pending: Vec<Seen> = vec![Seen::new(); watched.len()];
        let mut listed = vec![false; watched.len()];
        let mut last_seen = String::new();
        let mut failures: u32 = 0;

        loop {
            if interrupt.load(Ordering::Relaxed) || self.interrupted() {
                return Err(KubeError::Interrupted);
            }
            let now = Instant::now();
            if now >= deadline {
                // Never an answer during the whole wait: the cluster is the problem, not the objects.
                if !listed.iter().any(|l| *l) && seen.iter().all(Seen::is_empty) {
                    return Err(KubeError::Unreachable {
                        cluster: label,
                        attempts: failures.max(1),
                        elapsed: start.elapsed(),
                        message: format!("no answer to the watch of {what}"),
                    });
                }
                if let Err(described) = check(&seen) {
                    last_seen = described;
                }
                return Err(KubeError::Timeout {
                    cluster: label,
                    what,
                    waited: start.elapsed(),
                    last_seen,
                });
            }
            if let Some(shown) = &shown {
                shown.display.going_on(shown.id, &last_seen);
            }
            let slice = (deadline - now).min(Duration::from_millis(100));
            // Dropping `next()` on a time-out is safe: the streams keep their in-flight requests.
            let (index, item) = match tokio::time::timeout(slice, stream.next()).await {
                Err(_) => continue,
                Ok(None) => {
                    // The watches never end on their own; treat an end like a closed watch.
                    return Err(KubeError::Client {
                        cluster: label,
                        message: "the watch ended unexpectedly".into(),
                    });
                }
                Ok(Some(item)) => item,
            };
            let name_of = |o: &DynamicObject| o.name_any();
            let changed = match item {
                Ok(event) => {
                    // `Init` comes before every (re-)list, including ones about to fail: only
                    // data from the server proves it answers again.
                    if !matches!(event, watcher::Event::Init) {
                        failures = 0;
                    }
                    match event {
                        watcher::Event::Init => {
                            pending[index].clear();
                            false
                        }
                        watcher::Event::InitApply(o) => {
                            let name = name_of(&o);
                            pending[index].insert(name, to_value(&label, o, &infos[index])?);
                            false
                        }
                        watcher::Event::InitDone => {
                            seen[index] = std::mem::take(&mut pending[index]);
                            listed[index] = true;
                            true
                        }
                        watcher::Event::Apply(o) => {
                            let name = name_of(&o);
                            seen[index].insert(name, to_value(&label, o, &infos[index])?);
                            true
                        }
                        watcher::Event::Delete(o) => {
                            seen[index].remove(&name_of(&o));
                            true
                        }
                    }
                }
                Err(error) => {
                    let kind = watched[index].kind;
                    let inner = match error {
                        watcher::Error::InitialListFailed(e)
                        | watcher::Error::WatchStartFailed(e)
                        | watcher::Error::WatchFailed(e) => e,
                        watcher::Error::WatchError(status) => ::kube::Error::Api(status),
                        watcher::Error::NoResourceVersion => {
                            return Err(KubeError::Client {
                                cluster: label,
                                message: format!("{kind} cannot be watched (no resourceVersion)"),
                            });
                        }
                    };
                    // 410 Gone: the stream starts afresh by itself on the next poll.
                    if let ::kube::Error::Api(status) = &inner
                        && status.code == 410
                    {
                        continue;
                    }
                    match classify(&label, inner) {
                        Failure::Permanent(e) => return Err(e),
                        Failure::Conflict(_) => {}
                        Failure::Transient {
                            message,
                            retry_after,
                        } => {
                            failures += 1;
                            if failures >= policy.max_attempts.max(1) {
                                return Err(KubeError::Unreachable {
                                    cluster: label,
                                    attempts: failures,
                                    elapsed: start.elapsed(),
                                    message,
                                });
                            }
                            tracing::debug!(cluster = %label, kind, failures, error = %message, "watch failed; retrying");
                            let delay = retry_after.unwrap_or_else(|| policy.backoff(failures));
                            let delay =
                                delay.min(deadline.saturating_duration_since(Instant::now()));
                            interruptible_sleep(delay, interrupt).await?;
                        }
                    }
                    false
                }
            };
            if !changed || !listed.iter().all(|l| *l) {
                continue;
            }
            match check(&seen) {
                Ok(done) => return Ok(done),
                Err(described) => last_seen = described,
            }
        }
    }
}

impl ClusterClient {
    /// A wait in plan mode is not run: what exists now is read once (objects only the plan
    /// creates included); when it already meets `check` (a re-plan of an applied playbook), its
    /// answer is returned as a real wait's would be; otherwise "would wait for …" is recorded and
    /// the wait's neutral value (`T::default()`) lets the playbook go on.
    async fn plan_wait<T: Default>(
        &self,
        watched: &[Watched<'_>],
        what: impl FnOnce(&str) -> String,
        mut check: impl FnMut(&[Seen]) -> Result<T, String>,
    ) -> Result<T, KubeError> {
        let mut seen = Vec::with_capacity(watched.len());
        let mut ns_text = String::new();
        for (index, w) in watched.iter().enumerate() {
            let objects = self
                .list(
                    w.kind,
                    w.ns,
                    None,
                    w.name.map(|n| format!("metadata.name={n}")).as_deref(),
                )
                .await?;
            let mut found: Seen = objects
                .into_iter()
                .map(|o| {
                    (
                        o.pointer("/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        o,
                    )
                })
                .collect();
            if let Some(name) = w.name
                && !found.contains_key(name)
                && let Some(planned) = self.try_get(w.kind, w.ns, name).await.ok().flatten()
            {
                found.insert(name.to_string(), planned);
            }
            if index == 0 {
                ns_text =
                    w.ns.filter(|n| !n.is_empty())
                        .map(|n| format!(" in {n}"))
                        .unwrap_or_default();
            }
            seen.push(found);
        }
        match check(&seen) {
            Ok(done) => Ok(done),
            Err(_) => {
                self.record_note(crate::plan::Action::Wait, what(&ns_text));
                Ok(T::default())
            }
        }
    }
}

type Events = BoxStream<'static, Result<watcher::Event<DynamicObject>, watcher::Error>>;

/// The events of one object (or of all the objects of the API, for `None`), in the watcher's
/// terms, with one request per (re)connection.
///
/// A watch from resourceVersion "0" starts with the objects as the server has them (synthetic
/// ADDEDs, from the watch cache on a real API server), so unlike kube-rs's watcher (a LIST, then
/// a WATCH) a wait that already holds costs one request. A fresh start is announced with
/// `InitDone` (the server answered; what follows is its state); a watch the server closes resumes
/// from the last version seen, and one whose version expired (410) starts afresh.
fn object_events(api: Api<DynamicObject>, name: Option<&str>) -> Events {
    struct State {
        api: Api<DynamicObject>,
        params: WatchParams,
        version: String,
        events: Option<BoxStream<'static, ::kube::Result<WatchEvent<DynamicObject>>>>,
    }
    let mut params = WatchParams::default().timeout(290);
    if let Some(name) = name {
        params = params.fields(&format!("metadata.name={name}"));
    }
    let state = State {
        api,
        params,
        version: "0".to_string(),
        events: None,
    };
    futures::stream::unfold(state, |mut s| async move {
        loop {
            let Some(events) = s.events.as_mut() else {
                match s.api.watch(&s.params, &s.version).await {
                    Ok(events) => {
                        s.events = Some(events.boxed());
                        if s.version == "0" {
                            return Some((Ok(watcher::Event::InitDone), s));
                        }
                        continue;
                    }
                    Err(e) => return Some((Err(watcher::Error::WatchStartFailed(e)), s)),
                }
            };
            let event = match events.next().await {
                // The server ended the watch (its timeout): resume where it stopped.
                None => {
                    s.events = None;
                    continue;
                }
                Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                    s.version = o.resource_version().unwrap_or(s.version);
                    Ok(watcher::Event::Apply(o))
                }
                Some(Ok(WatchEvent::Deleted(o))) => {
                    s.version = o.resource_version().unwrap_or(s.version);
                    Ok(watcher::Event::Delete(o))
                }
                Some(Ok(WatchEvent::Bookmark(b))) => {
                    s.version = b.metadata.resource_version;
                    continue;
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    s.events = None;
                    if status.code == 410 {
                        s.version = "0".to_string();
                    }
                    Err(watcher::Error::WatchError(status))
                }
                Some(Err(e)) => {
                    s.events = None;
                    Err(watcher::Error::WatchFailed(e))
                }
            };
            return Some((event, s));
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_kubectl_forms() {
        let ready = WaitCondition::Condition {
            type_: "Ready".into(),
            status: "True".into(),
        };
        assert_eq!(WaitCondition::parse("condition=Ready").ok(), Some(ready));
        assert_eq!(
            WaitCondition::parse("condition=Ready=False").ok(),
            Some(WaitCondition::Condition {
                type_: "Ready".into(),
                status: "False".into()
            })
        );
        assert_eq!(
            WaitCondition::parse("delete").ok(),
            Some(WaitCondition::Delete)
        );
        assert_eq!(
            WaitCondition::parse("jsonpath={.status.phase}=Running").ok(),
            Some(WaitCondition::JsonPath {
                path: "{.status.phase}".into(),
                value: Some("Running".into())
            })
        );
        assert_eq!(
            WaitCondition::parse("jsonpath='{.status.loadBalancer.ingress}'").ok(),
            Some(WaitCondition::JsonPath {
                path: "{.status.loadBalancer.ingress}".into(),
                value: None
            })
        );
        for bad in ["", "ready", "condition=", "jsonpath={.a"] {
            assert!(
                matches!(WaitCondition::parse(bad), Err(KubeError::Invalid { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn evaluates_conditions() {
        let obj = json!({"metadata": {"generation": 2}, "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "observedGeneration": 2},
            {"type": "Old", "status": "True", "observedGeneration": 1}]}});
        let parse = |s: &str| WaitCondition::parse(s).ok();
        assert!(parse("condition=ready").is_some_and(|c| c.is_met(Some(&obj))));
        assert!(parse("condition=Ready=False").is_some_and(|c| !c.is_met(Some(&obj))));
        assert!(
            parse("condition=Old").is_some_and(|c| !c.is_met(Some(&obj))),
            "stale generation"
        );
        assert!(parse("jsonpath={.status.phase}=Running").is_some_and(|c| c.is_met(Some(&obj))));
        assert!(parse("jsonpath={.status.loadBalancer}").is_some_and(|c| !c.is_met(Some(&obj))));
        assert!(parse("delete").is_some_and(|c| c.is_met(None) && !c.is_met(Some(&obj))));
    }

    #[test]
    fn summaries_are_short() {
        let obj = json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Reconciling"}]}});
        assert_eq!(
            summary(Some(&obj), &WaitCondition::Delete),
            "conditions Ready=False (Reconciling)"
        );
        assert_eq!(summary(None, &WaitCondition::Delete), "not found");
        assert_eq!(
            summary(Some(&json!({})), &WaitCondition::Delete),
            "exists, with no status yet"
        );
    }
}
