//! The HTTP load generator behind `traffic::load`: real requests to a mesh's ingress Route, with a
//! fixed concurrency, an optional rate and duration, and the figures a report needs.
//!
//! Besides fetching manifests by URL (`fetch`), this is the one place outside the kube layer that
//! speaks HTTP, because a load test must reach the application the way its users do, through the
//! Route, not through the API server.
//!
//! Simulated Routes (`*.apps.<cluster>.example.com`) are resolved to the simulator's data plane
//! listener from the `dataplane.json` the simulator publishes beside its kubeconfig, with a custom
//! resolver in hyper-util's connector: nothing changes in /etc/hosts, and every other name goes to
//! the system resolver, so the same code drives real clusters.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::rt::TokioExecutor;

use crate::dataplane::{DataPlaneInfo, dataplane_path};

/// What to send.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    pub url: http::Uri,
    /// Stop after this many requests (`None`: only the duration bounds the run).
    pub requests: Option<u64>,
    pub concurrency: usize,
    /// Requests per second over all workers, if limited.
    pub rate: Option<f64>,
    pub duration: Option<Duration>,
    /// Per-request deadline.
    pub timeout: Duration,
}

/// What happened.
#[derive(Clone, Debug, Default)]
pub struct LoadOutcome {
    /// Requests completed (answered or failed).
    pub count: u64,
    /// Answers by HTTP status code.
    pub codes: BTreeMap<u16, u64>,
    /// Failures without an answer, by kind (`connect`, `timeout`, `body`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Latencies of answered requests, sorted, in milliseconds.
    pub latencies_ms: Vec<f64>,
    /// Wall-clock start and length of the run (the window metrics are read for).
    pub started: Option<SystemTime>,
    pub elapsed: Duration,
    /// The body of the first answer, trimmed: shows what served it.
    pub sample: Option<String>,
}

impl LoadOutcome {
    /// The `q` quantile (0..=1) of the latencies, nearest-rank.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return 0.0;
        }
        let rank = (q * self.latencies_ms.len() as f64).ceil() as usize;
        self.latencies_ms[rank.clamp(1, self.latencies_ms.len()) - 1]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid load options: {0}")]
    Options(String),
    #[error("cannot read the simulator's data plane address {path}: {message}")]
    DataPlane { path: String, message: String },
}

/// Resolves simulated Route hosts to the simulator's listener, everything else through the
/// system resolver.
#[derive(Clone)]
pub struct Resolver {
    sim: Option<Arc<DataPlaneInfo>>,
    system: GaiResolver,
}

impl Resolver {
    /// The resolver for clusters of `kubeconfig`: simulated Routes when a simulator published
    /// its data plane beside it.
    pub fn for_kubeconfig(kubeconfig: Option<&Path>) -> Result<Resolver, LoadError> {
        let sim = match kubeconfig.and_then(Path::parent) {
            Some(dir) => {
                let path = dataplane_path(dir);
                match std::fs::read(&path) {
                    Ok(bytes) => Some(Arc::new(serde_json::from_slice(&bytes).map_err(|e| {
                        LoadError::DataPlane {
                            path: path.display().to_string(),
                            message: e.to_string(),
                        }
                    })?)),
                    Err(_) => None,
                }
            }
            None => None,
        };
        Ok(Resolver {
            sim,
            system: GaiResolver::new(),
        })
    }

    /// A resolver sending the given domains to `address` (tests, benchmarks).
    pub fn simulated(info: DataPlaneInfo) -> Resolver {
        Resolver {
            sim: Some(Arc::new(info)),
            system: GaiResolver::new(),
        }
    }

    /// The simulator's address for `host`, if it is a simulated Route.
    pub fn simulated_addr(&self, host: &str) -> Option<SocketAddr> {
        let info = self.sim.as_ref()?;
        let host = host.to_ascii_lowercase();
        info.domains
            .iter()
            .any(|d| host.ends_with(&format!(".{d}")))
            .then_some(info.address)
    }
}

type Addrs = Box<dyn Iterator<Item = SocketAddr> + Send>;

impl tower::Service<Name> for Resolver {
    type Response = Addrs;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Addrs, std::io::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        if let Some(addr) = self.simulated_addr(name.as_str()) {
            return Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) });
        }
        let mut system = self.system.clone();
        Box::pin(async move {
            let addrs = tower::Service::call(&mut system, name).await?;
            Ok(Box::new(addrs) as Addrs)
        })
    }
}

