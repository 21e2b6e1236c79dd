//! The subcommands: each file turns validated arguments into library calls and an exit code.

pub mod backend;
pub mod check;
pub mod docs;
pub mod doctor;
pub mod graph;
pub mod manual;
pub mod plan;
pub mod repl;
pub mod run;
pub mod sim;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// Why a command did not succeed; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or configuration, found before any work (exit 2).
    Usage(String),
    /// The work itself failed (exit 1); the message was already printed when empty.
    Failed(String),
    /// `fedrun plan` succeeded and found changes to apply (exit 3; see `fedrun plan --help`).
    ChangesPending,
}

impl Failure {
    /// What went wrong, whatever the exit code.
    pub fn message(self) -> String {
        match self {
            Failure::Usage(m) | Failure::Failed(m) => m,
            Failure::ChangesPending => "changes are pending".to_string(),
        }
    }

    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Failed(_) => ExitCode::from(1),
            Failure::ChangesPending => ExitCode::from(3),
        }
    }
}

/// Parses the command line, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    let verbose = cli.run.verbose
        || matches!(&cli.command, Some(Command::Run(a)) if a.verbose)
        || matches!(&cli.command, Some(Command::Plan(a)) if a.verbose)
        || matches!(&cli.command, Some(Command::Repl(a)) if a.verbose);
    init_logging(verbose);
    let result = match cli.command {
        Some(Command::Sim { command }) => sim::run(command),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Plan(args)) => plan::run(args),
        Some(Command::Check { playbooks }) => check::run(playbooks),
        Some(Command::Docs { name }) => docs::run(name),
        Some(Command::Repl(args)) => repl::run(args),
        Some(Command::Graph(args)) => graph::run(args),
        Some(Command::Doctor(args)) => doctor::doctor(args),
        Some(Command::Lint(args)) => doctor::lint(args),
        Some(Command::Completions { shell }) => manual::completions(shell),
        Some(Command::Man) => manual::man(),
        None => run::run(cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            match &failure {
                Failure::Usage(m) | Failure::Failed(m) if !m.is_empty() => eprintln!("error: {m}"),
                Failure::Usage(_) | Failure::Failed(_) | Failure::ChangesPending => {}
            }
            failure.exit_code()
        }
    }
}

/// `fedrun repl | head`, `fedrun docs | less` quit early: Rust ignores SIGPIPE, so `println!`
/// then panics on the broken pipe. A closed standard output means the reader has what it
/// wanted: exit at once, quietly, with the status a shell gives a process ended by SIGPIPE.
fn quiet_on_closed_stdout() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        previous(info);
    }));
}

fn init_logging(verbose: bool) {
    let default = if verbose {
        "fedrun=debug"
    } else {
        "fedrun=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FEDRUN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::report::color::enabled(crate::report::Stream::Stderr))
        .without_time()
        .try_init();
}

/// The simulator's state directory: the flag, else `$FEDRUN_STATE`, else the platform state dir.
pub fn state_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir;
    }
    if let Some(dir) = std::env::var_os("FEDRUN_STATE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("fedrun").join("sim")
}

/// A multi-threaded tokio runtime; the script engine stays on the calling thread and reaches it
/// through its handle.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("fedrun-io")
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))
}
