//! Exec credential plugins (`users[].user.exec` in a kubeconfig: `aws eks get-token`,
//! `kubelogin`, `gke-gcloud-auth-plugin`...), run by fedrun itself rather than by kube-rs.
//!
//! kube-rs 5 runs the plugin with `std::process::Command::output()` — synchronously, inside
//! `Client::try_from` (three times) and on every refresh, with no time limit, so a plugin waiting
//! for a login that never comes hangs the run and cannot be interrupted; and when the plugin fails
//! its error prints the `Command` (with the environment values the kubeconfig gives it, e.g.
//! `AWS_SECRET_ACCESS_KEY`, and its arguments) and the plugin's stdout and stderr. So fedrun takes
//! the `exec` section out of the configuration it hands kube-rs and:
//!
//! - runs the plugin on tokio's process API, bounded by a timeout ([`TIMEOUT_ENV`], 30 s by
//!   default, 5 min when the plugin may prompt on a terminal) and by the run's interrupt flag;
//!   on either the child is killed and reaped;
//! - reports a failure with the command, the exit status and a reason of its own — never the
//!   plugin's arguments, environment or output;
//! - puts the token into each request's `Authorization` header from a tower layer on the kube-rs
//!   client ([`ExecAuthLayer`]), running the plugin again when the token is about to expire;
//! - hands a client certificate and key, when that is what the plugin returns, to kube-rs as
//!   `client-certificate-data` / `client-key-data`.
//!
//! As client-go does, the plugin gets `KUBERNETES_EXEC_INFO`, and when it may be interactive
//! (`interactiveMode` not `Never` and standard input a terminal) it shares fedrun's standard
//! input and error, so that a login prompt reaches the user; otherwise its stdin and stderr are
//! closed (its stderr is never captured, so never printed by fedrun).

use std::future::Future;
use std::io::IsTerminal as _;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use ::kube::config::{ExecConfig, ExecInteractiveMode};
use http::{HeaderValue, Request, header::AUTHORIZATION};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::io::AsyncReadExt as _;
use tower::{BoxError, Layer, Service};

use super::kubeconfig::bad_character;

/// The environment variable with the exec-plugin time limit (`30s`, `2m`, or seconds).
pub const TIMEOUT_ENV: &str = "FEDRUN_EXEC_TIMEOUT";

/// How long a plugin may run when it cannot prompt anyone.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a plugin may run when it shares a terminal (a browser or device-code login).
pub const INTERACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// A token is fetched again when it expires within this margin.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(10);

/// Most bytes of plugin output read (an ExecCredential is a few kilobytes).
const MAX_OUTPUT: u64 = 1 << 20;

/// A plugin run that failed. Its text is fedrun's own: command, exit status, reason.
#[derive(Debug)]
pub(crate) struct ExecFailure {
    /// What went wrong, naming the command and the user entry.
    pub message: String,
    /// The run's interrupt flag stopped the plugin.
    pub interrupted: bool,
}

impl std::fmt::Display for ExecFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExecFailure {}

/// What a plugin returned.
pub(crate) enum Credential {
    /// A bearer token: `Bearer …` as a sensitive header value, and when it expires.
    Token {
        header: HeaderValue,
        expires: Option<OffsetDateTime>,
    },
    /// A client certificate and its key, both PEM.
    Certificate { certificate: String, key: String },
}

/// The ExecCredential a plugin prints. No `Debug`: it holds the token.
#[derive(serde::Deserialize)]
struct ExecCredentialOut {
    status: Option<ExecStatusOut>,
}

#[derive(serde::Deserialize)]
struct ExecStatusOut {
    token: Option<String>,
    #[serde(rename = "expirationTimestamp")]
    expiration: Option<String>,
    #[serde(rename = "clientCertificateData")]
    certificate: Option<String>,
    #[serde(rename = "clientKeyData")]
    key: Option<String>,
}

/// One user entry's exec plugin, with the token it last returned.
pub(crate) struct ExecCredentials {
    config: ExecConfig,
    user: String,
    timeout: Option<Duration>,
    interrupt: Arc<AtomicBool>,
    cached: tokio::sync::Mutex<Option<(HeaderValue, Option<OffsetDateTime>)>>,
}

