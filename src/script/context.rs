//! The state one playbook run shares between the engine, the built-ins and the primitives.
//!
//! Primitives receive an `Arc<RunContext>` when they are registered: it tells them the playbook
//! name (for the `fedrun.io/playbook` label), where relative paths start, the `--set` values and
//! the default timeout; they call [`RunContext::check_interrupt`] between API calls and
//! [`RunContext::note_write`] after each write so steps can report what changed.

use super::error::PrimitiveError;
use crate::report::{Reporter, RunSummary, StepRecord, StepStatus};
use rhai::{Dynamic, EvalAltResult, Position};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// The token Rhai carries in `ErrorTerminated` when a run is interrupted.
pub(crate) const INTERRUPTED: &str = "interrupted";
/// What a `parallel` branch stopped because another one failed ends with.
pub(crate) const CANCELLED: &str = "stopped: another branch of `parallel` failed";
/// The token Rhai carries in `ErrorTerminated` when the run's operation budget is spent (in any
/// thread: `parallel` branches draw from the same budget).
pub(crate) const OPERATIONS: &str = "sandbox limit: operations";

/// Most threads running script code at once over a whole run: the run's own thread and the
/// helpers of every `parallel` call, however deeply nested.
pub(crate) const MAX_THREADS: usize = 16;

/// Environment variables a playbook may always read with `env()`.
pub const ENV_ALWAYS_ALLOWED_PREFIX: &str = "FEDRUN_";
/// Names (comma-separated) of further environment variables `env()` may read, until the CLI
/// passes `--env NAME` into [`RunContext::with_env_allow`].
pub const ENV_ALLOW_VAR: &str = "FEDRUN_ENV_ALLOW";
/// Set to `1` (or `true`) to let manifests be fetched over plain `http://`, until the CLI passes
/// its flag into [`RunContext::with_allow_http`].
pub const ALLOW_HTTP_VAR: &str = "FEDRUN_ALLOW_HTTP_MANIFESTS";

/// Everything a playbook run shares. Build with [`RunContext::new`] and the `with_*` methods.
#[derive(Debug)]
pub struct RunContext {
    /// Playbook name (file stem), used for the `fedrun.io/playbook` label.
    pub playbook: String,
    /// Directory of the playbook: relative paths and `import`s start here and may not leave it.
    pub dir: PathBuf,
    /// `--set KEY=VALUE` values, visible to scripts as `vars.name` and `var_or(name, default)`.
    pub vars: BTreeMap<String, String>,
    /// Default timeout for waits (`--timeout`).
    pub default_timeout: Duration,
    /// Set by the Ctrl-C handler; the run stops at the next operation or API call.
    pub interrupt: Arc<AtomicBool>,
    /// Where output goes.
    pub reporter: Reporter,
    /// Environment variables `env()` may read besides `FEDRUN_*` (`--env NAME`, and the names
    /// listed in `FEDRUN_ENV_ALLOW`). Any other is refused: a playbook cannot read secrets it
    /// was not given.
    pub env_allow: BTreeSet<String>,
    /// Whether manifests may be fetched over plain `http://` (else only `https://`).
    pub allow_http: bool,
    steps: Mutex<StepLog>,
    /// Script operations of the current evaluation, over every thread.
    operations: AtomicU64,
    /// Helper threads of `parallel` calls running now, over the whole run.
    helpers: AtomicUsize,
}

#[derive(Debug, Default)]
struct StepLog {
    /// Finished steps (and placeholders for running ones), in start order.
    records: Vec<Option<StepRecord>>,
    /// Steps currently running, in start order. Branches of `parallel` run steps at the same
    /// time, so "the innermost step" is per thread: see [`StepLog::current`].
    active: Vec<ActiveStep>,
    /// Writes over the whole run.
    changed: u32,
    unchanged: u32,
    /// Where steps failed: step names outermost first, and the innermost error message, so the
    /// renderer can tell a step failure from a later error. Several, because steps in `parallel`
    /// branches can fail at once while the error that ends the run is one of theirs.
    failures: Vec<(Vec<String>, String)>,
}

#[derive(Debug)]
struct ActiveStep {
    slot: usize,
    /// The step this one runs inside, if any.
    parent: Option<usize>,
    depth: usize,
    thread: ThreadId,
    name: String,
    started: Instant,
    changed: u32,
    unchanged: u32,
}

