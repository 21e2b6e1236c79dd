//! Retries with exponential backoff and full jitter, and the classification of kube-rs errors into
//! "try again" and "fail now".
//!
//! Federation playbooks run for minutes against several clusters over the internet, and API
//! servers shed load (429), restart (503) and drop connections; a playbook must not fail on one of
//! those. But an error that will not heal — a rejected token, a forbidden verb, an invalid object —
//! must surface at once with the server's own words instead of being retried for a minute.
//! kube-rs's own retry layer is switched off on the clients fedrun builds (see `pool.rs`), so this
//! module is the only place that decides, and the attempt count in [`KubeError::Unreachable`] is
//! the real number of requests.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::errors::KubeError;
use super::exec::ExecFailure;

/// How hard to try before declaring a cluster unreachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most requests sent for one operation (the first one included).
    pub max_attempts: u32,
    /// Ceiling of the first backoff; doubled after each failure.
    pub base: Duration,
    /// Cap of one backoff.
    pub max_delay: Duration,
    /// Give up when the next sleep would end later than this after the first attempt.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 100 ms doubling to at most 5 s, all within 60 s: enough to ride out an API
    /// server restart, short enough that a dead cluster is reported within a minute.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_total: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The sleep after failed attempt number `attempt` (1-based): uniformly random in
    /// `[0, min(max_delay, base * 2^(attempt-1))]` ("full jitter"), so that many clients retrying
    /// together do not hit the server in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let ceiling = self.base.saturating_mul(1u32 << exp).min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=millis))
    }
}

/// What to do about one failed request.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Might work if sent again: overload, a restarting server, a network hiccup.
    Transient {
        message: String,
        /// What the server asked for (a 429's `details.retryAfterSeconds`).
        retry_after: Option<Duration>,
    },
    /// 409 Conflict: the object changed under us; the operation re-reads and tries again.
    Conflict(KubeError),
    /// Will not heal by retrying.
    Permanent(KubeError),
}

