//! Helpers every playbook needs that are not about a cluster: steps, environment, `--set`
//! values, sleeping, reading a file beside the playbook, jsonpath and failing on purpose.
//!
//! Each is registered with `FuncRegistration` so its `///` text and parameter names appear in
//! `fedrun docs` and the REPL's help, exactly like the primitives'.

use super::context::{CANCELLED, OPERATIONS, RunContext, cancelled_error};
use super::error::{PrimitiveError, describe, innermost, is_interruption};
use super::value::to_json;
use crate::report::StepStatus;
use rhai::{
    CustomType, Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, INT, Map,
    NativeCallContext, Scope, TypeBuilder,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<EvalAltResult>>;

/// Largest file `read_file` returns.
pub(crate) const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;

/// Longest a single `sleep` may last.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);

/// The scope a playbook starts with: the constant `vars`, a map of the `--set` values.
/// `run_file` and `check_file` use it; the REPL should too.
pub fn base_scope(ctx: &RunContext) -> Scope<'static> {
    let mut scope = Scope::new();
    let vars: Map = ctx
        .vars
        .iter()
        .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
        .collect();
    scope.push_constant("vars", vars);
    scope
}

/// Registers the built-in helpers.
pub(crate) fn register(engine: &mut Engine, ctx: &Arc<RunContext>) {
    register_step(engine, ctx);
    register_parallel(engine, ctx);
    register_env(engine, ctx);
    register_sleep(engine, ctx);
    register_files(engine, ctx);
    register_errors(engine);
}

fn register_step(engine: &mut Engine, ctx: &Arc<RunContext>) {
    let c = ctx.clone();
    FuncRegistration::new("step")
        .with_comments([
            "/// Runs `body` as a named, timed step: shown with a spinner (or a plain line), counted in\n\
             /// the summary, and named in the error if it fails. Returns what `body` returns.\n\
             /// `step(\"Exchange CA roots\", || { cert::trust(stg, prod.name, ca); });`",
        ])
        .with_params_info(["name: &str", "body: FnPtr", "Dynamic"])
        .register_into_engine(engine, move |call: NativeCallContext, name: &str, body: FnPtr| -> Res<Dynamic> {
            c.check_interrupt()?;
            let slot = c.start_step(name);
            let result = body.call_within_context::<Dynamic>(&call, ());
            match &result {
                Ok(_) => c.finish_step(slot, StepStatus::Ok, None),
                Err(err) => {
                    let inner = innermost(err);
                    let status = if is_interruption(inner) || c.is_interrupted() {
                        StepStatus::Interrupted
                    } else {
                        StepStatus::Failed
                    };
                    c.finish_step(slot, status, Some(describe(call.engine(), inner).0));
                }
            }
            result
        });
}

fn register_parallel(engine: &mut Engine, ctx: &Arc<RunContext>) {
    let c = ctx.clone();
    FuncRegistration::new("parallel")
        .with_comments([
            "/// Runs each closure of `bodies` at the same time and returns their results, in order.\n\
             /// For work on different clusters, which is independent: both meshes install at once.\n\
             /// Each branch works on its own copy of the variables it captures (assigning to them does\n\
             /// not reach the caller, so branches cannot race): hand results back by returning them.\n\
             /// If a branch fails, the others stop at their next statement or cluster call (what they\n\
             /// applied stays) and `parallel` fails with that first failure. At most 16 branches run at\n\
             /// once over the whole run, nested `parallel` calls included: the others wait their\n\
             /// turn (a call that finds no free thread runs its branches one after the other).\n\
             /// `let meshes = parallel([|| ossm::mesh(rosa, \"prod\", [], []), || ossm::mesh(aro, \"stg\", [], [])]);`",
        ])
        .with_params_info(["bodies: Array", "Array"])
        .register_into_engine(engine, move |call: NativeCallContext, bodies: rhai::Array| -> Res<rhai::Array> {
            let bodies = bodies
                .into_iter()
                .enumerate()
                .map(|(i, body)| closure(body, &format!("item {}", i + 1)).map(|f| isolated(&f)))
                .collect::<Result<Vec<_>, _>>()?;
            run_parallel(&c, &call, bodies.len(), |i| bodies[i].call_within_context(&call, ()))
        });
    let c = ctx.clone();
    FuncRegistration::new("parallel")
        .with_comments([
            "/// Calls `f(item)` for every item of `items` at the same time and returns the results, in\n\
             /// order: `parallel(clusters, |c| mesh::operators(c))`. Failures as for `parallel(bodies)`.",
        ])
        .with_params_info(["items: Array", "f: FnPtr", "Array"])
        .register_into_engine(engine, move |call: NativeCallContext, items: rhai::Array, f: FnPtr| -> Res<rhai::Array> {
            let branches: Vec<(FnPtr, Dynamic)> =
                items.iter().map(|item| (isolated(&f), item.flatten_clone())).collect();
            run_parallel(&c, &call, branches.len(), |i| {
                let (f, item) = &branches[i];
                f.call_within_context(&call, (item.clone(),))
            })
        });
}

