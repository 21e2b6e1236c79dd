//! [`Clusters`]: the kubeconfig's contexts, and one kube-rs client per context, made on first use.
//!
//! One client per context because a kube-rs `Client` owns a connection pool (HTTP/2 or keep-alive
//! connections with the TLS session already negotiated) and a credential refresher; making one
//! per call would redo the TLS handshake and re-run exec credential plugins for every request.
//! Clients are created lazily so that a playbook touching two of five contexts never loads the
//! credentials of the other three (an exec plugin of an expired cloud login would fail the run).
//!
//! Before a context is used, its cluster entry is checked (see [`super::kubeconfig`]): URLs
//! with credentials in them, plain HTTP and `insecure-skip-tls-verify` with a CA are refused,
//! and what is allowed but unsafe is warned about on stderr, once per cluster. Exec credential
//! plugins are run by fedrun, under a time limit (see [`super::exec`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ::kube::client::ClientBuilder;
use ::kube::config::{AuthInfo, ExecConfig, KubeConfigOptions};
use ::kube::{Client, Config};
use base64::Engine as _;
use tokio::sync::OnceCell;

use super::client::ClusterClient;
use super::errors::KubeError;
use super::exec::{Credential, ExecAuthLayer, ExecCredentials};
use super::kubeconfig::{self, Loaded, check_endpoint};
use super::retry::{RetryPolicy, error_chain, redacted_auth_error};

/// Where the clients come from.
enum Source {
    /// One kubeconfig file, or several merged as kubectl merges `KUBECONFIG=a:b`.
    Kubeconfig {
        /// The first file read.
        path: PathBuf,
        loaded: Box<Loaded>,
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
    /// Whether plain `http://` servers beyond the local host may be used.
    allow_http: bool,
    /// The exec-plugin time limit, when not the default.
    exec_timeout: Option<Duration>,
    /// Warnings given so far (each once): their keys, and their texts in order.
    warned: std::sync::Mutex<(HashSet<String>, Vec<String>)>,
    /// `fedrun plan`: every client sends its writes as dry runs and records them here.
    plan: Option<Arc<crate::plan::Recorder>>,
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
    ///
    /// Reads `FEDRUN_ALLOW_INSECURE_HTTP` and `FEDRUN_EXEC_TIMEOUT` (see
    /// [`allow_insecure_http`](Self::allow_insecure_http) and
    /// [`with_exec_timeout`](Self::with_exec_timeout)).
    pub fn from_kubeconfig(
        path: impl AsRef<Path>,
        aliases: BTreeMap<String, String>,
    ) -> Result<Clusters, KubeError> {
        let loaded = kubeconfig::read(&[path.as_ref().to_path_buf()], false)?;
        Clusters::from_loaded(loaded, aliases)
    }

    /// Reads and merges kubeconfig files as kubectl does with `KUBECONFIG=a:b`: the first file
    /// to define a cluster, user or context (by name) wins, `current-context` comes from the
    /// first file that sets it, and files that do not exist are skipped; it is an error when
    /// none exists or the list is empty.
    pub fn from_kubeconfigs(
        paths: &[PathBuf],
        aliases: BTreeMap<String, String>,
    ) -> Result<Clusters, KubeError> {
        let loaded = kubeconfig::read(paths, true)?;
        Clusters::from_loaded(loaded, aliases)
    }

    fn from_loaded(
        loaded: Loaded,
        aliases: BTreeMap<String, String>,
    ) -> Result<Clusters, KubeError> {
        let exec_timeout = kubeconfig::exec_timeout_from_env()?;
        let path = loaded.files.first().cloned().unwrap_or_default();
        let mut clusters = Clusters::with_source(
            Source::Kubeconfig {
                path,
                loaded: Box::new(loaded),
            },
            aliases,
        );
        clusters.allow_http = kubeconfig::allow_http_from_env();
        clusters.exec_timeout = exec_timeout;
        Ok(clusters)
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
            allow_http: false,
            exec_timeout: None,
            warned: std::sync::Mutex::new((HashSet::new(), Vec::new())),
            plan: None,
        }
    }

    /// Plan mode for the whole run (`fedrun plan`): every write of every cluster is sent as a
    /// server-side dry run and recorded in `recorder`; waits are not run (see `wait_until`).
    pub fn with_plan(mut self, recorder: Arc<crate::plan::Recorder>) -> Clusters {
        self.plan = Some(recorder);
        self
    }

