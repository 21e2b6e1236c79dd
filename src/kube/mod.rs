//! The kube layer: the only way fedrun talks to clusters.
//!
//! Every primitive (cluster, mesh, cert, peer, traffic) reaches a cluster through this module and
//! nothing else, so that one piece of code decides how fedrun authenticates, verifies TLS, resolves
//! kinds, applies, waits and retries — on real clusters and on the simulator alike, which is served
//! over the same HTTPS and the same kube-rs client. There is no Rhai here and nothing prints but
//! the once-per-cluster warnings about connections that are allowed yet unsafe (plain HTTP,
//! `insecure-skip-tls-verify`), on stderr: the API is async and returns [`KubeError`]s that name
//! the cluster; the script engine bridges it into Rhai and renders the errors.
//!
//! - [`Clusters`] reads the kubeconfig (or merges a `KUBECONFIG` list as kubectl does), maps
//!   playbook names to contexts and keeps one kube-rs client per context, created on first use
//!   (a client is a connection pool plus a credential refresher: sharing it avoids a TLS
//!   handshake and an exec-plugin run per request). Exec credential plugins are run by fedrun,
//!   under a time limit, and their failures never print their arguments, environment or output.
//! - Unsafe kubeconfigs are refused before any connection: a server URL with a password in it,
//!   plain HTTP (unless `FEDRUN_ALLOW_INSECURE_HTTP=1`), `insecure-skip-tls-verify` with a CA,
//!   a token or password with a line break.
//! - [`ClusterClient`] is a cheap handle with the operations: server-side [`apply`](ClusterClient::apply),
//!   get / try_get / list / delete / patch / create, and [`wait`](ClusterClient::wait) on a watch.
//! - Kinds are typed as users type them (`cm`, `smcp`, `ServiceMeshPeer`,
//!   `servicemeshpeers.federation.maistra.io`) and resolved by a per-context discovery cache.
//! - Transient failures are retried under a [`RetryPolicy`]; permanent ones (a TLS verification
//!   failure among them) fail at once. The run's interrupt flag abandons a request in flight
//!   within 100 ms.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fedrun::kube::KubeError> {
//! use std::collections::BTreeMap;
//! use std::sync::atomic::AtomicBool;
//! use std::time::Duration;
//! use fedrun::kube::{ApplyOptions, Clusters, WaitCondition};
//!
//! let clusters = Clusters::from_kubeconfig("/home/me/.kube/config", BTreeMap::new())?;
//! clusters.check(&["rosa"])?;
//! let rosa = clusters.cluster("rosa").await?;
//! let smmr = serde_json::json!({"apiVersion": "maistra.io/v1", "kind": "ServiceMeshMemberRoll",
//!     "metadata": {"name": "default"}, "spec": {"members": ["prod-bookinfo"]}});
//! let opts = ApplyOptions { namespace: Some("rosa-prod-mesh".into()), ..ApplyOptions::for_playbook("rosa-aro") };
//! rosa.apply(vec![smmr], &opts).await?;
//! let ready = WaitCondition::parse("condition=Ready")?;
//! rosa.wait("smmr", Some("rosa-prod-mesh"), "default", &ready, Duration::from_secs(300), &AtomicBool::new(false)).await?;
//! # Ok(())
//! # }
//! ```

mod client;
mod discovery;
mod errors;
mod exec;
mod kubeconfig;
mod pool;
pub mod prometheus;
mod retry;
mod wait;

pub use client::{Applied, ApplyOptions, ClusterClient, FIELD_MANAGER, Outcome};
pub use discovery::KindInfo;
pub use errors::KubeError;
pub use exec::{DEFAULT_TIMEOUT as EXEC_DEFAULT_TIMEOUT, TIMEOUT_ENV as EXEC_TIMEOUT_ENV};
pub use kubeconfig::ALLOW_HTTP_ENV;
pub use pool::Clusters;
pub use retry::{RetryPolicy, with_retries};
pub use wait::{Seen, WAIT_DISPLAY, WaitCondition, WaitDisplay, Watched};