fn closure(value: Dynamic, what: &str) -> Result<FnPtr, PrimitiveError> {
    let kind = value.type_name();
    value.try_cast::<FnPtr>().ok_or_else(|| {
        PrimitiveError::new(format!(
            "parallel: {what} is {kind}, not a closure (write `|| ...`)"
        ))
    })
}

/// `f` with its own copies of the variables it captured. A closure shares what it captures with
/// its caller (behind a lock Rhai does not wait on), so two branches using one variable would
/// fail with "data race" at random; copies cannot.
fn isolated(f: &FnPtr) -> FnPtr {
    let mut copy = f.clone();
    copy.set_curry(f.iter_curry().map(Dynamic::flatten_clone));
    copy
}

/// Runs `branch(0..n)`: the calling thread runs branches itself, helped by as many threads as
/// the run has room for (at most [`MAX_THREADS`](super::context::MAX_THREADS) run script code at once over the whole run,
/// however deeply `parallel` calls nest). Nobody waits for a thread: a call that gets no helper
/// runs its branches one after the other, so nested calls cannot deadlock, and a thread that
/// cannot be started (the system is out of threads or memory) only means one helper fewer.
/// Each branch nests its steps under the caller's step. The first branch to fail stops the
/// others (as a `try_join` would: a wait in a sibling must not hold up the failure for its
/// whole timeout) and its error is the call's; the others' are warned about.
fn run_parallel(
    ctx: &RunContext,
    call: &NativeCallContext,
    n: usize,
    branch: impl Fn(usize) -> Res<Dynamic> + Sync,
) -> Res<rhai::Array> {
    ctx.check_interrupt()?;
    let parent = ctx.current_step();
    let stop = Arc::new(AtomicBool::new(false));
    let mut stops = RunContext::branch_stops();
    stops.push(stop.clone());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let first_failure = std::sync::Mutex::new(None::<usize>);
    let results: Vec<std::sync::Mutex<Option<Res<Dynamic>>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    // Takes the next branch until none is left.
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = results.get(i) else { break };
            let result = if RunContext::branch_stopped() {
                Err(cancelled_error())
            } else {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| branch(i))).unwrap_or_else(
                    |_| Err(PrimitiveError::new("parallel: a branch panicked").into()),
                )
            };
            if result.is_err() {
                let mut first = first_failure.lock().unwrap_or_else(|p| p.into_inner());
                if first.is_none() && !RunContext::branch_stopped() {
                    *first = Some(i);
                    stop.store(true, Ordering::Relaxed);
                }
            }
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..n {
            let Some(thread_slot) = ctx.try_thread_slot() else {
                break;
            };
            let (work, stops) = (&work, stops.clone());
            let helper = move || {
                let _slot = thread_slot;
                RunContext::enter_branch(parent, stops);
                work();
            };
            if let Err(e) = spawn_helper(scope, helper) {
                ctx.reporter.debug(&format!(
                    "parallel: cannot start a thread ({e}); running the branches on fewer"
                ));
                break;
            }
        }
        let saved = RunContext::enter_branch(parent, stops.clone());
        work();
        RunContext::leave_branch(saved);
    });
    let first = first_failure
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let mut values = rhai::Array::with_capacity(n);
    let mut error = None;
    for (i, slot) in results.into_iter().enumerate() {
        match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(Ok(value)) => values.push(value),
            None => values.push(Dynamic::UNIT),
            // Stopped by an enclosing `parallel`: no failure of its own to report.
            Some(Err(err)) if first.is_none() => {
                error.get_or_insert(err);
            }
            Some(Err(err)) if first == Some(i) => error = Some(err),
            Some(Err(err)) => {
                let inner = innermost(&err);
                if !is_cancelled(inner) && !is_budget(inner) {
                    ctx.reporter.warn(&format!(
                        "parallel: branch {} failed too: {}",
                        i + 1,
                        describe(call.engine(), inner).0
                    ));
                }
            }
        }
    }
    match error {
        Some(err) => Err(err),
        None => Ok(values),
    }
}

