//! Waiting for an object to reach a condition, with a watch (never polling).
//!
//! Unlike `kubectl wait`, a wait on an object that does not exist yet waits for it to appear:
//! operators create objects asynchronously (the OSSM operator creates the mesh's gateways and
//! routes some time after the SMCP is applied), so "not there yet" is the normal early state of
//! the things a playbook waits for, not a mistake.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
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

impl ClusterClient {
    /// Waits until the object meets `condition` and returns it (`Value::Null` for `delete`).
    ///
    /// Uses a watch restricted to the object's name, which starts with the object as it is (so a
    /// condition that already holds returns at once) and then follows changes; see
    /// [`object_events`]. Waiting for a deletion lists first instead (kube-rs's watcher), since
    /// only a list tells that the object is gone. Transient watch failures back off under
    /// the retry policy; permanent ones (403, unknown kind) fail at once. `interrupt` (and the
    /// run-wide flag) are checked at least every 100 ms.
    pub async fn wait(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        condition: &WaitCondition,
        timeout: Duration,
        interrupt: &AtomicBool,
    ) -> Result<Value, KubeError> {
        let start = Instant::now();
        let deadline = start + timeout;
        let (api, info) = self.object_api(kind, ns).await?;
        let label = self.error_label();
        let (_, policy, _) = self.parts();
        let ns_text = ns
            .filter(|n| !n.is_empty() && info.namespaced)
            .map(|n| format!(" in {n}"))
            .unwrap_or_default();
        let goal = match condition {
            WaitCondition::Delete => "deleted".to_string(),
            other => other.to_string(),
        };
        let what = format!("{kind}/{name}{ns_text} to be {goal}");

        let mut stream = match condition {
            // Only a list can tell that the object is absent.
            WaitCondition::Delete => {
                let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
                watcher(api, config).boxed()
            }
            _ => object_events(api, name),
        };
        let mut current: Option<DynamicObject> = None;
        let mut pending: Option<DynamicObject> = None;
        let mut listed = false;
        let mut failures: u32 = 0;

        loop {
            if interrupt.load(Ordering::Relaxed) || self.interrupted() {
                return Err(KubeError::Interrupted);
            }
            let now = Instant::now();
            if now >= deadline {
                let last = current
                    .as_ref()
                    .map(|o| to_value(&label, o.clone(), &info))
                    .transpose()?;
                // Never an answer during the whole wait: the cluster is the problem, not the object.
                if !listed && last.is_none() {
                    return Err(KubeError::Unreachable {
                        cluster: label,
                        attempts: failures.max(1),
                        elapsed: start.elapsed(),
                        message: format!("no answer to the watch of {what}"),
                    });
                }
                let last_seen = summary(last.as_ref(), condition);
                return Err(KubeError::Timeout {
                    cluster: label,
                    what,
                    waited: start.elapsed(),
                    last_seen,
                });
            }
            let slice = (deadline - now).min(Duration::from_millis(100));
            // Dropping `next()` on a time-out is safe: the stream keeps its in-flight request.
            let item = match tokio::time::timeout(slice, stream.next()).await {
                Err(_) => continue,
                Ok(None) => {
                    // The watcher never ends on its own; treat an end like a closed watch.
                    return Err(KubeError::Client {
                        cluster: label,
                        message: "the watch ended unexpectedly".into(),
                    });
                }
                Ok(Some(item)) => item,
            };
            let changed = match item {
                Ok(event) => {
                    // `Init` comes before every (re-)list, including ones about to fail: only
                    // data from the server proves it answers again.
                    if !matches!(event, watcher::Event::Init) {
                        failures = 0;
                    }
                    match event {
                        watcher::Event::Init => {
                            pending = None;
                            false
                        }
                        watcher::Event::InitApply(o) => {
                            pending = Some(o);
                            false
                        }
                        watcher::Event::InitDone => {
                            current = pending.take();
                            listed = true;
                            true
                        }
                        watcher::Event::Apply(o) => {
                            current = Some(o);
                            true
                        }
                        watcher::Event::Delete(_) => {
                            current = None;
                            true
                        }
                    }
                }
                Err(error) => {
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
                    // 410 Gone: the watcher re-lists by itself on the next poll.
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
                            tracing::debug!(cluster = %label, failures, error = %message, "watch failed; retrying");
                            let delay = retry_after.unwrap_or_else(|| policy.backoff(failures));
                            let delay =
                                delay.min(deadline.saturating_duration_since(Instant::now()));
                            interruptible_sleep(delay, interrupt).await?;
                        }
                    }
                    false
                }
            };
            if !changed || !listed {
                continue;
            }
            let value = current
                .as_ref()
                .map(|o| to_value(&label, o.clone(), &info))
                .transpose()?;
            if condition.is_met(value.as_ref()) {
                return Ok(value.unwrap_or(Value::Null));
            }
        }
    }
}

type Events = BoxStream<'static, Result<watcher::Event<DynamicObject>, watcher::Error>>;

/// The events of one object, in the watcher's terms, with one request per (re)connection.
///
/// A watch from resourceVersion "0" starts with the object as the server has it (a synthetic
/// ADDED, from the watch cache on a real API server), so unlike kube-rs's watcher (a LIST, then
/// a WATCH) a wait that already holds costs one request. A fresh start is announced with
/// `InitDone` (the server answered; what follows is its state); a watch the server closes resumes
/// from the last version seen, and one whose version expired (410) starts afresh.
fn object_events(api: Api<DynamicObject>, name: &str) -> Events {
    struct State {
        api: Api<DynamicObject>,
        params: WatchParams,
        version: String,
        events: Option<BoxStream<'static, ::kube::Result<WatchEvent<DynamicObject>>>>,
    }
    let state = State {
        api,
        params: WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(290),
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
