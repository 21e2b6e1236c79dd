//! `fedrun repl`: validate the backend flags, open the backend in the background (the prompt
//! never waits for a simulator to start), and hand over to the REPL loop.

use std::sync::Arc;

use super::backend;
use super::{Failure, runtime};
use crate::cli::ReplArgs;
use crate::repl::{self, Connection, Options, Session};
use crate::report::{Reporter, Stream};
use crate::script::RunContext;

pub fn run(args: ReplArgs) -> Result<(), Failure> {
    let settings = backend::settings(&args.backend)?;
    let rt = runtime()?;
    let label = settings.target.short_label();

    // Relative paths (manifests, `:load`, imports) start in the current directory; objects
    // written from the REPL carry `fedrun.io/playbook: repl`.
    let dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let ctx = RunContext::new(
        &dir.join("repl.rhai"),
        Reporter::new(Stream::Stdout, args.verbose),
    )
    .with_vars(settings.vars.clone())
    .with_default_timeout(settings.timeout)
    .with_env_allow(settings.env_allow.iter().cloned())
    .with_allow_http(settings.allow_http);
    // Connect lazily: the first input that needs a cluster waits for this, the prompt does not.
    let (target, aliases, interrupt) = (
        settings.target.clone(),
        settings.aliases.clone(),
        ctx.interrupt.clone(),
    );
    let opening = rt.spawn(async move {
        let opened = backend::open(target).await.map_err(Failure::message)?;
        let clusters = opened
            .clusters(&aliases, interrupt)
            .map_err(Failure::message)?;
        let close = opened
            .simulator
            .map(|sim| -> futures::future::BoxFuture<'static, ()> { Box::pin(sim.shutdown()) });
        Ok(Connection { clusters, close })
    });
    let session = Session::new(Arc::new(ctx), rt.handle().clone(), opening);
    let options = Options {
        label,
        history: repl::history_path(),
        color: crate::report::color::enabled(Stream::Stdout),
    };
    let result = repl::run(session, options, rt.handle()).map_err(Failure::Failed);
    // Background tasks (the Ctrl-C handler, an idle simulator) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}