impl ExecCredentials {
    /// `timeout` overrides the defaults ([`DEFAULT_TIMEOUT`], [`INTERACTIVE_TIMEOUT`]).
    pub fn new(
        config: ExecConfig,
        user: impl Into<String>,
        timeout: Option<Duration>,
        interrupt: Arc<AtomicBool>,
    ) -> ExecCredentials {
        ExecCredentials {
            config,
            user: user.into(),
            timeout,
            interrupt,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Runs the plugin once; a token is kept for the requests that follow.
    pub async fn acquire(&self) -> Result<Credential, ExecFailure> {
        let credential = self.run().await?;
        if let Credential::Token { header, expires } = &credential {
            *self.cached.lock().await = Some((header.clone(), *expires));
        }
        Ok(credential)
    }

    /// The `Authorization` header for the next request, running the plugin again when the token
    /// is about to expire (one run at a time: concurrent requests wait for it).
    async fn header(&self) -> Result<HeaderValue, ExecFailure> {
        let mut cached = self.cached.lock().await;
        if let Some((header, expires)) = cached.as_ref()
            && expires.is_none_or(|t| OffsetDateTime::now_utc() + REFRESH_MARGIN < t)
        {
            return Ok(header.clone());
        }
        match self.run().await? {
            Credential::Token { header, expires } => {
                *cached = Some((header.clone(), expires));
                Ok(header)
            }
            Credential::Certificate { .. } => {
                Err(self
                    .failure("returned a client certificate where it had returned a token before"))
            }
        }
    }

    fn command(&self) -> &str {
        self.config.command.as_deref().unwrap_or_default()
    }

    fn failure(&self, reason: impl std::fmt::Display) -> ExecFailure {
        ExecFailure {
            message: format!(
                "exec credential plugin {:?} of user entry {:?} {reason}",
                self.command(),
                self.user
            ),
            interrupted: false,
        }
    }

    /// Whether the plugin shares fedrun's terminal, as client-go decides: not with
    /// `interactiveMode: Never`, and only when standard input is a terminal.
    fn interactive(&self) -> bool {
        self.config.interactive_mode != Some(ExecInteractiveMode::Never)
            && std::io::stdin().is_terminal()
    }

    /// The `KUBERNETES_EXEC_INFO` the plugin receives.
    fn exec_info(&self, interactive: bool) -> String {
        let mut spec = serde_json::json!({ "interactive": interactive });
        if self.config.provide_cluster_info
            && let Some(cluster) = &self.config.cluster
            && let Ok(cluster) = serde_json::to_value(cluster)
        {
            spec["cluster"] = cluster;
        }
        serde_json::json!({
            "apiVersion": self.config.api_version.clone()
                .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".into()),
            "kind": "ExecCredential",
            "spec": spec,
        })
        .to_string()
    }

    /// One run of the plugin, bounded by the timeout and the interrupt flag.
    async fn run(&self) -> Result<Credential, ExecFailure> {
        let Some(program) = self.config.command.as_deref().filter(|c| !c.is_empty()) else {
            return Err(self.failure("has no command"));
        };
        let interactive = self.interactive();
        let limit = self.timeout.unwrap_or(if interactive {
            INTERACTIVE_TIMEOUT
        } else {
            DEFAULT_TIMEOUT
        });
        let mut command = tokio::process::Command::new(program);
        command.args(self.config.args.iter().flatten());
        for pair in self.config.env.iter().flatten() {
            if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
                command.env(name, value);
            }
        }
        for name in self.config.drop_env.iter().flatten() {
            command.env_remove(name);
        }
        command.env("KUBERNETES_EXEC_INFO", self.exec_info(interactive));
        if interactive {
            command.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            command.stdin(Stdio::null()).stderr(Stdio::null());
        }
        command.stdout(Stdio::piped()).kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            let mut reason = format!("could not be started: {e}");
            if e.kind() == std::io::ErrorKind::NotFound
                && let Some(hint) = self.config.install_hint.as_deref()
            {
                reason.push_str(&format!("; {}", hint.trim()));
            }
            self.failure(reason)
        })?;
        let stdout = child.stdout.take();
        let outcome = {
            let read = async {
                let mut buffer = Vec::new();
                if let Some(out) = stdout {
                    out.take(MAX_OUTPUT).read_to_end(&mut buffer).await?;
                }
                Ok::<_, std::io::Error>(buffer)
            };
            let work = async { tokio::try_join!(read, child.wait()) };
            let stop = async {
                while !self.interrupt.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            };
            tokio::select! {
                finished = tokio::time::timeout(limit, work) => Some(finished),
                () = stop => None,
            }
        };
        let (output, status) = match outcome {
            Some(Ok(Ok(done))) => done,
            Some(Ok(Err(e))) => {
                let _ = child.kill().await;
                return Err(self.failure(format!("could not be read: {e}")));
            }
            Some(Err(_)) => {
                // SIGKILL, then wait: the child is reaped, not left a zombie.
                let _ = child.kill().await;
                return Err(self.failure(format!(
                    "did not finish within {} and was stopped (set {TIMEOUT_ENV} to allow longer)",
                    humantime::format_duration(limit)
                )));
            }
            None => {
                let _ = child.kill().await;
                let mut failure = self.failure("was stopped by the interrupt");
                failure.interrupted = true;
                return Err(failure);
            }
        };
        if !status.success() {
            let how = match status.code() {
                Some(code) => format!("failed with exit status {code}"),
                None => {
                    use std::os::unix::process::ExitStatusExt as _;
                    match status.signal() {
                        Some(signal) => format!("was killed by signal {signal}"),
                        None => "failed".to_string(),
                    }
                }
            };
            return Err(self.failure(format!(
                "{how} (its output is not shown, as it may hold secrets: run the command yourself to see it)"
            )));
        }
        self.parse(&output)
    }

    /// Reads the plugin's ExecCredential (JSON, or YAML as client-go tolerates). Errors give the
    /// place, never the text, which may hold a token.
    fn parse(&self, output: &[u8]) -> Result<Credential, ExecFailure> {
        let parsed: ExecCredentialOut = match serde_json::from_slice(output) {
            Ok(parsed) => parsed,
            Err(json) => match serde_yaml::from_slice(output) {
                Ok(parsed) => parsed,
                Err(_) => {
                    return Err(self.failure(format!(
                        "printed no valid ExecCredential (JSON error at line {}, column {})",
                        json.line(),
                        json.column()
                    )));
                }
            },
        };
        let Some(status) = parsed.status else {
            return Err(self.failure("printed an ExecCredential without a status"));
        };
        let expires = match status.expiration.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
                self.failure("printed an expirationTimestamp that is not an RFC 3339 time")
            })?),
        };
        if let (Some(certificate), Some(key)) = (status.certificate, status.key)
            && !certificate.is_empty()
            && !key.is_empty()
        {
            return Ok(Credential::Certificate { certificate, key });
        }
        let Some(token) = status.token.filter(|t| !t.is_empty()) else {
            return Err(self.failure(
                "printed an ExecCredential with neither a token nor a client certificate and key",
            ));
        };
        if let Some(what) = bad_character(&token) {
            return Err(self.failure(format!(
                "printed a token containing {what}, which cannot be sent in an HTTP header"
            )));
        }
        let mut header = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| self.failure("printed a token that cannot be sent in an HTTP header"))?;
        header.set_sensitive(true);
        Ok(Credential::Token { header, expires })
    }
}