/// The field paths a refusal names: its causes' fields, else those of a strict decoding error
/// (`unknown field "spec.x"`) or of a typed patch (`.spec.x: field not declared in schema`).
fn named_fields(status: &::kube::core::Status) -> Vec<String> {
    let causes: Vec<String> = status
        .details
        .iter()
        .flat_map(|d| &d.causes)
        .map(|c| c.field.clone())
        .filter(|f| !f.is_empty())
        .collect();
    if !causes.is_empty() {
        return causes;
    }
    let message = &status.message;
    let mut fields: Vec<String> = message
        .split("unknown field \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(f, _)| f.to_string()))
        .collect();
    if message.starts_with("failed to create typed patch object") {
        let errors = message.split_once("): ").map_or("", |(_, e)| e);
        fields.extend(
            errors
                .lines()
                .map(|l| l.trim().trim_start_matches("errors:").trim())
                .filter(|l| l.starts_with('.'))
                .filter_map(|l| l.split_once(": ").map(|(f, _)| f.to_string())),
        );
    }
    fields
}

/// The (owner, field) pairs of an apply conflict's causes (`conflict with "a"`, `.data.k`).
fn apply_conflicts(status: &::kube::core::Status) -> Vec<(String, String)> {
    status
        .details
        .iter()
        .flat_map(|d| &d.causes)
        .filter(|c| c.reason == "FieldManagerConflict")
        .map(|c| {
            let owner = c
                .message
                .strip_prefix("conflict with ")
                .unwrap_or(&c.message);
            (owner.to_string(), c.field.clone())
        })
        .collect()
}

/// Sorts a kube-rs error into transient, conflict or permanent, naming `cluster` in the result.
pub(crate) fn classify(cluster: &str, error: ::kube::Error) -> Failure {
    match error {
        ::kube::Error::Api(status) => {
            let code = status.code;
            let api = || KubeError::Api {
                cluster: cluster.to_string(),
                code,
                reason: status.reason.clone(),
                message: if status.message.is_empty() {
                    format!("HTTP {code}")
                } else {
                    status.message.clone()
                },
                fields: named_fields(&status),
            };
            match code {
                401 => Failure::Permanent(KubeError::Unauthorized {
                    cluster: cluster.to_string(),
                }),
                // A reasonless 500 is a plain Go error that reached the client (kube-apiserver's
                // `ErrorToAPIStatus`, staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
                // responsewriters/status.go): a typed patch that cannot be built, a
                // resourceVersion on create. The same request fails the same way again.
                500 if status.reason.is_empty() => Failure::Permanent(api()),
                429 | 500 | 502 | 503 | 504 => {
                    // kube-rs does not expose response headers on errors; kube-apiserver puts the
                    // same value as its Retry-After header into the Status details.
                    let retry_after = status
                        .details
                        .as_ref()
                        .map(|d| d.retry_after_seconds)
                        .filter(|s| *s > 0)
                        .map(|s| Duration::from_secs(u64::from(s)));
                    let message = if status.message.is_empty() {
                        format!("HTTP {code} {}", status.reason)
                    } else {
                        format!("{} ({code} {})", status.message, status.reason)
                    };
                    Failure::Transient {
                        message,
                        retry_after,
                    }
                }
                // A server-side apply's conflict with other field managers is no race: the same
                // apply meets the same owners (kubernetes/apimachinery pkg/util/managedfields/
                // internal/conflict.go, one `FieldManagerConflict` cause per field).
                409 if !apply_conflicts(&status).is_empty() => {
                    Failure::Permanent(KubeError::ApplyConflict {
                        cluster: cluster.to_string(),
                        object: String::new(),
                        conflicts: apply_conflicts(&status),
                    })
                }
                409 if status.reason == "Conflict" => Failure::Conflict(api()),
                _ => Failure::Permanent(api()),
            }
        }
        ::kube::Error::HyperError(e) => network(cluster, &e),
        ::kube::Error::Service(e) => {
            if let Some(failure) = e.downcast_ref::<ExecFailure>() {
                return Failure::Permanent(if failure.interrupted {
                    KubeError::Interrupted
                } else {
                    KubeError::Credentials {
                        cluster: cluster.to_string(),
                        message: failure.message.clone(),
                    }
                });
            }
            if let Some(auth) = e.downcast_ref::<::kube::client::AuthError>() {
                return Failure::Permanent(KubeError::Credentials {
                    cluster: cluster.to_string(),
                    message: redacted_auth_error(auth),
                });
            }
            network(cluster, e.as_ref())
        }
        ::kube::Error::Auth(e) => Failure::Permanent(KubeError::Credentials {
            cluster: cluster.to_string(),
            message: redacted_auth_error(&e),
        }),
        ::kube::Error::ReadEvents(e) => Failure::Transient {
            message: format!("reading the response failed: {e}"),
            retry_after: None,
        },
        other => Failure::Permanent(KubeError::Client {
            cluster: cluster.to_string(),
            message: error_chain(&other),
        }),
    }
}

/// kube-rs's credential errors without what may be secret: its exec errors print the command
/// (with the environment the kubeconfig gives it), the arguments and the command's output.
pub(crate) fn redacted_auth_error(error: &::kube::client::AuthError) -> String {
    use ::kube::client::AuthError as E;
    match error {
        E::AuthExecRun { out, .. } => match out.status.code() {
            Some(code) => format!(
                "the credential command failed with exit status {code} (its command line and output are not shown, as they may hold secrets)"
            ),
            None => "the credential command was killed (its command line and output are not shown, as they may hold secrets)".into(),
        },
        E::AuthExecStart(io) => format!("the credential command could not be started: {io}"),
        E::AuthExecParse(_) => "the credential command printed no valid credential (its output is not shown)".into(),
        E::ReadTokenFile(io, path) => format!("cannot read the token file {}: {io}", path.display()),
        E::InvalidBearerToken(_) => "the token cannot be sent in an HTTP header (a line break or control character in it?)".into(),
        E::InvalidBasicAuth(_) => "the user name or password cannot be sent in an HTTP header".into(),
        E::MissingCommand => "the exec section has no command".into(),
        E::ExecPluginFailed => "the credential command printed no status".into(),
        E::ExecMissingClusterInfo => "provideClusterInfo is set but the cluster entry is incomplete".into(),
        E::UnrefreshableTokenResponse => "the credential could not be refreshed".into(),
        _ => "the credential provider failed (details are not shown, as they may hold secrets)".into(),
    }
}

/// Network-level failures are transient, except a TLS verification failure, which needs a new
/// kubeconfig (or a renewed certificate) rather than patience.
fn network(cluster: &str, error: &(dyn std::error::Error + 'static)) -> Failure {
    if let Some(tls) = find_rustls(error) {
        let (message, fix) = describe_tls(tls);
        return Failure::Permanent(KubeError::Tls {
            cluster: cluster.to_string(),
            message,
            fix,
        });
    }
    Failure::Transient {
        message: error_chain(error),
        retry_after: None,
    }
}

/// The rustls error behind a connection failure. tokio-rustls wraps it in an `io::Error`, which
/// the HTTP stack wraps in another; `io::Error::source()` skips the wrapped error, so the chain
/// is walked through `get_ref()` too.
fn find_rustls<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut pending: Vec<&'a (dyn std::error::Error + 'static)> = vec![error];
    let mut steps = 0;
    while let Some(e) = pending.pop() {
        steps += 1;
        if steps > 64 {
            break;
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            pending.push(inner);
        }
        if let Some(next) = e.source() {
            pending.push(next);
        }
    }
    None
}