    /// Allows (or not) plain `http://` servers beyond the local host, whose traffic — the token
    /// included — crosses the network unencrypted; a warning is printed once per such cluster.
    /// Off unless `FEDRUN_ALLOW_INSECURE_HTTP=1`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Clusters {
        self.allow_http = allow;
        self
    }

    /// Bounds every run of an exec credential plugin (default 30 s, or 5 min when the plugin
    /// may prompt on a terminal; `FEDRUN_EXEC_TIMEOUT` sets it too). A plugin still running then
    /// is killed and the cluster fails with a credentials error.
    pub fn with_exec_timeout(mut self, timeout: Duration) -> Clusters {
        self.exec_timeout = Some(timeout);
        self
    }

    /// The warnings given so far (also printed on stderr when given), each once.
    pub fn warnings(&self) -> Vec<String> {
        self.warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .clone()
    }

    /// Prints each warning on stderr unless it was given before.
    fn warn(&self, warnings: Vec<kubeconfig::Warning>) {
        let mut warned = self
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for warning in warnings {
            if warned.0.insert(warning.key) {
                eprintln!("warning: {}", warning.text);
                warned.1.push(warning.text);
            }
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
            Source::Kubeconfig { loaded, .. } => loaded
                .config
                .contexts
                .iter()
                .map(|c| c.name.clone())
                .collect(),
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
        let Source::Kubeconfig { loaded, .. } = &self.source else {
            return None;
        };
        let config = &loaded.config;
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
    /// exist (the error names the first missing one and lists the available contexts), or whose
    /// cluster entry fedrun refuses: a server URL with credentials in it, plain HTTP (unless
    /// allowed), `insecure-skip-tls-verify` together with a CA.
    pub fn check(&self, names: &[&str]) -> Result<(), KubeError> {
        let available = self.contexts();
        for name in names {
            let context = self.context_of(name);
            if !available.contains(&context) {
                return Err(self.unknown_context(&context, available));
            }
        }
        if let Source::Kubeconfig { loaded, .. } = &self.source {
            for name in names {
                check_endpoint(loaded, &self.context_of(name), self.allow_http)?;
            }
        }
        Ok(())
    }

    fn unknown_context(&self, context: &str, available: Vec<String>) -> KubeError {
        let kubeconfig = match &self.source {
            Source::Kubeconfig { loaded, .. } => loaded.label(None),
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
            Source::Kubeconfig { loaded, .. } => {
                if !loaded.config.contexts.iter().any(|c| c.name == context) {
                    return Err(self.unknown_context(&context, self.contexts()));
                }
                self.warn(check_endpoint(loaded, &context, self.allow_http)?);
                self.connect_context(name, loaded, &context).await?
            }
        };
        Ok(ClusterClient::new(
            name,
            context,
            server,
            client,
            self.policy.clone(),
            self.interrupt.clone(),
        )
        .planning(self.plan.clone()))
    }
}

impl Clusters {
    /// Builds the kube-rs client of one context, verifying TLS exactly as the kubeconfig says.
    /// An exec credential plugin is run here, by fedrun (see [`super::exec`]).
    async fn connect_context(
        &self,
        name: &str,
        loaded: &Loaded,
        context: &str,
    ) -> Result<(Client, String), KubeError> {
        let options = KubeConfigOptions {
            context: Some(context.to_string()),
            ..KubeConfigOptions::default()
        };
        // The user entry's name, for errors about its exec plugin.
        let user = loaded
            .config
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone())
            .unwrap_or_default();
        let invalid = |message: String| KubeError::Kubeconfig {
            path: loaded.label(Some(("context", context))),
            message: format!("context {context}: {message}"),
        };
        let mut config = Config::from_custom_kubeconfig(loaded.config.clone(), &options)
            .await
            .map_err(|e| invalid(error_chain(&e)))?;
        // fedrun retries in `retry.rs` with its own bounds; kube-rs's layer (up to 15 tries,
        // unbounded delays) would multiply them and hide the real attempt count.
        config.default_retry = false;
        let server = without_credentials(&config.cluster_url);
        let built = |e: ::kube::Error| match &e {
            ::kube::Error::Auth(auth) => invalid(redacted_auth_error(auth)),
            other => invalid(error_chain(other)),
        };
        let Some(exec) = take_exec(&mut config.auth_info) else {
            let client = Client::try_from(config).map_err(built)?;
            return Ok((client, server));
        };
        let label = if name == context {
            name.to_string()
        } else {
            format!("{name} (context {context})")
        };
        let credentials = Arc::new(ExecCredentials::new(
            exec,
            user,
            self.exec_timeout,
            self.interrupt.clone(),
        ));
        let client = match credentials.acquire().await {
            Err(failure) if failure.interrupted => return Err(KubeError::Interrupted),
            Err(failure) => {
                return Err(KubeError::Credentials {
                    cluster: label,
                    message: failure.message,
                });
            }
            Ok(Credential::Certificate { certificate, key }) => {
                let b64 = base64::engine::general_purpose::STANDARD;
                config.auth_info.client_certificate = None;
                config.auth_info.client_key = None;
                config.auth_info.client_certificate_data = Some(b64.encode(certificate));
                config.auth_info.client_key_data = Some(b64.encode(key).into());
                Client::try_from(config).map_err(built)?
            }
            Ok(Credential::Token { .. }) => ClientBuilder::try_from(config)
                .map_err(built)?
                .with_layer(&ExecAuthLayer::new(credentials))
                .build(),
        };
        tracing::debug!(context, "credentials from the exec plugin");
        Ok((client, server))
    }
}

/// Takes the exec section out of a user entry when kube-rs would use it (nothing of higher
/// precedence is set), so that fedrun runs the plugin instead.
fn take_exec(user: &mut AuthInfo) -> Option<ExecConfig> {
    let basic = user.username.is_some() && user.password.is_some();
    if user.auth_provider.is_some() || basic || user.token.is_some() || user.token_file.is_some() {
        return None;
    }
    user.exec.take()
}

/// The server URL without any `user:password@` part.
fn without_credentials(url: &http::Uri) -> String {
    let scheme = url.scheme_str().unwrap_or("https");
    let host = url.host().unwrap_or("");
    let port = url.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
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
