//! `fedrun [run] PLAYBOOK`: validate the configuration, pick the backend, run, summarise.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::backend::{self, Opened, Settings};
use super::{Failure, runtime};
use crate::cli::{Output, RunArgs};
use crate::prims::{self, Backend};
use crate::report::{Reporter, Stream};
use crate::script::{self, RunContext};

/// The validated run configuration, built before any work starts.
struct Plan {
    playbook: PathBuf,
    settings: Settings,
    output: Output,
    verbose: bool,
    /// `fedrun plan`: writes are dry runs recorded here, and the plan is printed, not a summary.
    dry_run: Option<Arc<crate::plan::Recorder>>,
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    execute(args, None)
}

/// Runs the playbook; with `dry_run`, as `fedrun plan` (see [`super::plan`]).
pub(super) fn execute(
    args: RunArgs,
    dry_run: Option<Arc<crate::plan::Recorder>>,
) -> Result<(), Failure> {
    let mut plan = plan(args)?;
    plan.dry_run = dry_run;
    let rt = runtime()?;
    let interrupt = Arc::new(AtomicBool::new(false));
    {
        // Ctrl-C or SIGTERM (a CI job cancelled, `kill`): stop after the current API call and
        // print the summary; a second one aborts at once.
        let flag = interrupt.clone();
        rt.spawn(async move {
            if stop_signal().await {
                flag.store(true, Ordering::SeqCst);
                eprintln!(
                    "\ninterrupt: stopping after the current API call (Ctrl-C again to abort)"
                );
                if stop_signal().await {
                    std::process::exit(130);
                }
            }
        });
    }

    // With `--sim` and no server on the state directory, the simulator lives in this process.
    let opened = rt.block_on(backend::open(plan.settings.target.clone()))?;
    let result = run_with(&plan, &rt, &opened, interrupt);
    if let Some(sim) = opened.simulator {
        rt.block_on(sim.shutdown());
    }
    result
}

/// The next Ctrl-C or SIGTERM; false when signals cannot be received.
async fn stop_signal() -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            r = term.recv() => r.is_some(),
        },
        Err(_) => tokio::signal::ctrl_c().await.is_ok(),
    }
}

fn run_with(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    opened: &Opened,
    interrupt: Arc<AtomicBool>,
) -> Result<(), Failure> {
    let mut clusters = opened.clusters(&plan.settings.aliases, interrupt.clone())?;
    if let Some(recorder) = &plan.dry_run {
        clusters = clusters.with_plan(recorder.clone());
    }
    let backend_label = &opened.label;
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
            .with_vars(plan.settings.vars.clone())
            .with_default_timeout(plan.settings.timeout)
            .with_env_allow(plan.settings.env_allow.iter().cloned())
            .with_allow_http(plan.settings.allow_http)
            .with_interrupt(interrupt),
    );
    let backend = Backend {
        clusters: Arc::new(clusters),
        runtime: rt.handle().clone(),
    };
    // The static check first: a misspelled function or an undefined variable is found before
    // anything is applied, not after the steps before it ran.
    let checked = prims::engine(
        Arc::new(
            RunContext::new(&plan.playbook, reporter.clone()).with_vars(plan.settings.vars.clone()),
        ),
        None,
    );
    let diagnostics = script::check_file(&checked, &plan.playbook);
    if !diagnostics.is_empty() {
        for d in &diagnostics {
            eprintln!("{d}");
        }
        return Err(Failure::Failed(format!(
            "{} problem(s) found by `fedrun check`; nothing was applied",
            diagnostics.len()
        )));
    }
    unread_sets(plan)?;
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
        "fedrun{}: {} on {backend_label}; clusters: {}",
        if plan.dry_run.is_some() {
            " plan (dry run: nothing is written)"
        } else {
            ""
        },
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
    if let Some(recorder) = &plan.dry_run {
        let planned = recorder.plan();
        match plan.output {
            Output::Text => reporter.println(&planned.render()),
            Output::Json => println!("{}", planned.to_json()),
        }
        return match outcome {
            Ok(_) if planned.has_changes() => Err(Failure::ChangesPending),
            Ok(_) => Ok(()),
            Err(e) if e.diagnostic.configuration => Err(Failure::Usage(String::new())),
            Err(_) => Err(Failure::Failed(String::new())),
        };
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
        // Already printed; a configuration error keeps its exit code whenever it shows.
        Err(e) if e.diagnostic.configuration => Err(Failure::Usage(String::new())),
        Err(_) => Err(Failure::Failed(String::new())),
    }
}

/// Refuses `--set` keys the playbook never reads (`--set west_wieght=30` would otherwise be
/// ignored and the run revert to the defaults), before anything is applied. The playbook and
/// the modules beside it are scanned; one that reads `vars` dynamically accepts every key.
fn unread_sets(plan: &Plan) -> Result<(), Failure> {
    if plan.settings.vars.is_empty() {
        return Ok(());
    }
    let dir = plan
        .playbook
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut texts = vec![std::fs::read_to_string(&plan.playbook).unwrap_or_default()];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path != plan.playbook && path.extension().is_some_and(|e| e == "rhai") && path.is_file()
        {
            texts.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    let mut read = std::collections::BTreeSet::new();
    for text in &texts {
        match script::vars_read(text) {
            Some(names) => read.extend(names),
            None => return Ok(()),
        }
    }
    let unread: Vec<&String> = plan
        .settings
        .vars
        .keys()
        .filter(|k| !read.contains(*k))
        .collect();
    if unread.is_empty() {
        return Ok(());
    }
    let listed = |keys: Vec<&String>| {
        keys.iter()
            .map(|k| format!("--set {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Failure::Usage(format!(
        "{} not read by {}: nothing was applied (it and the scripts beside it read: {})",
        listed(unread),
        plan.playbook.display(),
        if read.is_empty() {
            "no --set value".to_string()
        } else {
            read.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    )))
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
    let settings = backend::settings(&args.backend)?;
    Ok(Plan {
        playbook,
        settings,
        output: args.output,
        verbose: args.verbose,
        dry_run: None,
    })
}