/// What did not match in a TLS failure, and the fix.
fn describe_tls(error: &rustls::Error) -> (String, String) {
    use rustls::CertificateError as C;
    let refresh = "the kubeconfig's certificate-authority-data does not match the server's CA: \
                   refresh the kubeconfig (log in again, or ask the cluster's admin for its CA bundle)";
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer | C::BadSignature => (
                format!("the server's certificate is signed by an unknown authority ({error})"),
                refresh.to_string(),
            ),
            C::NotValidForName => (
                format!("the server's certificate is not valid for the server name used ({error})"),
                "use the server URL the certificate was issued for, or set tls-server-name in the cluster entry".to_string(),
            ),
            C::NotValidForNameContext { expected, presented } => (
                format!(
                    "the server's certificate is for {} but the server name used is {} (wrong server name)",
                    if presented.is_empty() { "no name".to_string() } else { presented.join(", ") },
                    expected.to_str()
                ),
                "use the server URL the certificate was issued for, or set tls-server-name in the cluster entry".to_string(),
            ),
            C::Expired | C::ExpiredContext { .. } => (
                format!("the server's certificate has expired ({error})"),
                "the cluster's serving certificate must be renewed by its admin (or this machine's clock is wrong)".to_string(),
            ),
            C::NotValidYet | C::NotValidYetContext { .. } => (
                format!("the server's certificate is not valid yet ({error})"),
                "check this machine's clock".to_string(),
            ),
            C::Revoked => (
                format!("the server's certificate has been revoked ({error})"),
                "ask the cluster's admin for a new serving certificate".to_string(),
            ),
            _ => (
                format!("the server's certificate was rejected ({error})"),
                refresh.to_string(),
            ),
        },
        rustls::Error::AlertReceived(alert) => (
            format!("the server refused the TLS handshake (alert: {alert:?})"),
            "check the client certificate of the kubeconfig's user entry, or that the URL is the API server's".to_string(),
        ),
        other => (
            format!("the TLS handshake failed ({other})"),
            "check that the server URL is the API server's HTTPS endpoint".to_string(),
        ),
    }
}

/// "a: b: c" from an error and its sources, skipping a source whose text its parent already shows.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = e.source();
    }
    text
}

