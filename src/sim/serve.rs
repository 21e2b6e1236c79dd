//! Serving a simulated cluster's API router over HTTPS, as a real kube-apiserver is reached:
//! TLS with the cluster's own certificate, HTTP/1.1 and HTTP/2, bearer-token authentication,
//! request-size limits, and injected faults.
//!
//! The router (store, discovery, handlers) knows nothing of sockets, TLS, tokens or faults; this
//! module wraps it so that what kube-rs and kubectl see over the wire behaves like a real
//! cluster, failures included. Per request, before the router:
//! 1. the "down" switch holds the request without answering while the cluster is switched off;
//! 2. the configured latency is added;
//! 3. bearer authentication (`401 Unauthorized` Status otherwise), except anonymous `GET` of
//!    the public-info paths kube-apiserver also serves anonymously (`/healthz`, `/livez`,
//!    `/readyz`, `/version`, and their sub-paths);
//! 4. injected faults: a `Status` error (429/500/503), or a dropped connection;
//! 5. the request body is read up to `max_body` bytes (`413` Status beyond) and handed to the
//!    router in one piece, with the peer address as an `axum::extract::ConnectInfo`.
//!
//! Responses bodies (watch streams included) also stall while the cluster is switched off.
//! The token is never logged.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use super::faults::{Fault, Faults, fault_response, status_response};

/// How long in-flight requests may run after shutdown starts before their connections are
/// closed. Short, because watch streams never finish on their own and must not hold up
/// `fedrun sim serve`'s exit or a test's teardown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// A client that connects but never completes the TLS handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of an oversized body is read and discarded so the client sees the 413 (see [`drain`]).
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// How long draining an oversized body may take.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Paths kube-apiserver serves to anonymous clients (the `system:public-info-viewer` role).
const PUBLIC_PATHS: [&str; 4] = ["/healthz", "/livez", "/readyz", "/version"];

/// What `serve` needs besides the socket, TLS config and router.
pub struct ServeOptions {
    /// The bearer token clients must send. Never logged.
    pub token: String,
    /// The cluster's fault state, shared with whoever flips the down switch.
    pub faults: Arc<Faults>,
    /// Largest accepted request body in bytes; larger ones get `413 RequestEntityTooLarge`
    /// (kube-apiserver's own limit is 3 MiB).
    pub max_body: usize,
}

impl fmt::Debug for ServeOptions {
    /// Redacts the token: secrets never appear in output or logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeOptions")
            .field("token", &format_args!("<redacted>"))
            .field("faults", &self.faults)
            .field("max_body", &self.max_body)
            .finish()
    }
}

/// Returned by the per-request service to make hyper drop the connection without answering
/// (an injected reset, or a held request cut by shutdown).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by the simulator ({0})")]
pub struct DropConnection(&'static str);

/// State shared by all connections of one server.
struct Shared {
    token: Vec<u8>,
    faults: Arc<Faults>,
    max_body: usize,
    router: axum::Router,
}

/// Serves `router` on `listener` over TLS until `shutdown` completes.
///
/// Each accepted connection is handshaken and served on its own task; a failed or slow
/// handshake only drops that connection, and accept errors (e.g. too many open files) are
/// logged and retried, so the server only stops on `shutdown`. Then it stops accepting, asks
/// every connection to finish gracefully (HTTP/2 GOAWAY, HTTP/1 close after the current
/// response), waits up to [`SHUTDOWN_GRACE`] and closes whatever is still open (watch streams).
///
/// Returns `Ok(())` after shutdown; the `io::Result` leaves room for fatal listener errors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: axum::Router,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let shared = Arc::new(Shared {
        token: opts.token.into_bytes(),
        faults: opts.faults,
        max_body: opts.max_body,
        router,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    connections.spawn(connection(
                        acceptor.clone(),
                        tcp,
                        peer,
                        shared.clone(),
                        stop_rx.clone(),
                    ));
                }
                Err(error) if is_per_connection(&error) => {
                    tracing::debug!(%error, "accept failed for one connection");
                }
                Err(error) => {
                    // Typically EMFILE/ENFILE: back off instead of spinning; in-flight
                    // connections keep being served meanwhile.
                    tracing::warn!(%error, "accepting connections failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reap finished connection tasks so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // send_replace: works even if every receiver is gone.
    stop_tx.send_replace(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!(
            open = connections.len(),
            "closing connections still open after the shutdown grace period"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Accept errors that concern only the connection being accepted.
fn is_per_connection(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}

/// Serves one TCP connection: TLS handshake, then HTTP/1.1 or HTTP/2 (hyper-util's auto
/// builder reads the HTTP/2 preface, which clients send after negotiating `h2` by ALPN).
async fn connection(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            tracing::debug!(%peer, %error, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            return;
        }
    };
    // Set by a request that must drop the whole connection (an injected reset): for HTTP/2 an
    // error from the service only resets one stream, but a fault means the connection.
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        let stop = stop.clone();
        hyper::service::service_fn(move |request| {
            handle(shared.clone(), peer, stop.clone(), kill.clone(), request)
        })
    };
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            return;
        }
        () = kill.notified() => {
            tracing::debug!(%peer, "dropping the connection (injected reset)");
            return;
        }
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => {}
    }
}

