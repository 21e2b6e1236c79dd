//! Command-line definitions (clap). Parsing only: validation and work happen in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fedrun",
    version,
    about = "Run service-mesh federation playbooks (Rhai) against kubeconfig contexts or simulated clusters",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  fedrun --sim playbooks/rosa-aro.rhai     run on built-in simulated clusters\n  fedrun playbooks/rosa-aro.rhai           run on your kubeconfig's contexts\n  fedrun check playbooks/*.rhai            compile without running\n  fedrun docs peer                         reference of the peer primitives"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a playbook (the same as `fedrun PLAYBOOK`).
    Run(RunArgs),
    /// What a playbook would change, per cluster, without writing anything (every write is a
    /// server-side dry run).
    #[command(
        after_help = "Exit status: 0 nothing would change, 3 changes are pending, 1 the plan failed, \
                      2 usage or configuration error (like `terraform plan -detailed-exitcode`, \
                      whose 2 is fedrun's usage error, so changes are 3)."
    )]
    Plan(RunArgs),
    /// Compile playbooks without running them: syntax errors, unknown functions, undefined variables.
    Check {
        #[arg(required = true, value_name = "PLAYBOOK")]
        playbooks: Vec<PathBuf>,
    },
    /// The reference of every primitive, or of one function or family (e.g. `peer`, `peer::connect`).
    Docs { name: Option<String> },
    /// Try federation steps one at a time: completion, help, history (`:help` inside).
    Repl(ReplArgs),
    /// The request graph of a mesh from its Prometheus: a table, and DOT / SVG files.
    Graph(GraphArgs),
    /// Check the federation of the kubeconfig's contexts (or --sim): every link, why one is down, and the fix.
    Doctor(DoctorArgs),
    /// Check federation manifests (YAML files, directories of them) without a cluster.
    Lint(LintArgs),
    /// The simulated clusters: serve them, show their state, or start over.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// A completion script for a shell (e.g. `fedrun completions bash > /etc/bash_completion.d/fedrun`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page, in roff (e.g. `fedrun man | man -l -`).
    Man,
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// The playbook to run.
    #[arg(value_name = "PLAYBOOK")]
    pub playbook: Option<PathBuf>,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Output format of the run summary.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Show each API operation.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args, Default)]
pub struct ReplArgs {
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Show each API operation.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Where scripts find their clusters, and the values they start with: shared by runs and the REPL.
#[derive(Debug, Args, Default)]
pub struct BackendArgs {
    /// Run against simulated clusters (a running `fedrun sim serve`, else started in-process).
    #[arg(long)]
    pub sim: bool,
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Use kubeconfig context CONTEXT for the playbook's cluster NAME (repeatable).
    #[arg(long = "context", value_name = "NAME=CONTEXT")]
    pub contexts: Vec<String>,
    /// A value for the playbook's `vars` map (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// An environment variable the playbook's `env()` may read, besides FEDRUN_* (repeatable).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// Let manifests be fetched over plain http:// from other hosts than this one.
    #[arg(long)]
    pub allow_http: bool,
    /// Default timeout of waits (e.g. 300s, 5m).
    #[arg(long, value_name = "DURATION", default_value = "300s")]
    pub timeout: String,
    /// Simulator state directory (default: $FEDRUN_STATE, else ~/.local/state/fedrun/sim).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// With --sim: the simulated clusters as name:provider pairs (default: those of the state
    /// directory, else rosa:aws,aro:azure,rog:gcp).
    #[arg(long, value_name = "LIST", requires = "sim")]
    pub clusters: Option<String>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub backend: BackendArgs,
    /// The cluster of the mesh.
    #[arg(long, value_name = "NAME", default_value = "rosa")]
    pub cluster: String,
    /// The mesh's control plane namespace (default: the cluster's only one).
    #[arg(long, value_name = "NAMESPACE")]
    pub mesh: Option<String>,
    /// How far back to look (a duration: 60s, 5m, 1h30m).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub window: String,
    /// Write the graph as Graphviz DOT to FILE.
    #[arg(long, value_name = "FILE")]
    pub dot: Option<PathBuf>,
    /// Write the graph as SVG to FILE (laid out by layout-rs; no Graphviz needed).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value_t = Findings::Text)]
    pub output: Findings,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// YAML manifests, or directories of them (read recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A value for the manifests' `${KEY}` placeholders, as `apply` substitutes them (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value_t = Findings::Text)]
    pub output: Findings,
}

/// How `doctor` and `lint` print their findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Findings {
    /// A table grouped by mesh pair.
    #[default]
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulated clusters over HTTPS until interrupted; writes DIR/kubeconfig.
    Serve(ServeArgs),
    /// Show the simulated clusters and whether a server is running on the state directory.
    Status {
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// Delete the simulator's state directory.
    Reset {
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// State directory (default: $FEDRUN_STATE, else ~/.local/state/fedrun/sim).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Clusters as name:provider pairs (providers: aws, azure, gcp).
    #[arg(long, value_name = "LIST")]
    pub clusters: Option<String>,
    /// Multiplies controllers' reconcile delays (0 = immediate).
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Delay added to every API request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,
    /// Injected failures, e.g. 503=0.1,429=0.05,reset=0.05,seed=7.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
}
