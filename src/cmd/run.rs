//! `fedrun [run] PLAYBOOK`: validate the configuration, pick the backend, run, summarise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{Failure, runtime, state_dir};
use crate::cli::{Output, RunArgs};
use crate::kube::Clusters;
use crate::prims::{self, Backend};
use crate::report::{Reporter, Stream};
use crate::script::{self, RunContext};
use crate::sim::simulator::{
    ClusterSpec, SimOptions, Simulator, kubeconfig_path, parse_clusters, running_server,
};

/// The validated run configuration, built before any work starts.
struct Plan {
    playbook: PathBuf,
    vars: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    timeout: Duration,
    output: Output,
    verbose: bool,
    target: Target,
}

enum Target {
    Kubeconfig(PathBuf),
    /// The simulator's state directory and, when given, its clusters.
    Sim(PathBuf, Option<Vec<ClusterSpec>>),
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let plan = plan(args)?;
    let rt = runtime()?;
    let interrupt = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupt.clone();
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
                eprintln!(
                    "\ninterrupt: stopping after the current API call (Ctrl-C again to abort)"
                );
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }

    // With `--sim` and no server on the state directory, the simulator lives in this process.
    let mut simulator = None;
    let (kubeconfig, backend_label) = match &plan.target {
        Target::Kubeconfig(path) => (path.clone(), format!("kubeconfig {}", path.display())),
        Target::Sim(dir, clusters) => match running_server(dir) {
            Some(info) => (
                kubeconfig_path(dir),
                format!("simulator (fedrun sim serve, pid {})", info.pid),
            ),
            None => {
                let mut options = SimOptions::new(dir);
                options.clusters = clusters.clone();
                let sim = rt
                    .block_on(Simulator::start(options))
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                let path = sim.kubeconfig();
                simulator = Some(sim);
                (
                    path,
                    format!("simulator (in-process, state {})", dir.display()),
                )
            }
        },
    };
    let result = run_with(&plan, &rt, &kubeconfig, &backend_label, interrupt);
    if let Some(sim) = simulator {
        rt.block_on(sim.shutdown());
    }
    result
}

fn run_with(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    kubeconfig: &Path,
    backend_label: &str,
    interrupt: Arc<AtomicBool>,
) -> Result<(), Failure> {
    let clusters = Clusters::from_kubeconfig(kubeconfig, plan.aliases.clone())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let reporter = Reporter::new(
        if plan.output == Output::Json {
            Stream::Stderr
        } else {
            Stream::Stdout
        },
        plan.verbose,
    );
    let ctx = Arc::new(
        RunContext::new(&plan.playbook, reporter.clone())
            .with_vars(plan.vars.clone())
            .with_default_timeout(plan.timeout)
            .with_interrupt(interrupt),
    );
    let backend = Backend {
        clusters: Arc::new(clusters),
        runtime: rt.handle().clone(),
    };
    let engine = prims::engine(ctx.clone(), Some(backend.clone()));

    // Every cluster the playbook names must exist before anything is applied anywhere.
    let source = std::fs::read_to_string(&plan.playbook).unwrap_or_default();
    let named = script::literal_arguments(&engine, &source, "cluster");
    let names: Vec<&str> = named.iter().map(String::as_str).collect();
    backend.clusters.check(&names).map_err(|e| {
        let mut message = e.to_string();
        if let Some(hint) = e.hint() {
            message.push_str(&format!("\nhint: {hint}"));
        }
        Failure::Usage(message)
    })?;
    // Names computed at run time are unknown here; then show every cluster the backend offers.
    let shown: Vec<String> = if names.is_empty() {
        backend.clusters.contexts()
    } else {
        named.clone()
    };
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    let banner = format!(
        "fedrun: {} on {backend_label}; clusters: {}",
        plan.playbook.display(),
        backend.clusters.describe(&shown)
    );
    reporter.println(&banner);

    let outcome = script::run_file(&engine, &ctx, &plan.playbook);
    let summary = match &outcome {
        Ok(summary) => summary,
        Err(e) => &e.summary,
    };
    if let Err(e) = &outcome {
        eprintln!("{}", e.diagnostic);
    }
    match plan.output {
        Output::Text => reporter.println(&summary.render_table()),
        Output::Json => println!(
            "{}",
            summary
                .to_json()
                .map_err(|e| Failure::Failed(e.to_string()))?
        ),
    }
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => Err(Failure::Failed(String::new())),
    }
}

fn plan(args: RunArgs) -> Result<Plan, Failure> {
    let playbook = args.playbook.ok_or_else(|| {
        Failure::Usage(
            "no playbook given (usage: fedrun [--sim] PLAYBOOK; see fedrun --help)".into(),
        )
    })?;
    if !playbook.is_file() {
        return Err(Failure::Usage(format!(
            "playbook {} does not exist or is not a file",
            playbook.display()
        )));
    }
    let pairs = |items: &[String], flag: &str| -> Result<BTreeMap<String, String>, Failure> {
        items
            .iter()
            .map(|item| match item.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
                _ => Err(Failure::Usage(format!(
                    "{flag} {item:?}: expected KEY=VALUE"
                ))),
            })
            .collect()
    };
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
        Target::Sim(state_dir(args.state), clusters)
    } else {
        Target::Kubeconfig(default_kubeconfig(args.kubeconfig)?)
    };
    Ok(Plan {
        playbook,
        vars,
        aliases,
        timeout,
        output: args.output,
        verbose: args.verbose,
        target,
    })
}

/// As kubectl: the flag, else the first file of `$KUBECONFIG`, else `~/.kube/config`.
fn default_kubeconfig(explicit: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let path = explicit
        .or_else(|| {
            std::env::var_os("KUBECONFIG")
                .filter(|v| !v.is_empty())
                .and_then(|v| std::env::split_paths(&v).next())
        })
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config")))
        .ok_or_else(|| {
            Failure::Usage("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or use --sim".into())
        })?;
    if !path.is_file() {
        return Err(Failure::Usage(format!(
            "kubeconfig {} does not exist; pass --kubeconfig, or try the simulated clusters with --sim",
            path.display()
        )));
    }
    Ok(path)
}
