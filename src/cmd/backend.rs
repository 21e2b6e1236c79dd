//! Backend selection shared by `fedrun run` and `fedrun repl`: validate the flags into
//! [`Settings`] before any work, then [`open`] the target (a kubeconfig, a running
//! `fedrun sim serve`, or an in-process simulator) and build the cluster pool.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::{Failure, state_dir};
use crate::cli::BackendArgs;
use crate::kube::Clusters;
use crate::sim::simulator::{
    ClusterSpec, SimOptions, Simulator, kubeconfig_path, parse_clusters, running_server,
};

/// The validated backend flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--set` values.
    pub vars: BTreeMap<String, String>,
    /// `--context NAME=CONTEXT` aliases.
    pub aliases: BTreeMap<String, String>,
    /// `--timeout`.
    pub timeout: Duration,
    pub target: Target,
    /// `--env`: variables `env()` may read besides `FEDRUN_*`.
    pub env_allow: Vec<String>,
    /// `--allow-http`.
    pub allow_http: bool,
}

/// Where the clusters are.
#[derive(Debug, Clone)]
pub enum Target {
    /// Kubeconfig files: `--kubeconfig`, else the files of `$KUBECONFIG` (merged as kubectl
    /// merges them), else `~/.kube/config`.
    Kubeconfig(Vec<PathBuf>),
    /// The simulator's state directory and, when given, its clusters.
    Sim(PathBuf, Option<Vec<ClusterSpec>>),
}

impl Target {
    /// A short name for prompts: `sim`, or the kubeconfig path with `~` for the home directory.
    pub fn short_label(&self) -> String {
        match self {
            Target::Sim(..) => "sim".to_string(),
            Target::Kubeconfig(paths) => {
                let home = std::env::var_os("HOME").map(PathBuf::from);
                paths
                    .iter()
                    .map(
                        |path| match home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
                            Some(rest) => format!("~/{}", rest.display()),
                            None => path.display().to_string(),
                        },
                    )
                    .collect::<Vec<_>>()
                    .join(":")
            }
        }
    }
}

/// An opened target: the kubeconfig to read and, for an in-process simulator, the simulator
/// (shut it down when done).
pub struct Opened {
    /// The (first) kubeconfig file.
    pub kubeconfig: PathBuf,
    /// Every kubeconfig file, merged in this order (`$KUBECONFIG=a:b`); just `kubeconfig` for
    /// `--kubeconfig` and the simulator.
    pub kubeconfigs: Vec<PathBuf>,
    /// How banners name the backend, e.g. `simulator (in-process, state /tmp/x)`.
    pub label: String,
    pub simulator: Option<Simulator>,
}

impl Opened {
    /// The cluster pool of this target, sharing the run's interrupt flag so requests stop on Ctrl-C.
    pub fn clusters(
        &self,
        aliases: &BTreeMap<String, String>,
        interrupt: Arc<AtomicBool>,
    ) -> Result<Clusters, Failure> {
        Clusters::from_kubeconfigs(&self.kubeconfigs, aliases.clone())
            .map(|c| c.with_interrupt(interrupt))
            .map_err(|e| Failure::Usage(e.to_string()))
    }
}

/// Validates the backend flags.
pub fn settings(args: &BackendArgs) -> Result<Settings, Failure> {
    let vars = pairs(&args.sets, "--set")?;
    let aliases = pairs(&args.contexts, "--context")?;
    let timeout = crate::duration::parse(&args.timeout)
        .map_err(|e| Failure::Usage(format!("--timeout: {e}")))?;
    let target = if args.sim {
        if args.kubeconfig.is_some() {
            return Err(Failure::Usage(
                "--sim and --kubeconfig exclude each other".into(),
            ));
        }
        let clusters = match &args.clusters {
            Some(list) => {
                Some(parse_clusters(list).map_err(|e| Failure::Usage(format!("--clusters: {e}")))?)
            }
            None => None,
        };
        Target::Sim(state_dir(args.state.clone()), clusters)
    } else {
        Target::Kubeconfig(default_kubeconfigs(args.kubeconfig.clone())?)
    };
    if let Some(bad) = args.env.iter().find(|n| n.is_empty() || n.contains('=')) {
        return Err(Failure::Usage(format!(
            "--env {bad:?}: give the name of an environment variable (e.g. --env AWS_REGION)"
        )));
    }
    Ok(Settings {
        vars,
        aliases,
        timeout,
        target,
        env_allow: args.env.clone(),
        allow_http: args.allow_http,
    })
}

pub(super) fn pairs(items: &[String], flag: &str) -> Result<BTreeMap<String, String>, Failure> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(Failure::Usage(format!(
                "{flag} {item:?}: expected KEY=VALUE"
            ))),
        })
        .collect()
}

/// Opens the target. With `--sim` and no server on the state directory, the simulator starts in
/// this process (on the runtime that polls this future).
pub async fn open(target: Target) -> Result<Opened, Failure> {
    match target {
        Target::Kubeconfig(paths) => Ok(Opened {
            label: format!(
                "kubeconfig {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":")
            ),
            kubeconfig: paths.first().cloned().unwrap_or_default(),
            kubeconfigs: paths,
            simulator: None,
        }),
        Target::Sim(dir, clusters) => match running_server(&dir) {
            Some(info) => Ok(Opened {
                kubeconfig: kubeconfig_path(&dir),
                kubeconfigs: vec![kubeconfig_path(&dir)],
                label: match info.time_scale {
                    Some(scale) => format!(
                        "simulator (fedrun sim serve, pid {}, time scale {scale})",
                        info.pid
                    ),
                    None => format!("simulator (fedrun sim serve, pid {})", info.pid),
                },
                simulator: None,
            }),
            None => {
                let mut options = SimOptions::new(&dir);
                options.clusters = clusters;
                options.durable_writes = true;
                let sim = Simulator::start(options)
                    .await
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                Ok(Opened {
                    kubeconfig: sim.kubeconfig(),
                    kubeconfigs: vec![sim.kubeconfig()],
                    // Said in the banner: real clusters take minutes where this takes seconds.
                    label: format!(
                        "simulator (in-process, time scale 0: the cloud and the operators answer at once, \
                         `fedrun sim serve` takes real time; state {})",
                        dir.display()
                    ),
                    simulator: Some(sim),
                })
            }
        },
    }
}

/// As kubectl: the flag (which must exist), else the files of `$KUBECONFIG` (those that exist;
/// merged later, the first file to define a name winning), else `~/.kube/config`.
fn default_kubeconfigs(explicit: Option<PathBuf>) -> Result<Vec<PathBuf>, Failure> {
    let missing = |path: &PathBuf| {
        Failure::Usage(format!(
            "kubeconfig {} does not exist; pass --kubeconfig, or try the simulated clusters with --sim",
            path.display()
        ))
    };
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(vec![path])
        } else {
            Err(missing(&path))
        };
    }
    let listed: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if !listed.is_empty() {
        let present: Vec<PathBuf> = listed.iter().filter(|p| p.exists()).cloned().collect();
        if present.is_empty() {
            return Err(Failure::Usage(format!(
                "none of the files in KUBECONFIG exists ({}); fix KUBECONFIG, pass --kubeconfig, or try the simulated clusters with --sim",
                listed
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":")
            )));
        }
        return Ok(present);
    }
    let path = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
        .ok_or_else(|| {
            Failure::Usage("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or use --sim".into())
        })?;
    if !path.is_file() {
        return Err(missing(&path));
    }
    Ok(vec![path])
}
