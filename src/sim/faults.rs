//! Injected failures for the reliability tests: latency, a share of 429/500/503 answers,
//! dropped connections, and a cluster that stops answering.
//!
//! fedrun promises to retry transient API failures (429, 5xx, connection resets) with backoff
//! and to fail at once on permanent ones; these faults let tests and demos prove that against
//! the simulator, reproducibly: the random choices come from an RNG seeded by the spec, so the
//! same `--faults` and the same request order give the same failures.
//!
//! A spec is written like `503=0.1,429=0.05,500=0.02,reset=0.05,latency=50ms,seed=7`.
//! Error answers are Kubernetes `Status` objects, as a real kube-apiserver (or its
//! priority-and-fairness filter) sends them, so clients parse them exactly as in production.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::Notify;

/// The keys a `--faults` spec accepts, for error messages.
pub const ACCEPTED_KEYS: &str =
    "429, 500, 503, reset (probabilities 0..=1), latency (e.g. 50ms, 1s), seed (integer)";

/// What to inject, parsed from `--faults`. All probabilities are per request, in `[0, 1]`,
/// and their sum is at most 1 (each request gets at most one fault).
///
/// Deliberately not `Copy` (callers `.clone()` it, which clippy flags on `Copy` types).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultSpec {
    /// Delay added before every request is handled.
    pub latency: Duration,
    /// Share of requests answered `429 TooManyRequests` with `Retry-After: 1`.
    pub status_429: f64,
    /// Share of requests answered `500 InternalError`.
    pub status_500: f64,
    /// Share of requests answered `503 ServiceUnavailable`.
    pub status_503: f64,
    /// Share of requests whose connection is dropped without an answer.
    pub reset: f64,
    /// Seed of the fault RNG (0 when not given), so failures are reproducible.
    pub seed: u64,
}

/// A `--faults` spec that could not be parsed. Each message names the offending item.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultSpecError {
    /// An item without `=`.
    #[error("fault item {item:?} is not KEY=VALUE; accepted keys: {ACCEPTED_KEYS}")]
    NotKeyValue {
        /// The item as written.
        item: String,
    },
    /// An unknown key.
    #[error("unknown fault {key:?} in {item:?}; accepted keys: {ACCEPTED_KEYS}")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The item as written.
        item: String,
    },
    /// The same key twice.
    #[error("fault {key:?} is given twice")]
    Duplicate {
        /// The repeated key.
        key: String,
    },
    /// A probability that is not a number in `[0, 1]`.
    #[error("fault {item:?}: {value:?} is not a probability between 0 and 1 (e.g. 503=0.1)")]
    BadProbability {
        /// The item as written.
        item: String,
        /// The value as written.
        value: String,
    },
    /// A latency that is not a duration.
    #[error(
        "fault {item:?}: {value:?} is not a duration (e.g. latency=50ms, latency=1.5s, latency=200us)"
    )]
    BadLatency {
        /// The item as written.
        item: String,
        /// The value as written.
        value: String,
    },
    /// A seed that is not an unsigned integer.
    #[error("fault {item:?}: {value:?} is not an unsigned integer seed (e.g. seed=7)")]
    BadSeed {
        /// The item as written.
        item: String,
        /// The value as written.
        value: String,
    },
    /// Probabilities adding up to more than 1.
    #[error("fault probabilities add up to {sum} (429+500+503+reset), more than 1")]
    SumTooLarge {
        /// Their sum.
        sum: f64,
    },
}

impl FaultSpec {
    /// True when the spec injects nothing (no latency, all probabilities zero).
    pub fn is_none(&self) -> bool {
        self.latency.is_zero() && self.failure_probability() == 0.0
    }

    fn failure_probability(&self) -> f64 {
        self.status_429 + self.status_500 + self.status_503 + self.reset
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    /// Parses `KEY=VALUE` items separated by commas (spaces around items and `=` are allowed).
    /// An empty string is the empty spec.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        let mut seen: Vec<String> = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(FaultSpecError::NotKeyValue {
                    item: item.to_owned(),
                });
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            if seen.contains(&key) {
                return Err(FaultSpecError::Duplicate { key });
            }
            let probability = || -> Result<f64, FaultSpecError> {
                match value.parse::<f64>() {
                    Ok(p) if p.is_finite() && (0.0..=1.0).contains(&p) => Ok(p),
                    _ => Err(FaultSpecError::BadProbability {
                        item: item.to_owned(),
                        value: value.to_owned(),
                    }),
                }
            };
            match key.as_str() {
                "429" => spec.status_429 = probability()?,
                "500" => spec.status_500 = probability()?,
                "503" => spec.status_503 = probability()?,
                "reset" => spec.reset = probability()?,
                "latency" => {
                    spec.latency =
                        parse_duration(value).ok_or_else(|| FaultSpecError::BadLatency {
                            item: item.to_owned(),
                            value: value.to_owned(),
                        })?;
                }
                "seed" => {
                    spec.seed = value.parse().map_err(|_| FaultSpecError::BadSeed {
                        item: item.to_owned(),
                        value: value.to_owned(),
                    })?;
                }
                _ => {
                    return Err(FaultSpecError::UnknownKey {
                        key,
                        item: item.to_owned(),
                    });
                }
            }
            seen.push(key);
        }
        let sum = spec.failure_probability();
        // A little tolerance for decimal sums such as 0.1+0.2+0.7.
        if sum > 1.0 + 1e-9 {
            return Err(FaultSpecError::SumTooLarge { sum });
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    /// Writes the spec back in `--faults` syntax (only the non-default items), so that logs
    /// and reports show what was injected in a form that can be pasted back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        if !self.latency.is_zero() {
            items.push(format!("latency={}us", self.latency.as_micros()));
        }
        for (key, p) in [
            ("429", self.status_429),
            ("500", self.status_500),
            ("503", self.status_503),
            ("reset", self.reset),
        ] {
            if p > 0.0 {
                items.push(format!("{key}={p}"));
            }
        }
        if self.seed != 0 {
            items.push(format!("seed={}", self.seed));
        }
        f.write_str(&items.join(","))
    }
}

