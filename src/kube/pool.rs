//! [`Clusters`]: the kubeconfig's contexts, and one kube-rs client per context, made on first use.
//!
//! One client per context because a kube-rs `Client` owns a connection pool (HTTP/2 or keep-alive
//! connections with the TLS session already negotiated) and a credential refresher; making one
//! per call would redo the TLS handshake and re-run exec credential plugins for every request.
//! Clients are created lazily so that a playbook touching two of five contexts never loads the
//! credentials of the other three (an exec plugin of an expired cloud login would fail the run).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ::kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use ::kube::{Client, Config};
use tokio::sync::OnceCell;

use super::client::ClusterClient;
use super::errors::KubeError;
use super::retry::{RetryPolicy, error_chain};

/// Where the clients come from.
enum Source {
    /// A parsed kubeconfig file.
    Kubeconfig {
        path: PathBuf,
        config: Box<Kubeconfig>,
    },
    /// Ready-made clients (tests, in-process simulators), by name.
    Fixed(BTreeMap<String, Client>),
}

/// The clusters a run may use. Share it (`Arc<Clusters>`) between the engine's primitives.
pub struct Clusters {
    source: Source,
    /// Playbook name → kubeconfig context (`--context rosa=my-rosa-ctx`).
    aliases: BTreeMap<String, String>,
    /// One cell per playbook name: the first caller connects, concurrent callers for the same
    /// name wait for it, and callers for other clusters are not held up.
    clients: std::sync::Mutex<HashMap<String, Arc<OnceCell<ClusterClient>>>>,
    policy: RetryPolicy,
    interrupt: Arc<AtomicBool>,
}

impl std::fmt::Debug for Clusters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clusters")
            .field("contexts", &self.contexts())
            .field("aliases", &self.aliases)
            .finish_non_exhaustive()
    }
}

impl Clusters {
    /// Reads a kubeconfig file. `aliases` maps playbook names to context names; a name without an
    /// alias is used as the context name itself.
    pub fn from_kubeconfig(
        path: impl AsRef<Path>,
        aliases: BTreeMap<String, String>,
    ) -> Result<Clusters, KubeError> {
        let path = path.as_ref().to_path_buf();
        let config = Kubeconfig::read_from(&path).map_err(|e| kubeconfig_error(&path, e))?;
        Ok(Clusters::with_source(
            Source::Kubeconfig {
                path,
                config: Box::new(config),
            },
            aliases,
        ))
    }

    /// Uses ready-made kube-rs clients, named as the playbook names them (no aliases).
    pub fn from_clients(clients: Vec<(String, Client)>) -> Clusters {
        Clusters::with_source(
            Source::Fixed(clients.into_iter().collect()),
            BTreeMap::new(),
        )
    }