/// Sends the load. `progress` is called once per completed request; `interrupt` stops the run
/// early (the outcome then covers what was sent).
pub async fn run(
    plan: LoadPlan,
    resolver: Resolver,
    progress: impl Fn() + Send + Sync + 'static,
    interrupt: Arc<AtomicBool>,
) -> Result<LoadOutcome, LoadError> {
    if plan.requests.is_none() && plan.duration.is_none() {
        return Err(LoadError::Options(
            "give `requests`, `duration`, or both".into(),
        ));
    }
    if plan.concurrency == 0 {
        return Err(LoadError::Options("concurrency must be at least 1".into()));
    }
    if plan.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(LoadError::Options("rate must be a positive number".into()));
    }
    let mut http = HttpConnector::new_with_resolver(resolver);
    http.enforce_http(false);
    http.set_nodelay(true);
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_platform_verifier(rustls::crypto::ring::default_provider())
        .map_err(|e| LoadError::Options(format!("cannot set up TLS: {e}")))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(plan.concurrency)
        .build(tls);

    let started_wall = SystemTime::now();
    let start = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(progress);
    let mut workers = Vec::new();
    for _ in 0..plan.concurrency {
        let client = client.clone();
        let plan = plan.clone();
        let next = next.clone();
        let progress = progress.clone();
        let interrupt = interrupt.clone();
        workers.push(tokio::spawn(async move {
            let mut out = LoadOutcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if plan.requests.is_some_and(|n| i >= n) || interrupt.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(rate) = plan.rate {
                    let due = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                if plan.duration.is_some_and(|d| start.elapsed() >= d) {
                    break;
                }
                let sent = Instant::now();
                let request = http::Request::get(plan.url.clone())
                    .header(http::header::USER_AGENT, "fedrun-load")
                    .body(Empty::<Bytes>::new());
                let Ok(request) = request else {
                    *out.errors.entry("request".into()).or_default() += 1;
                    out.count += 1;
                    continue;
                };
                let answer = tokio::time::timeout(plan.timeout, async {
                    let response = client
                        .request(request)
                        .await
                        .map_err(|e| if e.is_connect() { "connect" } else { "http" })?;
                    let status = response.status().as_u16();
                    let body = response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|_| "body")?
                        .to_bytes();
                    Ok::<_, &str>((status, body))
                })
                .await;
                out.count += 1;
                match answer {
                    Ok(Ok((status, body))) => {
                        out.latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                        *out.codes.entry(status).or_default() += 1;
                        if out.sample.is_none() {
                            let text = String::from_utf8_lossy(&body);
                            out.sample = Some(
                                text.chars()
                                    .take(2000)
                                    .collect::<String>()
                                    .trim_end()
                                    .to_string(),
                            );
                        }
                    }
                    Ok(Err(kind)) => *out.errors.entry(kind.into()).or_default() += 1,
                    Err(_) => *out.errors.entry("timeout".into()).or_default() += 1,
                }
                progress();
            }
            out
        }));
    }
    let mut total = LoadOutcome::default();
    for worker in workers {
        let Ok(part) = worker.await else {
            *total.errors.entry("worker".into()).or_default() += 1;
            continue;
        };
        total.count += part.count;
        for (k, v) in part.codes {
            *total.codes.entry(k).or_default() += v;
        }
        for (k, v) in part.errors {
            *total.errors.entry(k).or_default() += v;
        }
        total.latencies_ms.extend(part.latencies_ms);
        if total.sample.is_none() {
            total.sample = part.sample;
        }
    }
    total.latencies_ms.sort_by(f64::total_cmp);
    total.started = Some(started_wall);
    total.elapsed = start.elapsed();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_hosts_resolve_to_the_listener_only() {
        let r = Resolver::simulated(DataPlaneInfo {
            address: "127.0.0.1:9".parse().unwrap(),
            domains: vec!["apps.rosa.example.com".into()],
        });
        assert!(r.simulated_addr("x.apps.rosa.example.com").is_some());
        assert!(r.simulated_addr("X.APPS.ROSA.EXAMPLE.COM").is_some());
        assert!(r.simulated_addr("apps.rosa.example.com.evil.io").is_none());
        assert!(r.simulated_addr("x.apps.aro.example.com").is_none());
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let o = LoadOutcome {
            latencies_ms: (1..=100).map(f64::from).collect(),
            ..Default::default()
        };
        assert_eq!(o.quantile(0.5), 50.0);
        assert_eq!(o.quantile(0.99), 99.0);
        assert_eq!(o.quantile(1.0), 100.0);
        assert_eq!(LoadOutcome::default().quantile(0.5), 0.0);
    }
}