thread_local! {
    /// In a `parallel` branch's thread: the step that was running where `parallel` was called, so
    /// that steps and writes inside the branch nest under it.
    static BRANCH_PARENT: Cell<Option<usize>> = const { Cell::new(None) };
    /// In a `parallel` branch's thread: the stop flags of the `parallel` calls it runs under,
    /// outermost first. One set means a sibling branch failed: this one stops at its next step.
    static BRANCH_STOPS: RefCell<Vec<Arc<AtomicBool>>> = const { RefCell::new(Vec::new()) };
    /// Modules being evaluated by the calling thread (each evaluation counts its operations
    /// from zero, which must not be taken for the start of a new run).
    static MODULE_LOADS: Cell<usize> = const { Cell::new(0) };
}

/// Marks the calling thread as evaluating a module while it lives.
pub(crate) struct ModuleLoad(());

impl ModuleLoad {
    pub(crate) fn start() -> ModuleLoad {
        MODULE_LOADS.with(|n| n.set(n.get() + 1));
        ModuleLoad(())
    }
}

impl Drop for ModuleLoad {
    fn drop(&mut self) {
        MODULE_LOADS.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// A helper thread's place among the run's [`MAX_THREADS`]; given back when dropped.
pub(crate) struct ThreadSlot<'a>(&'a AtomicUsize);

impl Drop for ThreadSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl StepLog {
    fn find(&self, slot: usize) -> Option<usize> {
        self.active.iter().rposition(|s| s.slot == slot)
    }

    /// The index in `active` of the innermost running step of the calling thread.
    fn current(&self) -> Option<usize> {
        let me = std::thread::current().id();
        self.active
            .iter()
            .rposition(|s| s.thread == me)
            .or_else(|| {
                BRANCH_PARENT
                    .with(Cell::get)
                    .and_then(|slot| self.find(slot))
            })
    }

    /// Step names from the outermost down to `index`.
    fn path(&self, index: usize) -> Vec<String> {
        let mut names = vec![self.active[index].name.clone()];
        let mut parent = self.active[index].parent;
        while let Some(i) = parent.and_then(|slot| self.find(slot)) {
            names.push(self.active[i].name.clone());
            parent = self.active[i].parent;
        }
        names.reverse();
        names
    }
}

impl RunContext {
    /// A context for the playbook at `playbook_path`: its stem names the playbook and its parent
    /// directory roots relative paths. No `--set` values, a 300 s default timeout, a fresh
    /// interrupt flag.
    pub fn new(playbook_path: &Path, reporter: Reporter) -> RunContext {
        let playbook = playbook_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "playbook".to_string());
        let dir = match playbook_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let env_allow = std::env::var(ENV_ALLOW_VAR)
            .map(|list| parse_env_allow(&list))
            .unwrap_or_default();
        let allow_http =
            std::env::var(ALLOW_HTTP_VAR).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        RunContext {
            playbook,
            dir,
            vars: BTreeMap::new(),
            default_timeout: Duration::from_secs(300),
            interrupt: Arc::new(AtomicBool::new(false)),
            reporter,
            env_allow,
            allow_http,
            steps: Mutex::new(StepLog::default()),
            operations: AtomicU64::new(0),
            helpers: AtomicUsize::new(0),
        }
    }