    fn with_source(source: Source, aliases: BTreeMap<String, String>) -> Clusters {
        Clusters {
            source,
            aliases,
            clients: std::sync::Mutex::new(HashMap::new()),
            policy: RetryPolicy::default(),
            interrupt: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Uses another retry policy for every cluster (tests use small delays).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Clusters {
        self.policy = policy;
        self
    }

    /// Shares a run-wide interrupt flag (set by the Ctrl-C handler): every request and wait
    /// checks it, so a run stops between API calls.
    pub fn with_interrupt(mut self, interrupt: Arc<AtomicBool>) -> Clusters {
        self.interrupt = interrupt;
        self
    }

    /// The run-wide interrupt flag.
    pub fn interrupt(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// The kubeconfig path, when the clusters come from one.
    pub fn kubeconfig_path(&self) -> Option<&Path> {
        match &self.source {
            Source::Kubeconfig { path, .. } => Some(path),
            Source::Fixed(_) => None,
        }
    }

    /// The available context names (sorted).
    pub fn contexts(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.source {
            Source::Kubeconfig { config, .. } => {
                config.contexts.iter().map(|c| c.name.clone()).collect()
            }
            Source::Fixed(clients) => clients.keys().cloned().collect(),
        };
        names.sort();
        names.dedup();
        names
    }

    /// The context a playbook name maps to.
    pub fn context_of(&self, name: &str) -> String {
        self.aliases
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// One line for a banner: each name with its context (when aliased) and server URL, e.g.
    /// `rosa=my-rosa (https://api.rosa.example.com:6443), aro (https://...)`. Never credentials.
    pub fn describe(&self, names: &[&str]) -> String {
        let mut seen = Vec::new();
        for name in names {
            if seen.iter().any(|(n, _)| n == name) {
                continue;
            }
            let context = self.context_of(name);
            let mut text = if context == *name {
                name.to_string()
            } else {
                format!("{name}={context}")
            };
            if let Some(server) = self.server_of(&context) {
                text.push_str(&format!(" ({server})"));
            }
            seen.push((name.to_string(), text));
        }
        seen.into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The server URL the kubeconfig gives a context, without credentials.
    fn server_of(&self, context: &str) -> Option<String> {
        let Source::Kubeconfig { config, .. } = &self.source else {
            return None;
        };
        let cluster = config
            .contexts
            .iter()
            .find(|c| c.name == context)?
            .context
            .as_ref()?
            .cluster
            .clone();
        let server = config
            .clusters
            .iter()
            .find(|c| c.name == cluster)?
            .cluster
            .as_ref()?
            .server
            .clone()?;
        server
            .parse::<http::Uri>()
            .ok()
            .map(|url| without_credentials(&url))
    }

    /// Fails, before anything is touched, if any of `names` maps to a context that does not
    /// exist; the error names the first missing one and lists the available contexts.
    pub fn check(&self, names: &[&str]) -> Result<(), KubeError> {
        let available = self.contexts();
        for name in names {
            let context = self.context_of(name);
            if !available.contains(&context) {
                return Err(self.unknown_context(&context, available));
            }
        }
        Ok(())
    }

    fn unknown_context(&self, context: &str, available: Vec<String>) -> KubeError {
        let kubeconfig = match &self.source {
            Source::Kubeconfig { path, .. } => path.display().to_string(),
            Source::Fixed(_) => "(in-process clients)".to_string(),
        };
        KubeError::UnknownContext {
            name: context.to_string(),
            available,
            kubeconfig,
        }
    }

    /// The clients this run has connected so far (never connects to a new cluster).
    pub fn connected(&self) -> Vec<ClusterClient> {
        let clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clients.values().filter_map(|c| c.get().cloned()).collect()
    }

    /// The client for a playbook's cluster name, created on first use and shared afterwards.
    pub async fn cluster(&self, name: &str) -> Result<ClusterClient, KubeError> {
        let cell = {
            // A poisoned lock only means another thread panicked while inserting; the map is intact.
            let mut clients = self
                .clients
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            clients.entry(name.to_string()).or_default().clone()
        };
        cell.get_or_try_init(|| self.connect(name)).await.cloned()
    }

    async fn connect(&self, name: &str) -> Result<ClusterClient, KubeError> {
        let context = self.context_of(name);
        let (client, server) = match &self.source {
            Source::Fixed(map) => match map.get(&context) {
                Some(client) => (client.clone(), format!("in-process:{context}")),
                None => return Err(self.unknown_context(&context, self.contexts())),
            },
            Source::Kubeconfig { path, config } => {
                if !config.contexts.iter().any(|c| c.name == context) {
                    return Err(self.unknown_context(&context, self.contexts()));
                }
                connect(path, config, &context).await?
            }
        };
        Ok(ClusterClient::new(
            name,
            context,
            server,
            client,
            self.policy.clone(),
            self.interrupt.clone(),
        ))
    }
}

/// Builds the kube-rs client of one context, verifying TLS exactly as the kubeconfig says.
async fn connect(
    path: &Path,
    kubeconfig: &Kubeconfig,
    context: &str,
) -> Result<(Client, String), KubeError> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| KubeError::Kubeconfig {
            path: path.display().to_string(),
            message: format!("context {context}: {}", error_chain(&e)),
        })?;
    // fedrun retries in `retry.rs` with its own bounds; kube-rs's layer (up to 15 tries, unbounded
    // delays) would multiply them and hide the real attempt count.
    config.default_retry = false;
    let server = without_credentials(&config.cluster_url);
    let client = Client::try_from(config).map_err(|e| KubeError::Kubeconfig {
        path: path.display().to_string(),
        message: format!("context {context}: {}", error_chain(&e)),
    })?;
    Ok((client, server))
}

/// The server URL without any `user:password@` part.
fn without_credentials(url: &http::Uri) -> String {
    let scheme = url.scheme_str().unwrap_or("https");
    let host = url.host().unwrap_or("");
    let port = url.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
}

/// A kubeconfig failure with its path and, for YAML errors, the location.
fn kubeconfig_error(path: &Path, error: KubeconfigError) -> KubeError {
    let message = match &error {
        KubeconfigError::ReadConfig(io, _) => format!("cannot read it: {io}"),
        // The YAML error's first line has the location; the following lines quote the file,
        // which may hold a token, so they are left out.
        other => error_chain(other)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    KubeError::Kubeconfig {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        let url: http::Uri = "https://admin:secret@api.rosa.example.com:6443/"
            .parse()
            .unwrap_or_default();
        assert_eq!(
            without_credentials(&url),
            "https://api.rosa.example.com:6443"
        );
    }
}