/// A latency: a duration as everywhere else (`50ms`, `1.5s`, `2m`), except that a bare number
/// means milliseconds, as `--latency` does. At most an hour: a larger latency is surely a typo
/// and would only hang a run.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let d = match value.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms >= 0.0 => Duration::from_secs_f64(ms / 1e3),
        Ok(_) => return None,
        Err(_) => crate::duration::parse(value).ok()?,
    };
    (d <= Duration::from_secs(3600)).then_some(d)
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Handle the request normally.
    None,
    /// Answer with this status code (429, 500 or 503) and a `Status` body.
    Status(u16),
    /// Drop the connection without answering.
    Reset,
}

/// The runtime fault state of one simulated cluster, shared by all its connections.
#[derive(Debug)]
pub struct Faults {
    spec: FaultSpec,
    rng: Mutex<StdRng>,
    down: AtomicBool,
    /// Wakes requests held by the down switch when it changes.
    changed: Notify,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(FaultSpec::default())
    }
}

impl Faults {
    /// Fault state for `spec`, with its RNG seeded from `spec.seed`, and the cluster up.
    pub fn new(spec: FaultSpec) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(spec.seed)),
            spec,
            down: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    /// The spec this state was made from.
    pub fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    /// Latency to add before handling each request.
    pub fn latency(&self) -> Duration {
        self.spec.latency
    }

    /// Draws the fault for one request: one uniform draw split into 429 | 500 | 503 | reset |
    /// none by the spec's probabilities.
    pub fn decide(&self) -> Fault {
        let spec = &self.spec;
        if spec.failure_probability() == 0.0 {
            return Fault::None;
        }
        // A poisoned lock only means another thread panicked mid-draw; the RNG is still usable.
        let draw: f64 = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .random();
        let mut edge = spec.status_429;
        if draw < edge {
            return Fault::Status(429);
        }
        edge += spec.status_500;
        if draw < edge {
            return Fault::Status(500);
        }
        edge += spec.status_503;
        if draw < edge {
            return Fault::Status(503);
        }
        edge += spec.reset;
        if draw < edge {
            return Fault::Reset;
        }
        Fault::None
    }

    /// Switches the cluster off (`true`: requests are held without an answer) or back on
    /// (`false`: held requests proceed).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Whether the cluster is currently switched off.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Returns at once if the cluster is up, else when it is switched back on.
    pub async fn wait_until_up(&self) {
        loop {
            // Register for the wake-up before checking the flag, so a `set_down(false)`
            // between the check and the await is not missed.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.is_down() {
                return;
            }
            notified.await;
        }
    }
}

/// The Kubernetes `reason` for the status codes this module produces.
pub fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        413 => "RequestEntityTooLarge",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    }
}