    /// Lets `env()` read these variables too (the CLI's repeatable `--env NAME`).
    pub fn with_env_allow<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.env_allow.extend(names.into_iter().map(Into::into));
        self
    }

    /// Lets manifests be fetched over plain `http://` (the CLI's `--allow-http`).
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Whether `env()` may read the variable `name`: `FEDRUN_*`, or allowed by name.
    pub fn env_allowed(&self, name: &str) -> bool {
        (name.starts_with(ENV_ALWAYS_ALLOWED_PREFIX)
            && name.len() > ENV_ALWAYS_ALLOWED_PREFIX.len())
            || self.env_allow.contains(name)
    }

    /// Counts one script operation (Rhai's progress callback calls it for every operation, in
    /// every thread) and returns the budget error token once the run has used more than `max`.
    ///
    /// Rhai counts per evaluation state, and a `parallel` branch runs on a copy of its caller's
    /// state: branches would each get a fresh budget. The count here is shared by every thread.
    /// A top-level evaluation (a run, a REPL line) starts with operation 1 on a thread that is
    /// neither a branch nor loading a module; the count starts over then.
    pub(crate) fn count_operation(&self, rhai_count: u64, max: u64) -> Option<&'static str> {
        if rhai_count == 1 && Self::branch_stops().is_empty() && MODULE_LOADS.with(Cell::get) == 0 {
            self.operations.store(0, Ordering::Relaxed);
        }
        let total = self.operations.fetch_add(1, Ordering::Relaxed) + 1;
        (max > 0 && total > max).then_some(OPERATIONS)
    }

    /// Operations counted so far in the current evaluation, over every thread.
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// A place for one more helper thread, if the run has fewer than [`MAX_THREADS`] running
    /// (its own thread counts as one).
    pub(crate) fn try_thread_slot(&self) -> Option<ThreadSlot<'_>> {
        self.helpers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n + 1 < MAX_THREADS).then_some(n + 1)
            })
            .ok()
            .map(|_| ThreadSlot(&self.helpers))
    }

    /// Sets the `--set` values.
    pub fn with_vars(mut self, vars: BTreeMap<String, String>) -> Self {
        self.vars = vars;
        self
    }

    /// Sets the default wait timeout.
    pub fn with_default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Shares the interrupt flag a Ctrl-C handler sets.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = flag;
        self
    }

    fn log(&self) -> MutexGuard<'_, StepLog> {
        self.steps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether Ctrl-C was pressed.
    pub fn is_interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
    }

    /// Returns the "interrupted" error if Ctrl-C was pressed. Primitives call it between API
    /// calls so a run stops at a clean point.
    pub fn check_interrupt(&self) -> Result<(), Box<EvalAltResult>> {
        if self.is_interrupted() {
            Err(interrupted_error())
        } else if Self::branch_stopped() {
            Err(cancelled_error())
        } else {
            Ok(())
        }
    }

    /// Records that a write happened and whether it changed anything. Counts go to the innermost
    /// running step (and, when it ends, to its parents) and to the run's totals.
    pub fn note_write(&self, changed: bool) {
        let mut log = self.log();
        let (c, u) = (u32::from(changed), u32::from(!changed));
        log.changed += c;
        log.unchanged += u;
        if let Some(i) = log.current() {
            log.active[i].changed += c;
            log.active[i].unchanged += u;
        }
    }

    /// The names of the calling thread's running steps, outermost first.
    pub fn current_steps(&self) -> Vec<String> {
        let log = self.log();
        log.current().map(|i| log.path(i)).unwrap_or_default()
    }

    /// The step running on this thread, which a `parallel` branch started from it inherits.
    pub(crate) fn current_step(&self) -> Option<usize> {
        let log = self.log();
        log.current().map(|i| log.active[i].slot)
    }

    /// Makes the calling thread (a `parallel` branch) run inside step `slot`, stopping when one
    /// of `stops` is set. Returns what it ran under before, for [`RunContext::leave_branch`].
    pub(crate) fn enter_branch(
        slot: Option<usize>,
        stops: Vec<Arc<AtomicBool>>,
    ) -> (Option<usize>, Vec<Arc<AtomicBool>>) {
        let parent = BRANCH_PARENT.with(|p| p.replace(slot));
        let stops = BRANCH_STOPS.with(|s| std::mem::replace(&mut *s.borrow_mut(), stops));
        (parent, stops)
    }

    /// Restores what [`RunContext::enter_branch`] returned.
    pub(crate) fn leave_branch(saved: (Option<usize>, Vec<Arc<AtomicBool>>)) {
        BRANCH_PARENT.with(|p| p.set(saved.0));
        BRANCH_STOPS.with(|s| *s.borrow_mut() = saved.1);
    }

    /// The stop flags the calling thread runs under (none outside `parallel`).
    pub(crate) fn branch_stops() -> Vec<Arc<AtomicBool>> {
        BRANCH_STOPS.with(|s| s.borrow().clone())
    }

    /// Whether the calling thread is a `parallel` branch that must stop.
    pub(crate) fn branch_stopped() -> bool {
        BRANCH_STOPS.with(|s| s.borrow().iter().any(|f| f.load(Ordering::Relaxed)))
    }

    /// Resolves `relative` inside the playbook directory, refusing absolute paths, `..`,
    /// symbolic links that lead outside it, and what is not a regular file: a FIFO or a device
    /// would block the read for ever. Primitives use it for the files they read.
    pub fn resolve_path(&self, relative: &str) -> Result<PathBuf, PrimitiveError> {
        let path = resolve_inside(&self.dir, relative)?;
        regular_file(&path)?;
        Ok(path)
    }

    /// Starts a step: reports it and returns its slot for [`RunContext::finish_step`].
    pub(crate) fn start_step(&self, name: &str) -> usize {
        let mut log = self.log();
        let slot = log.records.len();
        log.records.push(None);
        let parent = log.current().map(|i| &log.active[i]);
        let depth = parent.map_or(0, |p| p.depth + 1);
        let parent = parent.map(|p| p.slot);
        log.active.push(ActiveStep {
            slot,
            parent,
            depth,
            thread: std::thread::current().id(),
            name: name.to_string(),
            started: Instant::now(),
            changed: 0,
            unchanged: 0,
        });
        drop(log);
        self.reporter.step_started(slot, depth, name);
        slot
    }

    /// Ends the innermost step. `failure` is the innermost error message when it failed.
    pub(crate) fn finish_step(&self, slot: usize, status: StepStatus, failure: Option<String>) {
        let mut log = self.log();
        let Some(pos) = log.find(slot) else {
            return;
        };
        if let Some(message) = failure {
            let path = log.path(pos);
            // The same error leaving an enclosing step keeps the innermost step's path.
            let inner = log
                .failures
                .iter()
                .any(|(p, m)| *m == message && p.starts_with(&path));
            if !inner {
                log.failures.push((path, message));
            }
        }
        let step = log.active.remove(pos);
        let depth = step.depth;
        if let Some(parent) = step.parent.and_then(|p| log.find(p)) {
            log.active[parent].changed += step.changed;
            log.active[parent].unchanged += step.unchanged;
        }
        let record = StepRecord {
            name: step.name,
            status,
            duration: step.started.elapsed(),
            changed: step.changed,
            unchanged: step.unchanged,
            depth,
        };
        if let Some(entry) = log.records.get_mut(slot) {
            *entry = Some(record.clone());
        }
        drop(log);
        self.reporter.step_finished(slot, &record);
    }

    /// The step path of the latest step failure with error `message`.
    pub(crate) fn failed_steps(&self, message: &str) -> Option<Vec<String>> {
        let log = self.log();
        log.failures
            .iter()
            .rev()
            .find(|(_, m)| m == message)
            .map(|(p, _)| p.clone())
    }

    /// The summary of everything recorded so far.
    pub fn summary(&self, total: Duration, ok: bool) -> RunSummary {
        let log = self.log();
        RunSummary {
            steps: log.records.iter().flatten().cloned().collect(),
            total,
            ok,
            changed: log.changed,
            unchanged: log.unchanged,
        }
    }
}

