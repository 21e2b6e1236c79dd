//! The one place the Rhai engine is configured.
//!
//! Playbooks come from other teams and CI, so the engine is a sandbox: bounded operations, call
//! depth, expression depth, data sizes and imports; no `eval`; strict variables so that
//! `fedrun check` catches typos. Output goes through the [`Reporter`](crate::report::Reporter)
//! and Ctrl-C stops the script at the next operation.

use super::builtins;
use super::context::{CANCELLED, INTERRUPTED, RunContext};
use super::growth;
use super::resolver::PlaybookResolver;
use rhai::{Dynamic, Engine};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Sandbox limits. The defaults are generous for real playbooks (which spend their time in
/// primitives, not in script loops) and stop a `loop {}` within about a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Script operations per run or module load.
    pub max_operations: u64,
    /// Nested function calls.
    pub max_call_levels: usize,
    /// Expression nesting at the top level.
    pub max_expr_depth: usize,
    /// Expression nesting inside functions.
    pub max_function_expr_depth: usize,
    /// Bytes in one string.
    pub max_string_size: usize,
    /// Items in one array.
    pub max_array_size: usize,
    /// Entries in one object map.
    pub max_map_size: usize,
    /// Modules imported.
    pub max_modules: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 5_000_000,
            max_call_levels: 64,
            max_expr_depth: 64,
            max_function_expr_depth: 48,
            max_string_size: 8 * 1024 * 1024,
            max_array_size: 100_000,
            max_map_size: 100_000,
            max_modules: 64,
        }
    }
}

/// Builds the engine for a run with the default [`Limits`]. `register` adds the primitive
/// families (and runs after the built-ins, so it may override them).
pub fn build_engine(ctx: Arc<RunContext>, register: &dyn Fn(&mut Engine)) -> Engine {
    build_engine_with_limits(ctx, Limits::default(), register)
}

/// [`build_engine`] with explicit limits (tests, or a future `--max-operations`).
pub fn build_engine_with_limits(
    ctx: Arc<RunContext>,
    limits: Limits,
    register: &dyn Fn(&mut Engine),
) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(limits.max_modules)
        .set_strict_variables(true);
    // `eval` would run code that `fedrun check` never saw.
    engine.disable_symbol("eval");

    engine.set_module_resolver(PlaybookResolver::new(ctx.dir.clone()));

    let reporter = ctx.reporter.clone();
    engine.on_print(move |text| reporter.println(text));
    let reporter = ctx.reporter.clone();
    engine.on_debug(move |text, source, pos| {
        let at = match (source, pos.line()) {
            (Some(src), Some(line)) => format!("{src}:{line}: "),
            (None, Some(line)) => format!("line {line}: "),
            _ => String::new(),
        };
        reporter.debug(&format!("debug: {at}{text}"));
    });
    // One operation budget for the whole run: Rhai's own count restarts in every `parallel`
    // branch (each runs on a copy of its caller's state), so the run counts across threads.
    let run = ctx.clone();
    let max_operations = limits.max_operations;
    engine.on_progress(move |count| {
        if run.interrupt.load(Ordering::Relaxed) {
            Some(Dynamic::from(INTERRUPTED))
        } else if RunContext::branch_stopped() {
            Some(Dynamic::from(CANCELLED))
        } else {
            run.count_operation(count, max_operations)
                .map(Dynamic::from)
        }
    });

    builtins::register(&mut engine, &ctx);
    growth::register(&mut engine);
    register(&mut engine);
    engine
}