/// A Kubernetes `Status` failure response: `{"kind":"Status","apiVersion":"v1","metadata":{},
/// "status":"Failure","message":..,"reason":..,"code":..}` with `Content-Type:
/// application/json`. 429 answers also carry `Retry-After: 1` and `details.retryAfterSeconds`,
/// as kube-apiserver's priority-and-fairness filter sends them (and as client-go and kube-rs
/// honour them).
pub fn status_response(code: u16, reason: &str, message: &str) -> http::Response<axum::body::Body> {
    let mut body = serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if code == 429 {
        body["details"] = serde_json::json!({ "retryAfterSeconds": 1 });
    }
    let status =
        http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = http::Response::new(axum::body::Body::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    if code == 429 {
        headers.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
    }
    response
}

/// The response for an injected `Fault::Status(code)`, with messages that say the failure was
/// injected (so nobody debugs a simulator "bug" that was asked for).
pub fn fault_response(code: u16) -> http::Response<axum::body::Body> {
    let message = match code {
        429 => "Too many requests, please try again later. (injected fault)".to_owned(),
        503 => "The server is currently unable to handle the request (injected fault)".to_owned(),
        500 => "Internal error occurred: injected fault".to_owned(),
        other => format!("injected fault {other}"),
    };
    status_response(code, reason_for(code), &message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn parses_a_full_spec() {
        let spec: FaultSpec = "503=0.1,429=0.05, 500=0.02 ,reset=0.05,seed=7,latency=50ms"
            .parse()
            .expect("parse");
        assert_eq!(spec.status_503, 0.1);
        assert_eq!(spec.status_429, 0.05);
        assert_eq!(spec.status_500, 0.02);
        assert_eq!(spec.reset, 0.05);
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.latency, Duration::from_millis(50));
        let again: FaultSpec = spec.to_string().parse().expect("round trip");
        assert_eq!(again, spec);
        assert!("".parse::<FaultSpec>().expect("empty").is_none());
        assert_eq!(
            "latency=1.5s".parse::<FaultSpec>().expect("s").latency,
            Duration::from_millis(1500)
        );
        assert_eq!(
            "latency=200".parse::<FaultSpec>().expect("ms").latency,
            Duration::from_millis(200)
        );
        assert!("503=1".parse::<FaultSpec>().is_ok());
        assert!("429=0.1,500=0.2,503=0.7".parse::<FaultSpec>().is_ok());
    }

    #[test]
    fn errors_name_the_bad_item_and_the_accepted_keys() {
        let err = "503=0.1,404=0.2".parse::<FaultSpec>().expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("\"404=0.2\""), "{text}");
        assert!(text.contains("reset") && text.contains("seed"), "{text}");

        let err = "503=1.5".parse::<FaultSpec>().expect_err("range");
        assert!(matches!(err, FaultSpecError::BadProbability { .. }));
        assert!(err.to_string().contains("503=1.5"));
        assert!("503=NaN".parse::<FaultSpec>().is_err());
        assert!("503=-0.1".parse::<FaultSpec>().is_err());
        assert!(matches!(
            "503".parse::<FaultSpec>(),
            Err(FaultSpecError::NotKeyValue { .. })
        ));
        assert!(matches!(
            "503=0.6,429=0.6".parse::<FaultSpec>(),
            Err(FaultSpecError::SumTooLarge { .. })
        ));
        assert!(matches!(
            "503=0.1,503=0.2".parse::<FaultSpec>(),
            Err(FaultSpecError::Duplicate { .. })
        ));
        assert!(matches!(
            "seed=-1".parse::<FaultSpec>(),
            Err(FaultSpecError::BadSeed { .. })
        ));
        assert!(matches!(
            "latency=fast".parse::<FaultSpec>(),
            Err(FaultSpecError::BadLatency { .. })
        ));
        assert!("latency=2h".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn decisions_are_seeded_and_follow_the_probabilities() {
        let spec: FaultSpec = "503=0.2,429=0.1,500=0.1,reset=0.1,seed=7"
            .parse()
            .expect("parse");
        let draw = |faults: &Faults| (0..2000).map(|_| faults.decide()).collect::<Vec<_>>();
        let a = draw(&Faults::new(spec.clone()));
        let b = draw(&Faults::new(spec));
        assert_eq!(a, b, "same seed, same faults");
        let count = |f: Fault| a.iter().filter(|&&x| x == f).count();
        // Expected 400/200/200/200/1000 of 2000; allow wide margins.
        assert!((300..500).contains(&count(Fault::Status(503))));
        assert!((130..270).contains(&count(Fault::Status(429))));
        assert!((130..270).contains(&count(Fault::Status(500))));
        assert!((130..270).contains(&count(Fault::Reset)));
        assert!((850..1150).contains(&count(Fault::None)));

        let always = Faults::new("503=1".parse().expect("parse"));
        assert!((0..100).all(|_| always.decide() == Fault::Status(503)));
        let never = Faults::default();
        assert!((0..100).all(|_| never.decide() == Fault::None));
    }

    #[tokio::test]
    async fn down_switch_holds_until_released() {
        let faults = Arc::new(Faults::default());
        faults.wait_until_up().await; // up: immediate
        faults.set_down(true);
        assert!(faults.is_down());
        let waiter = tokio::spawn({
            let faults = faults.clone();
            async move { faults.wait_until_up().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished());
        faults.set_down(false);
        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("released")
            .expect("join");
    }

    #[tokio::test]
    async fn status_bodies_are_kubernetes_status_objects() {
        use http_body_util::BodyExt as _;
        let response = fault_response(429);
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
        assert_eq!(response.headers()["content-type"], "application/json");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let status: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(status["kind"], "Status");
        assert_eq!(status["apiVersion"], "v1");
        assert_eq!(status["status"], "Failure");
        assert_eq!(status["reason"], "TooManyRequests");
        assert_eq!(status["code"], 429);
        assert_eq!(status["metadata"], serde_json::json!({}));

        for (code, reason) in [(500, "InternalError"), (503, "ServiceUnavailable")] {
            let response = fault_response(code);
            assert!(response.headers().get("retry-after").is_none());
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let status: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(status["reason"], reason);
            assert_eq!(status["code"], code);
        }
    }
}