/// Sleeps `delay`, waking at least every 100 ms to honour `interrupt`.
pub(crate) async fn interruptible_sleep(
    delay: Duration,
    interrupt: &AtomicBool,
) -> Result<(), KubeError> {
    let end = Instant::now() + delay;
    loop {
        if interrupt.load(Ordering::Relaxed) {
            return Err(KubeError::Interrupted);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        tokio::time::sleep((end - now).min(Duration::from_millis(100))).await;
    }
}

/// Runs `future` unless the interrupt flag is set first: the flag is checked every 100 ms, and a
/// request still in flight then is abandoned (dropped) with [`KubeError::Interrupted`], so that
/// Ctrl-C does not wait for a server that does not answer.
pub(crate) async fn interruptible<F: Future>(
    future: F,
    interrupt: &AtomicBool,
) -> Result<F::Output, KubeError> {
    let watch = async {
        while !interrupt.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        biased;
        () = watch => Err(KubeError::Interrupted),
        output = future => Ok(output),
    }
}

/// Runs `op` until it succeeds, fails permanently, or `policy` gives up.
///
/// `op` is called afresh for every attempt, so an operation that must re-read before writing (the
/// answer to a 409 Conflict) does so inside `op`. Giving up after transient failures yields
/// [`KubeError::Unreachable`] with the attempt count and elapsed time, as does an attempt still
/// unanswered when `policy.max_total` has passed; giving up after conflicts yields the last 409.
/// `interrupt` is checked before every attempt, during every sleep, and every 100 ms while a
/// request is in flight (which is then abandoned).
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    cluster: &str,
    interrupt: &AtomicBool,
    mut op: F,
) -> Result<T, KubeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ::kube::Error>>,
{
    let start = Instant::now();
    let mut attempt: u32 = 0;
    loop {
        if interrupt.load(Ordering::Relaxed) {
            return Err(KubeError::Interrupted);
        }
        attempt += 1;
        // A cluster that stops answering holds requests open; without a deadline the operation
        // would hang instead of giving up. An attempt may use what is left of `max_total`.
        let remaining = policy.max_total.saturating_sub(start.elapsed());
        let error = match tokio::time::timeout(remaining, interruptible(op(), interrupt)).await {
            Ok(Err(interrupted)) => return Err(interrupted),
            Ok(Ok(Ok(value))) => return Ok(value),
            Ok(Ok(Err(error))) => error,
            Err(_) => {
                return Err(KubeError::Unreachable {
                    cluster: cluster.to_string(),
                    attempts: attempt,
                    elapsed: start.elapsed(),
                    message: format!(
                        "no answer within {}",
                        humantime::format_duration(policy.max_total)
                    ),
                });
            }
        };
        let (delay, give_up_with) = match classify(cluster, error) {
            Failure::Permanent(e) => return Err(e),
            Failure::Conflict(e) => (policy.backoff(attempt), e),
            Failure::Transient {
                message,
                retry_after,
            } => {
                let delay = retry_after.unwrap_or_else(|| policy.backoff(attempt));
                let unreachable = KubeError::Unreachable {
                    cluster: cluster.to_string(),
                    attempts: attempt,
                    elapsed: start.elapsed(),
                    message,
                };
                (delay, unreachable)
            }
        };
        if attempt >= policy.max_attempts.max(1) || start.elapsed() + delay > policy.max_total {
            return Err(give_up_with);
        }
        tracing::debug!(cluster, attempt, delay_ms = delay.as_millis() as u64, error = %give_up_with, "retrying");
        interruptible_sleep(delay, interrupt).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::kube::core::Status;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU32;

    fn status(code: u16, reason: &str) -> ::kube::Error {
        ::kube::Error::Api(Box::new(Status::failure("boom", reason).with_code(code)))
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_total: Duration::from_secs(5),
        }
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            assert!(p.backoff(attempt) <= p.max_delay);
        }
        assert!(p.backoff(1) <= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let never = AtomicBool::new(false);
        let result = with_retries(&fast(), "rosa", &never, || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    Err(status(503, "ServiceUnavailable"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(2));
    }

    #[tokio::test]
    async fn permanent_errors_fail_at_once() {
        for (code, reason) in [
            (400, "BadRequest"),
            (403, "Forbidden"),
            (404, "NotFound"),
            (409, "AlreadyExists"),
            (422, "Invalid"),
        ] {
            let calls = AtomicU32::new(0);
            let never = AtomicBool::new(false);
            let result: Result<(), _> = with_retries(&fast(), "rosa", &never, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(status(code, reason)) }
            })
            .await;
            assert!(matches!(result, Err(KubeError::Api { code: c, .. }) if c == code));
            assert_eq!(
                calls.load(Ordering::SeqCst),
                1,
                "{code} must not be retried"
            );
        }
    }

    #[tokio::test]
    async fn conflicts_are_retried_and_surface_as_409_when_they_persist() {
        let calls = AtomicU32::new(0);
        let never = AtomicBool::new(false);
        let result: Result<(), _> = with_retries(&fast(), "rosa", &never, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(status(409, "Conflict")) }
        })
        .await;
        assert!(matches!(result, Err(KubeError::Api { code: 409, .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn unauthorized_is_its_own_error() {
        let never = AtomicBool::new(false);
        let result: Result<(), _> = with_retries(&fast(), "rosa", &never, || async {
            Err(status(401, "Unauthorized"))
        })
        .await;
        assert!(
            matches!(result, Err(KubeError::Unauthorized { ref cluster }) if cluster == "rosa")
        );
    }

    #[tokio::test]
    async fn retry_after_from_status_details_is_honoured() {
        let mut s = Status::failure("slow down", "TooManyRequests").with_code(429);
        s.details = serde_json::from_value(serde_json::json!({"retryAfterSeconds": 1})).ok();
        match classify("rosa", ::kube::Error::Api(Box::new(s))) {
            Failure::Transient { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(1)))
            }
            other => panic!("expected transient, got {other:?}"),
        }
    }

    fn nested_tls(error: rustls::Error) -> ::kube::Error {
        // As hyper-util reports it: an io::Error around tokio-rustls's io::Error around rustls's.
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, error);
        ::kube::Error::Service(Box::new(std::io::Error::other(inner)))
    }

    #[test]
    fn tls_failures_are_permanent_and_say_what_did_not_match() {
        use rustls::CertificateError as C;
        for (error, said, fix) in [
            (
                C::UnknownIssuer,
                "unknown authority",
                "certificate-authority-data",
            ),
            (C::Expired, "has expired", "renewed"),
            (
                C::NotValidForName,
                "not valid for the server name",
                "tls-server-name",
            ),
        ] {
            match classify("rosa", nested_tls(rustls::Error::InvalidCertificate(error))) {
                Failure::Permanent(e @ KubeError::Tls { .. }) => {
                    assert!(
                        e.to_string().starts_with("TLS error on cluster rosa: "),
                        "{e}"
                    );
                    assert!(e.to_string().contains(said), "{e}");
                    assert!(e.hint().is_some_and(|h| h.contains(fix)), "{:?}", e.hint());
                }
                other => panic!("expected a permanent TLS error, got {other:?}"),
            }
        }
    }

    #[test]
    fn credential_failures_are_permanent_and_redacted() {
        let failure = ExecFailure {
            message:
                "exec credential plugin \"aws\" of user entry \"eks\" failed with exit status 1"
                    .into(),
            interrupted: false,
        };
        match classify("rosa", ::kube::Error::Service(Box::new(failure))) {
            Failure::Permanent(KubeError::Credentials { cluster, message }) => {
                assert_eq!(cluster, "rosa");
                assert!(message.contains("exit status 1"), "{message}");
            }
            other => panic!("expected credentials, got {other:?}"),
        }
        use std::os::unix::process::ExitStatusExt as _;
        let out = std::process::Output {
            status: std::process::ExitStatus::from_raw(3 << 8),
            stdout: b"token-from-stdout-123".to_vec(),
            stderr: b"secret-from-stderr-456".to_vec(),
        };
        let auth = ::kube::client::AuthError::AuthExecRun {
            cmd: "SECRET=hunter2 gcloud --password=p4ss".into(),
            out: Box::new(out),
        };
        match classify("rosa", ::kube::Error::Auth(auth)) {
            Failure::Permanent(KubeError::Credentials { message, .. }) => {
                assert!(message.contains("exit status 3"), "{message}");
                for secret in ["hunter2", "p4ss", "token-from-stdout", "secret-from-stderr"] {
                    assert!(!message.contains(secret), "{message}");
                }
            }
            other => panic!("expected credentials, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_interrupt_abandons_a_request_in_flight() {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // The request never completes: only the flag can end it.
        let result: Result<(), _> = with_retries(&RetryPolicy::default(), "rosa", &stop, || {
            futures::future::pending::<Result<(), ::kube::Error>>()
        })
        .await;
        assert!(matches!(result, Err(KubeError::Interrupted)), "{result:?}");
    }

    #[tokio::test]
    async fn interrupt_stops_retrying() {
        let stop = AtomicBool::new(true);
        let result: Result<(), _> = with_retries(&fast(), "rosa", &stop, || async {
            Err(status(503, "ServiceUnavailable"))
        })
        .await;
        assert!(matches!(result, Err(KubeError::Interrupted)));
    }
}
