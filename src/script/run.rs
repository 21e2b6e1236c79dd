//! Running a playbook file from start to end.

use super::builtins::base_scope;
use super::compile::compile_to_run;
use super::context::RunContext;
use super::error::{Diagnostic, RunError, describe, diagnose_eval, innermost, is_interruption};
use crate::report::RunSummary;
use rhai::{Engine, Position};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Largest playbook file accepted.
const MAX_PLAYBOOK_BYTES: u64 = 4 * 1024 * 1024;

/// Reads the playbook, or explains why not (as a diagnostic without a position).
pub(crate) fn read_playbook(path: &Path) -> Result<String, Box<Diagnostic>> {
    let label = path.display().to_string();
    let fail = |message: String| Box::new(Diagnostic::at(&label, None, Position::NONE, message));
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_PLAYBOOK_BYTES => {
            return Err(fail(format!(
                "playbook is {} bytes, more than {MAX_PLAYBOOK_BYTES}",
                m.len()
            )));
        }
        Ok(m) if !m.is_file() => return Err(fail("not a file".to_string())),
        Ok(_) => {}
        Err(e) => return Err(fail(format!("cannot read playbook: {e}"))),
    }
    std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read playbook: {e}")))
}

/// Compiles and runs the playbook at `path` with `engine` (built by
/// [`build_engine`](super::build_engine) from the same `ctx`). Returns the step summary, or a
/// located error that carries the summary of the steps that did run.
pub fn run_file(
    engine: &Engine,
    ctx: &Arc<RunContext>,
    path: &Path,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let label = path.display().to_string();
    let fail = |diagnostic: Box<Diagnostic>, interrupted: bool| RunError {
        diagnostic,
        summary: ctx.summary(started.elapsed(), false),
        interrupted,
    };
    let source = read_playbook(path).map_err(|d| fail(d, false))?;
    let mut scope = base_scope(ctx);
    let mut ast = compile_to_run(engine, &scope, &source, &label)
        .map_err(|e| fail(Box::new(e.diagnostic(engine, &label, &source)), false))?;
    ast.set_source(label.as_str());

    match engine.run_ast_with_scope(&mut scope, &ast) {
        Ok(()) => Ok(ctx.summary(started.elapsed(), true)),
        Err(err) => {
            let inner = innermost(&err);
            let interrupted = is_interruption(inner) || ctx.is_interrupted();
            let mut diagnostic = Box::new(diagnose_eval(engine, &err, &label, &source));
            let message = describe(engine, inner).0;
            if let Some(steps) = ctx.failed_steps(&message) {
                diagnostic.steps = steps;
            }
            if interrupted {
                diagnostic.message = match diagnostic.steps.last() {
                    Some(step) => format!("interrupted (Ctrl-C) during step \"{step}\""),
                    None => "interrupted (Ctrl-C)".to_string(),
                };
            }
            Err(fail(diagnostic, interrupted))
        }
    }
}