#[cfg(test)]
thread_local! {
    /// Tests: make starting a helper thread fail, as when the system is out of threads.
    static FAIL_SPAWN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Tests: whether `parallel` calls made by this thread fail to start helper threads.
#[cfg(test)]
pub(crate) fn fail_thread_spawns(fail: bool) {
    FAIL_SPAWN.with(|f| f.set(fail));
}

/// Starts a helper thread; an error (never a panic) when the system cannot.
fn spawn_helper<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    helper: impl FnOnce() + Send + 'scope,
) -> std::io::Result<()> {
    #[cfg(test)]
    if FAIL_SPAWN.with(std::cell::Cell::get) {
        return Err(std::io::Error::other("simulated: no more threads"));
    }
    std::thread::Builder::new()
        .name("fedrun-parallel".to_string())
        .spawn_scoped(scope, helper)
        .map(|_| ())
}

/// Whether a branch ended because the run's operation budget is spent (its siblings then
/// stop for the same reason: one message is enough).
fn is_budget(err: &EvalAltResult) -> bool {
    matches!(err, EvalAltResult::ErrorTerminated(token, _)
        if token.clone().into_string().is_ok_and(|t| t == OPERATIONS))
}

/// Whether a branch ended because a sibling failed.
fn is_cancelled(err: &EvalAltResult) -> bool {
    matches!(err, EvalAltResult::ErrorTerminated(token, _)
        if token.clone().into_string().is_ok_and(|t| t == CANCELLED))
}

fn register_env(engine: &mut Engine, ctx: &Arc<RunContext>) {
    let c = ctx.clone();
    FuncRegistration::new("env")
        .with_comments(["/// The environment variable `name`, or `()` when it is not set. Only `FEDRUN_*` variables\n\
                         /// and those the user allows (`--env NAME`) can be read; any other fails.\n\
                         /// `let token = env(\"GITHUB_TOKEN\"); if token == () { fail(\"set GITHUB_TOKEN\"); }`"])
        .with_params_info(["name: &str", "Dynamic"])
        .register_into_engine(engine, move |name: &str| -> Res<Dynamic> {
            Ok(read_env(&c, name)?.map(Dynamic::from).unwrap_or(Dynamic::UNIT))
        });
    let c = ctx.clone();
    FuncRegistration::new("env")
        .with_comments(["/// The environment variable `name`, or `default` when it is not set (allowed variables\n\
                         /// only, as for `env(name)`). `let ns = env(\"FEDRUN_NAMESPACE\", \"prod-bookinfo\");`"])
        .with_params_info(["name: &str", "default: &str", "String"])
        .register_into_engine(engine, move |name: &str, default: &str| -> Res<String> {
            Ok(read_env(&c, name)?.unwrap_or_else(|| default.to_string()))
        });

    let c = ctx.clone();
    // `var` is a reserved word in Rhai, hence `var_or`.
    FuncRegistration::new("var_or")
        .with_comments(["/// The `--set name=value` value, or `default` when not given.\n/// `let mesh = var_or(\"mesh\", \"prod-mesh\");` (same as `vars.mesh ?? \"prod-mesh\"`)"])
        .with_params_info(["name: &str", "default: Dynamic", "Dynamic"])
        .register_into_engine(engine, move |name: &str, default: Dynamic| -> Dynamic {
            c.vars.get(name).cloned().map(Dynamic::from).unwrap_or(default)
        });
}

/// The environment variable `name` if the run may read it: a playbook reads only what its user
/// hands it (`FEDRUN_*`, `--env NAME`, `FEDRUN_ENV_ALLOW`), never the tokens and keys that
/// happen to be in the environment.
fn read_env(ctx: &RunContext, name: &str) -> Result<Option<String>, PrimitiveError> {
    if !ctx.env_allowed(name) {
        return Err(PrimitiveError::new(format!(
            "env: reading the environment variable {name:?} is not allowed"
        ))
        .with_hint(format!(
            "playbooks read only FEDRUN_* variables and those you allow: run with `--env {name}` \
             (or set FEDRUN_ENV_ALLOW={name}), or pass the value with `--set`"
        )));
    }
    Ok(std::env::var(name).ok())
}