/// The error every interrupted operation ends with.
pub(crate) fn interrupted_error() -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::from(INTERRUPTED), Position::NONE).into()
}

/// The error a `parallel` branch stopped by a sibling's failure ends with.
pub(crate) fn cancelled_error() -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::from(CANCELLED), Position::NONE).into()
}

/// The names of a comma-separated list (`FEDRUN_ENV_ALLOW=GITHUB_TOKEN,NAMESPACE`).
pub(crate) fn parse_env_allow(list: &str) -> BTreeSet<String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// Joins `relative` to `root` if it stays inside: no absolute paths, no `..`, no symlink escape.
/// Refuses a path that exists but is not a regular file (a missing one is the reader's error).
pub(crate) fn regular_file(path: &Path) -> Result<(), PrimitiveError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(PrimitiveError::new(format!(
            "{} is not a regular file (a directory, FIFO, socket or device): fedrun reads only regular files",
            path.display()
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn resolve_inside(root: &Path, relative: &str) -> Result<PathBuf, PrimitiveError> {
    let rel = Path::new(relative);
    let hint = "paths are relative to the playbook directory and must stay inside it";
    if relative.trim().is_empty() {
        return Err(PrimitiveError::new("empty path").with_hint(hint));
    }
    for comp in rel.components() {
        match comp {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(PrimitiveError::new(format!(
                    "path {relative:?} uses `..` to leave the playbook directory"
                ))
                .with_hint(hint));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(
                    PrimitiveError::new(format!("path {relative:?} is absolute")).with_hint(hint),
                );
            }
        }
    }
    let joined = root.join(rel);
    // Symbolic links may still point outside: compare canonical forms when the file exists.
    if let (Ok(real_root), Ok(real)) = (root.canonicalize(), joined.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(PrimitiveError::new(format!(
            "path {relative:?} leads outside the playbook directory (through a symbolic link)"
        ))
        .with_hint(hint));
    }
    Ok(joined)
}