/// A tower layer that adds the plugin's token to every request of a kube-rs client.
#[derive(Clone)]
pub(crate) struct ExecAuthLayer {
    credentials: Arc<ExecCredentials>,
}

impl ExecAuthLayer {
    pub fn new(credentials: Arc<ExecCredentials>) -> ExecAuthLayer {
        ExecAuthLayer { credentials }
    }
}

impl<S> Layer<S> for ExecAuthLayer {
    type Service = ExecAuth<S>;

    fn layer(&self, inner: S) -> ExecAuth<S> {
        ExecAuth {
            inner: Arc::new(tokio::sync::Mutex::new(inner)),
            credentials: self.credentials.clone(),
        }
    }
}

/// The service [`ExecAuthLayer`] makes. The inner service sits behind a lock because the token
/// is awaited before the request is handed on, and kube-rs's service stack is not `Clone`; the
/// lock is held only while handing the request on, not while it is answered.
pub(crate) struct ExecAuth<S> {
    inner: Arc<tokio::sync::Mutex<S>>,
    credentials: Arc<ExecCredentials>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<Request<B>> for ExecAuth<S>
where
    S: Service<Request<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<Result<S::Response, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        let credentials = self.credentials.clone();
        Box::pin(async move {
            let header = credentials.header().await?;
            request.headers_mut().insert(AUTHORIZATION, header);
            let answer = {
                let mut service = inner.lock().await;
                futures::future::poll_fn(|cx| service.poll_ready(cx))
                    .await
                    .map_err(Into::into)?;
                service.call(request)
            };
            answer.await.map_err(Into::into)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin() -> ExecCredentials {
        let config = ExecConfig {
            command: Some("get-token".into()),
            ..ExecConfig::default()
        };
        ExecCredentials::new(config, "me", None, Arc::new(AtomicBool::new(false)))
    }

    #[test]
    fn parse_errors_never_quote_the_output() {
        let p = plugin();
        let secret = "sEcReT-tOkEn-1234567890";
        for output in [
            format!("{{\"status\": {{\"token\": \"{secret}\""),
            format!(
                "{{\"status\": {{\"token\": \"{secret}\", \"expirationTimestamp\": \"{secret}\"}}}}"
            ),
            format!("{{\"status\": {{\"token\": \"a\\n{secret}\"}}}}"),
            format!("{{\"status\": {{\"token\": [\"{secret}\"]}}}}"),
        ] {
            let Err(e) = p.parse(output.as_bytes()) else {
                panic!("{output} must not parse");
            };
            assert!(!e.message.contains(secret), "{}", e.message);
            assert!(e.message.contains("\"get-token\""), "{}", e.message);
        }
    }

    #[test]
    fn tokens_certificates_and_yaml() {
        let p = plugin();
        match p.parse(br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#) {
            Ok(Credential::Token { header, expires }) => {
                assert_eq!(header.to_str().ok(), Some("Bearer abc"));
                assert!(header.is_sensitive());
                assert_eq!(expires.map(|t| t.year()), Some(2030));
            }
            _ => panic!("a token"),
        }
        assert!(matches!(
            p.parse(b"status:\n  clientCertificateData: CERT\n  clientKeyData: KEY\n"),
            Ok(Credential::Certificate { .. })
        ));
    }
}