/// Sleeps in short slices so Ctrl-C is noticed quickly.
fn interruptible_sleep(ctx: &RunContext, total: Duration) -> Res<()> {
    let deadline = Instant::now() + total;
    loop {
        ctx.check_interrupt()?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

fn checked_sleep(ctx: &RunContext, d: Duration) -> Res<()> {
    if d > MAX_SLEEP {
        return Err(PrimitiveError::new(format!(
            "sleep of {} is longer than 24h",
            crate::duration::format(d)
        ))
        .into());
    }
    interruptible_sleep(ctx, d)
}

fn register_sleep(engine: &mut Engine, ctx: &Arc<RunContext>) {
    let c = ctx.clone();
    FuncRegistration::new("sleep")
        .with_comments(["/// Pauses for a duration such as \"500ms\", \"5s\", \"2m\" or \"1h30m\". Ctrl-C interrupts it."])
        .with_params_info(["duration: &str"])
        .register_into_engine(engine, move |text: &str| -> Res<()> {
            let d = crate::duration::parse(text).map_err(|e| {
                PrimitiveError::new(format!("sleep: {e}")).with_hint("durations look like \"500ms\", \"5s\", \"2m\", \"1h30m\"")
            })?;
            checked_sleep(&c, d)
        });
    let c = ctx.clone();
    FuncRegistration::new("sleep")
        .with_comments(["/// Pauses for `seconds` seconds. Ctrl-C interrupts it."])
        .with_params_info(["seconds: INT"])
        .register_into_engine(engine, move |secs: INT| -> Res<()> {
            checked_sleep(&c, Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
        });
    let c = ctx.clone();
    FuncRegistration::new("sleep")
        .with_comments(["/// Pauses for `seconds` (fractional) seconds. Ctrl-C interrupts it."])
        .with_params_info(["seconds: FLOAT"])
        .register_into_engine(engine, move |secs: rhai::FLOAT| -> Res<()> {
            let d = Duration::try_from_secs_f64(secs.max(0.0))
                .unwrap_or(MAX_SLEEP + Duration::from_secs(1));
            checked_sleep(&c, d)
        });
}

fn register_files(engine: &mut Engine, ctx: &Arc<RunContext>) {
    let c = ctx.clone();
    FuncRegistration::new("read_file")
        .with_comments([
            "/// The text of a file, relative to the playbook's directory (which it may not leave).\n\
             /// Files larger than 4 MiB are refused. `let ca = read_file(\"certs/root.pem\");`",
        ])
        .with_params_info(["path: &str", "String"])
        .register_into_engine(engine, move |path: &str| -> Res<String> {
            let full = c.resolve_path(path)?;
            let meta = std::fs::metadata(&full)
                .map_err(|e| PrimitiveError::new(format!("read_file: cannot read {}: {e}", full.display())))?;
            if meta.len() > MAX_READ_BYTES {
                return Err(PrimitiveError::new(format!(
                    "read_file: {} is {} bytes, more than the {MAX_READ_BYTES}-byte limit",
                    full.display(),
                    meta.len()
                ))
                .into());
            }
            std::fs::read_to_string(&full)
                .map_err(|e| PrimitiveError::new(format!("read_file: cannot read {}: {e}", full.display())).into())
        });

    FuncRegistration::new("jsonpath")
        .with_comments([
            "/// Evaluates a kubectl jsonpath template against a map or array and returns the text,\n\
             /// as `kubectl -o jsonpath=...` prints it. `jsonpath(cm, \"{.data.root-cert\\\\.pem}\")`",
        ])
        .with_params_info(["value: Dynamic", "template: &str", "String"])
        .register_into_engine(engine, |value: Dynamic, template: &str| -> Res<String> {
            let json = to_json(&value)?;
            crate::jsonpath::render(template, &json)
                .map_err(|e| PrimitiveError::new(format!("jsonpath {template:?}: {e}")).into())
        });
}

fn register_errors(engine: &mut Engine) {
    FuncRegistration::new("fail")
        .with_comments(["/// Stops the playbook with `message` (inside a step: the step fails)."])
        .with_params_info(["message: &str"])
        .register_into_engine(engine, |message: &str| -> Res<()> { Err(message.into()) });

    // A failing primitive can be caught with `try { } catch (e) { }`: let scripts read it.
    engine.build_type::<PrimitiveError>();
}

impl CustomType for PrimitiveError {
    fn build(mut builder: TypeBuilder<Self>) {
        let optional = |text: &Option<String>| text.clone().map_or(Dynamic::UNIT, Dynamic::from);
        builder
            .with_name("PrimitiveError")
            // Used by `print(e)` and string interpolation; not listed in the reference.
            .on_print(|e| e.to_string())
            .on_debug(|e| format!("{e:?}"))
            .with_get("message", |e: &mut Self| e.message.clone())
            .and_comments(&["/// What went wrong (in `catch (e)` after a primitive failed)."])
            .with_get("cluster", move |e: &mut Self| optional(&e.cluster))
            .and_comments(&["/// The cluster the failed call talked to, or `()`."])
            .with_get("hint", move |e: &mut Self| optional(&e.hint))
            .and_comments(&["/// What to do about it, or `()`."]);
    }
}