/// The per-request pipeline in front of the router (see the module docs for the order).
async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
    kill: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<HoldWhileDown>, DropConnection> {
    let faults = &shared.faults;
    if faults.is_down() {
        tokio::select! {
            () = faults.wait_until_up() => {}
            _ = stop.wait_for(|stopping| *stopping) => {
                return Err(DropConnection("shutting down while the cluster is switched off"));
            }
        }
    }
    let latency = faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let wrap = |response: Response<Body>| response.map(|body| HoldWhileDown::new(body, faults));

    if !authorized(&shared.token, &request) {
        return Ok(wrap(status_response(401, "Unauthorized", "Unauthorized")));
    }
    match faults.decide() {
        Fault::None => {}
        Fault::Status(code) => return Ok(wrap(fault_response(code))),
        Fault::Reset => {
            kill.notify_one();
            return Err(DropConnection("injected reset"));
        }
    }

    let (mut parts, body) = request.into_parts();
    let too_large = || {
        status_response(
            413,
            "RequestEntityTooLarge",
            &format!(
                "the request body is larger than the limit of {} bytes",
                shared.max_body
            ),
        )
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > shared.max_body as u64) {
        drain(body).await;
        return Ok(wrap(too_large()));
    }
    let mut body = body;
    let mut buffer = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client went away or sent a malformed body: nobody to answer.
            return Err(DropConnection("the request body could not be read"));
        };
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > shared.max_body {
                drain(body).await;
                return Ok(wrap(too_large()));
            }
            buffer.extend_from_slice(&data);
        }
    }
    let bytes: Bytes = buffer.freeze();
    parts
        .extensions
        .insert(axum::extract::ConnectInfo::<SocketAddr>(peer));
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = match shared.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    Ok(wrap(response))
}

/// Reads and discards the rest of an oversized request body (up to [`DRAIN_LIMIT`] bytes, for at
/// most [`DRAIN_TIMEOUT`]) before the 413 is sent. An HTTP/1 client still writing its body would
/// otherwise have the connection reset under it and report a broken pipe instead of the answer
/// (kube-rs does; kubectl copes). kube-apiserver's Go server lingers for the same reason.
async fn drain(mut body: Incoming) {
    let discard = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > DRAIN_LIMIT {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, discard).await;
}

/// Whether the request may proceed: a valid `Authorization: Bearer <token>` (scheme
/// case-insensitive, as kube-apiserver parses it), or no `Authorization` header at all on an
/// anonymous-readable path. A presented but wrong token is refused even on public paths, as
/// kube-apiserver does.
fn authorized<B>(token: &[u8], request: &Request<B>) -> bool {
    let Some(header) = request.headers().get(http::header::AUTHORIZATION) else {
        let read = request.method() == http::Method::GET || request.method() == http::Method::HEAD;
        return read && is_public_path(request.uri().path());
    };
    let header = header.as_bytes();
    let Some((scheme, presented)) = header
        .iter()
        .position(|&b| b == b' ')
        .map(|i| (&header[..i], &header[i + 1..]))
    else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return false;
    }
    let presented = presented.trim_ascii();
    !presented.is_empty() && constant_time_eq(presented, token)
}

fn is_public_path(path: &str) -> bool {
    PUBLIC_PATHS.iter().any(|public| {
        path.strip_prefix(public)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Compares without an early exit on the first differing byte, so response timing does not
/// reveal how much of a guessed token was right. (The length is not secret: every token is
/// 43 characters.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A response body that stops yielding data while the cluster is switched off, so that open
/// watch streams stall too when "the cluster stops answering".
pub struct HoldWhileDown {
    inner: Body,
    faults: Arc<Faults>,
    wait: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl HoldWhileDown {
    fn new(inner: Body, faults: &Arc<Faults>) -> Self {
        Self {
            inner,
            faults: faults.clone(),
            wait: None,
        }
    }
}

impl hyper::body::Body for HoldWhileDown {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(wait) = this.wait.as_mut() {
                ready!(wait.as_mut().poll(cx));
                this.wait = None;
            }
            if this.faults.is_down() {
                let faults = this.faults.clone();
                this.wait = Some(Box::pin(async move { faults.wait_until_up().await }));
                continue;
            }
            return Pin::new(&mut this.inner).poll_frame(cx);
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl fmt::Debug for HoldWhileDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldWhileDown").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::FaultSpec;
    use crate::sim::kubeconfig::{self, KubeconfigEntry};
    use crate::sim::tls::ClusterIdentity;
    use axum::routing::{get, post};
    use k8s_openapi::api::core::v1::Namespace;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const MAX_BODY: usize = 1024;

    fn router() -> axum::Router {
        axum::Router::new()
            .route(
                "/version",
                get(|| async {
                    axum::Json(serde_json::json!({
                        "major": "1", "minor": "32", "gitVersion": "v1.32.4",
                        "gitCommit": "sim", "gitTreeState": "clean",
                        "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
                        "compiler": "gc", "platform": "linux/amd64"
                    }))
                }),
            )
            .route(
                "/api/v1/namespaces",
                get(|| async {
                    axum::Json(serde_json::json!({
                        "kind": "NamespaceList", "apiVersion": "v1",
                        "metadata": {"resourceVersion": "7"},
                        "items": [
                            {"metadata": {"name": "default", "resourceVersion": "1"}},
                            {"metadata": {"name": "prod-bookinfo", "resourceVersion": "7"}}
                        ]
                    }))
                }),
            )
            .route("/healthz", get(|| async { "ok" }))
            .route("/proto", get(|version: http::Version| async move { format!("{version:?}") }))
            .route(
                "/echo-length",
                post(|body: Bytes| async move { body.len().to_string() }),
            )
            .route(
                "/peer",
                get(|axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>| async move {
                    peer.ip().to_string()
                }),
            )
            .route(
                "/watch",
                get(|| async {
                    // A watch stream that never ends on its own.
                    let stream = futures::stream::unfold(0u64, |n| async move {
                        if n > 0 {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Some((Ok::<_, Infallible>(Bytes::from(format!("{{\"n\":{n}}}\n"))), n + 1))
                    });
                    Body::from_stream(stream)
                }),
            )
    }

    struct Harness {
        addr: SocketAddr,
        identity: ClusterIdentity,
        faults: Arc<Faults>,
        dir: tempfile::TempDir,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        server: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    use std::convert::Infallible;

    impl Harness {
        async fn start(spec: &str) -> Self {
            let identity = ClusterIdentity::generate("aro").expect("identity");
            let faults = Arc::new(Faults::new(spec.parse::<FaultSpec>().expect("spec")));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(serve(
                listener,
                identity.server_config().expect("tls"),
                router(),
                ServeOptions {
                    token: identity.token.clone(),
                    faults: faults.clone(),
                    max_body: MAX_BODY,
                },
                async move {
                    let _ = stopped.await;
                },
            ));
            let dir = tempfile::tempdir().expect("tempdir");
            let harness = Self {
                addr,
                identity,
                faults,
                dir,
                stop: Some(stop),
                server,
            };
            harness.write_kubeconfig("kubeconfig", &harness.identity.token.clone());
            harness
        }

        fn write_kubeconfig(&self, file: &str, token: &str) -> std::path::PathBuf {
            let path = self.dir.path().join(file);
            let entries = [
                KubeconfigEntry {
                    context: "aro".into(),
                    server: format!("https://127.0.0.1:{}", self.addr.port()),
                    ca_cert_pem: self.identity.ca_cert_pem.clone(),
                    token: token.to_owned(),
                },
                KubeconfigEntry {
                    context: "rosa".into(),
                    server: "https://127.0.0.1:1".into(),
                    ca_cert_pem: self.identity.ca_cert_pem.clone(),
                    token: "unused".into(),
                },
            ];
            kubeconfig::write(&path, &entries, Some("rosa")).expect("kubeconfig");
            path
        }

        async fn config(&self, file: &str) -> kube::Config {
            let kc = kube::config::Kubeconfig::read_from(self.dir.path().join(file))
                .expect("read kubeconfig");
            let options = kube::config::KubeConfigOptions {
                context: Some("aro".into()),
                ..Default::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .expect("config");
            assert!(!config.accept_invalid_certs, "TLS is verified");
            config
        }

        async fn client(&self) -> kube::Client {
            kube::Client::try_from(self.config("kubeconfig").await).expect("client")
        }

        /// A client without kube-rs's default retry layer, so injected failures surface.
        async fn client_without_retries(&self) -> kube::Client {
            let mut config = self.config("kubeconfig").await;
            config.default_retry = false;
            kube::Client::try_from(config).expect("client")
        }

        async fn stop(mut self) -> Duration {
            let started = std::time::Instant::now();
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            tokio::time::timeout(Duration::from_secs(5), &mut self.server)
                .await
                .expect("server stops")
                .expect("join")
                .expect("serve result");
            started.elapsed()
        }
    }

    fn api_code(error: &kube::Error) -> Option<(u16, String)> {
        match error {
            kube::Error::Api(status) => Some((status.code, status.reason.clone())),
            _ => None,
        }
    }

    #[tokio::test]
    async fn kube_rs_reads_version_and_lists_over_verified_tls() {
        let h = Harness::start("").await;
        let client = h.client().await;
        let info = client.apiserver_version().await.expect("version");
        assert_eq!(info.git_version, "v1.32.4");
        assert_eq!(info.minor, "32");
        let namespaces: kube::Api<Namespace> = kube::Api::all(client.clone());
        let list = namespaces.list(&Default::default()).await.expect("list");
        let names: Vec<_> = list
            .items
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        assert_eq!(names, ["default", "prod-bookinfo"]);
        let peer = client
            .request_text(http::Request::get("/peer").body(vec![]).expect("request"))
            .await
            .expect("peer");
        assert_eq!(peer, "127.0.0.1");
        // Idle keep-alive connections in the client's pool close at once on shutdown.
        let took = h.stop().await;
        assert!(took < SHUTDOWN_GRACE, "shutdown took {took:?}");
    }

    #[tokio::test]
    async fn wrong_or_missing_token_gets_401_status() {
        let h = Harness::start("").await;
        h.write_kubeconfig("wrong", "not-the-token");
        let client = kube::Client::try_from(h.config("wrong").await).expect("client");
        let error = client.apiserver_version().await.expect_err("401");
        assert_eq!(
            api_code(&error),
            Some((401, "Unauthorized".into())),
            "{error:?}"
        );
        // A wrong token is refused even on public paths.
        let error = client
            .request_text(
                http::Request::get("/healthz")
                    .body(vec![])
                    .expect("request"),
            )
            .await
            .expect_err("401");
        assert_eq!(api_code(&error).map(|c| c.0), Some(401));
        if let kube::Error::Api(status) = &error {
            assert_eq!(status.message, "Unauthorized");
        }

        // No token at all: health and version are public, the rest is not.
        let mut config = h.config("kubeconfig").await;
        config.auth_info = Default::default();
        let anonymous = kube::Client::try_from(config).expect("client");
        let health = anonymous
            .request_text(
                http::Request::get("/healthz")
                    .body(vec![])
                    .expect("request"),
            )
            .await
            .expect("anonymous healthz");
        assert_eq!(health, "ok");
        anonymous
            .apiserver_version()
            .await
            .expect("anonymous version");
        let namespaces: kube::Api<Namespace> = kube::Api::all(anonymous);
        let error = namespaces.list(&Default::default()).await.expect_err("401");
        assert_eq!(api_code(&error), Some((401, "Unauthorized".into())));
        h.stop().await;
    }

    #[test]
    fn bearer_parsing() {
        let token = b"secret-token";
        let req = |auth: Option<&str>, path: &str| {
            let mut builder = Request::get(path);
            if let Some(auth) = auth {
                builder = builder.header("authorization", auth);
            }
            builder.body(()).expect("request")
        };
        assert!(authorized(token, &req(Some("Bearer secret-token"), "/api")));
        assert!(authorized(
            token,
            &req(Some("bearer  secret-token "), "/api")
        ));
        assert!(!authorized(
            token,
            &req(Some("Bearer secret-tokeN"), "/api")
        ));
        assert!(!authorized(
            token,
            &req(Some("Bearer secret-token-x"), "/api")
        ));
        assert!(!authorized(token, &req(Some("Basic secret-token"), "/api")));
        assert!(!authorized(token, &req(Some("Bearer"), "/api")));
        assert!(!authorized(token, &req(Some("Bearer "), "/api")));
        assert!(!authorized(token, &req(None, "/api/v1/namespaces")));
        assert!(authorized(token, &req(None, "/readyz")));
        assert!(authorized(token, &req(None, "/livez/ping")));
        assert!(!authorized(token, &req(None, "/healthzz")));
        assert!(!authorized(token, &req(Some("Bearer wrong"), "/healthz")));
    }

    #[tokio::test]
    async fn injected_503_and_429_are_status_errors() {
        let h = Harness::start("503=1").await;
        let client = h.client_without_retries().await;
        let error = client.apiserver_version().await.expect_err("503");
        assert_eq!(
            api_code(&error),
            Some((503, "ServiceUnavailable".into())),
            "{error:?}"
        );
        h.stop().await;

        let h = Harness::start("429=1").await;
        let client = h.client_without_retries().await;
        let error = client.apiserver_version().await.expect_err("429");
        assert_eq!(
            api_code(&error),
            Some((429, "TooManyRequests".into())),
            "{error:?}"
        );
        h.stop().await;
    }

    #[tokio::test]
    async fn injected_reset_is_a_connection_error() {
        let h = Harness::start("reset=1").await;
        let client = h.client_without_retries().await;
        let error = client.apiserver_version().await.expect_err("reset");
        assert!(api_code(&error).is_none(), "not an API answer: {error:?}");
        h.stop().await;
    }

    #[tokio::test]
    async fn down_switch_holds_requests_until_released() {
        let h = Harness::start("").await;
        let client = h.client().await;
        client.apiserver_version().await.expect("up");
        h.faults.set_down(true);
        let pending = tokio::spawn({
            let client = client.clone();
            async move { client.apiserver_version().await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!pending.is_finished(), "held while down");
        h.faults.set_down(false);
        let info = tokio::time::timeout(Duration::from_secs(5), pending)
            .await
            .expect("released")
            .expect("join")
            .expect("version");
        assert_eq!(info.minor, "32");
        h.stop().await;
    }

    #[tokio::test]
    async fn down_switch_stalls_open_streams_and_shutdown_releases_held_requests() {
        use futures::AsyncBufReadExt as _;
        let h = Harness::start("").await;
        let client = h.client().await;
        let stream = client
            .request_stream(http::Request::get("/watch").body(vec![]).expect("request"))
            .await
            .expect("stream");
        let mut lines = stream.lines();
        use futures::StreamExt as _;
        assert_eq!(lines.next().await.expect("line").expect("io"), "{\"n\":0}");
        h.faults.set_down(true);
        // Whatever was already in flight may arrive; after that, nothing.
        for _ in 0..10 {
            if tokio::time::timeout(Duration::from_millis(150), lines.next())
                .await
                .is_err()
            {
                break;
            }
        }
        let stalled = tokio::time::timeout(Duration::from_millis(400), lines.next()).await;
        assert!(stalled.is_err(), "stream stalls while down: {stalled:?}");
        h.faults.set_down(false);
        let resumed = tokio::time::timeout(Duration::from_secs(2), lines.next()).await;
        assert!(resumed.expect("resumed").expect("line").is_ok());

        // A request held by the down switch does not block shutdown.
        h.faults.set_down(true);
        let held = tokio::spawn({
            let client = h.client_without_retries().await;
            async move { client.apiserver_version().await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let took = h.stop().await;
        assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
        let result = tokio::time::timeout(Duration::from_secs(2), held).await;
        assert!(result.expect("held request ends").expect("join").is_err());
    }

    #[tokio::test]
    async fn shutdown_is_not_blocked_by_a_watch_stream() {
        use futures::AsyncBufReadExt as _;
        use futures::StreamExt as _;
        let h = Harness::start("").await;
        let client = h.client().await;
        let stream = client
            .request_stream(http::Request::get("/watch").body(vec![]).expect("request"))
            .await
            .expect("stream");
        let mut lines = stream.lines();
        lines.next().await.expect("line").expect("io");
        let took = h.stop().await;
        assert!(took >= SHUTDOWN_GRACE / 2, "graceful wait: {took:?}");
        assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
        // The stream ends (closed by the server) instead of hanging.
        let end = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = lines.next().await {}
        })
        .await;
        assert!(end.is_ok(), "stream closed");
    }

    #[tokio::test]
    async fn bodies_over_the_limit_get_413_and_others_reach_the_router() {
        let h = Harness::start("").await;
        let client = h.client().await;
        let small = client
            .request_text(
                http::Request::post("/echo-length")
                    .body(vec![b'x'; 100])
                    .expect("request"),
            )
            .await
            .expect("small body");
        assert_eq!(small, "100");
        let error = client
            .request_text(
                http::Request::post("/echo-length")
                    .body(vec![b'x'; MAX_BODY + 1])
                    .expect("request"),
            )
            .await
            .expect_err("413");
        assert_eq!(
            api_code(&error),
            Some((413, "RequestEntityTooLarge".into())),
            "{error:?}"
        );
        h.stop().await;
    }

    #[tokio::test]
    async fn failed_handshakes_only_drop_that_connection() {
        let h = Harness::start("").await;
        let mut garbage = tokio::net::TcpStream::connect(h.addr)
            .await
            .expect("connect");
        garbage
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buf = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(2), garbage.read(&mut buf)).await;
        drop(garbage);
        let _idle = tokio::net::TcpStream::connect(h.addr)
            .await
            .expect("connect idle");
        h.client()
            .await
            .apiserver_version()
            .await
            .expect("still serving");
        h.stop().await;
    }

    /// HTTP/2 (what kubectl negotiates) with a hyper client over a verifying rustls client.
    #[tokio::test]
    async fn http2_is_served_when_negotiated() {
        let h = Harness::start("").await;
        let mut roots = rustls::RootCertStore::empty();
        use rustls::pki_types::pem::PemObject as _;
        for cert in
            rustls::pki_types::CertificateDer::pem_slice_iter(h.identity.ca_cert_pem.as_bytes())
        {
            roots.add(cert.expect("pem")).expect("root");
        }
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let tcp = tokio::net::TcpStream::connect(h.addr)
            .await
            .expect("connect");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(
                rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name"),
                tcp,
            )
            .await
            .expect("handshake");
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .expect("h2 handshake");
        tokio::spawn(conn);
        let request = Request::get(format!("https://127.0.0.1:{}/version", h.addr.port()))
            .header("authorization", format!("Bearer {}", h.identity.token))
            .body(http_body_util::Empty::<Bytes>::new())
            .expect("request");
        let response = sender.send_request(request).await.expect("response");
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), http::Version::HTTP_2);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let info: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(info["gitVersion"], "v1.32.4");
        h.stop().await;
    }

    /// Real kubectl (the dispatcher GETs /version over TLS first, then runs the bundled 1.32).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kubectl_reports_the_server_version() {
        let kubectl = std::path::Path::new("/usr/bin/kubectl");
        if !kubectl.exists() {
            eprintln!("skipping: /usr/bin/kubectl is not installed");
            return;
        }
        let h = Harness::start("").await;
        let cache = h.dir.path().join("cache");
        let output = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::new(kubectl)
                .arg("--kubeconfig")
                .arg(h.dir.path().join("kubeconfig"))
                .args(["--context", "aro", "version", "-o", "json"])
                .env("KUBECACHEDIR", &cache)
                .env("HOME", h.dir.path())
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .expect("kubectl finishes")
        .expect("kubectl runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "kubectl failed: {stdout}\n{stderr}"
        );
        assert!(!stderr.contains(&h.identity.token) && !stdout.contains(&h.identity.token));
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(json["serverVersion"]["gitVersion"], "v1.32.4", "{stdout}");

        // kubectl negotiates HTTP/2 through ALPN.
        let output = tokio::process::Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(h.dir.path().join("kubeconfig"))
            .args(["--context", "aro", "get", "--raw", "/proto"])
            .env("KUBECACHEDIR", &cache)
            .env("HOME", h.dir.path())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("kubectl runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "HTTP/2.0");
        h.stop().await;
    }
}
