//! Errors as a playbook author should see them.
//!
//! Primitives fail with a [`PrimitiveError`] (message, cluster, hint) that travels through Rhai
//! as a runtime error, so Rhai fills in the script position. When a run or check fails, the
//! Rhai error chain is turned into a [`Diagnostic`]: the step, the cluster, `file:line:col`, the
//! source line with a caret, the message and a hint about what to do next.

use super::context::OPERATIONS;
use super::growth::original_position;
use super::resolver::stdlib_source;
use crate::report::RunSummary;
use crate::suggest::{closest, did_you_mean};
use rhai::{Dynamic, Engine, EvalAltResult, ParseError, ParseErrorType, Position};
use std::fmt;

/// The error a primitive returns into a script: what went wrong, on which cluster, and what to
/// do about it. Convert with `?` / `.into()` into `Box<EvalAltResult>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimitiveError {
    /// What went wrong, e.g. the API server's message.
    pub message: String,
    /// The cluster the failing call talked to.
    pub cluster: Option<String>,
    /// What the user can do next.
    pub hint: Option<String>,
    /// A configuration error (a context the kubeconfig does not have), whose run exits with
    /// the usage code, 2, however late a computed name reveals it.
    pub configuration: bool,
}

impl PrimitiveError {
    /// An error with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        PrimitiveError {
            message: message.into(),
            cluster: None,
            hint: None,
            configuration: false,
        }
    }

    /// Marks a configuration error (exit code 2).
    pub fn configuration(mut self) -> Self {
        self.configuration = true;
        self
    }

    /// Names the cluster the error happened on.
    pub fn with_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for PrimitiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cluster) = &self.cluster {
            write!(f, "[{cluster}] ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PrimitiveError {}

impl From<PrimitiveError> for Box<EvalAltResult> {
    fn from(err: PrimitiveError) -> Self {
        // Position::NONE: Rhai fills in the position of the call that failed.
        Box::new(EvalAltResult::ErrorRuntime(
            Dynamic::from(err),
            Position::NONE,
        ))
    }
}

/// A problem in a playbook, located in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in (the playbook, a module beside it, or `<stdlib>/name.rhai`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The text of that line, when the file could be read.
    pub source_line: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The running steps, outermost first, when the error happened inside `step(...)`.
    pub steps: Vec<String>,
    /// The cluster named by a failing primitive.
    pub cluster: Option<String>,
    /// What to do next.
    pub hint: Option<String>,
    /// Where the failing function was called from, innermost first.
    pub notes: Vec<String>,
    /// Whether it is a configuration error (see [`PrimitiveError::configuration`]).
    pub configuration: bool,
}

impl Diagnostic {
    /// A diagnostic at a position of a file, filling in the source line.
    pub fn at(file: &str, source: Option<&str>, pos: Position, message: impl Into<String>) -> Self {
        let (line, column) = (pos.line(), pos.position());
        let source_line = line
            .and_then(|l| source?.lines().nth(l.checked_sub(1)?))
            .map(str::to_string);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            source_line,
            message: message.into(),
            steps: Vec::new(),
            cluster: None,
            hint: None,
            notes: Vec::new(),
            configuration: false,
        }
    }

    /// `file:line:col` (or less when unknown).
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            (Some(l), None) => format!("{}:{l}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if !self.steps.is_empty() {
            writeln!(f, "  step:    {}", self.steps.join(" › "))?;
        }
        if let Some(cluster) = &self.cluster {
            writeln!(f, "  cluster: {cluster}")?;
        }
        writeln!(f, "  --> {}", self.location())?;
        if let (Some(line), Some(text)) = (self.line, &self.source_line) {
            let gutter = " ".repeat(line.to_string().len());
            writeln!(f, "{gutter} |")?;
            writeln!(f, "{line} | {text}")?;
            if let Some(col) = self.column {
                // Keep tabs so the caret lines up under the same column.
                let pad: String = text
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{gutter} | {pad}^")?;
            }
        }
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  hint: {hint}")?;
        }
        Ok(())
    }
}

/// A playbook run that did not succeed: the located error and the steps that ran before it.
#[derive(Debug, Clone)]
pub struct RunError {
    /// The error, located (boxed: errors travel by value through `Result`s).
    pub diagnostic: Box<Diagnostic>,
    /// Steps and durations up to the failure (print it: a summary ends every run).
    pub summary: RunSummary,
    /// Whether the run ended because of Ctrl-C.
    pub interrupted: bool,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::error::Error for RunError {}

/// The innermost error of a chain of `ErrorInFunctionCall` / `ErrorInModule`.
pub(crate) fn innermost(err: &EvalAltResult) -> &EvalAltResult {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => innermost(inner),
        other => other,
    }
}

/// The message of a (non-wrapper) error, without Rhai's position suffix, and the hint we know.
pub(crate) fn describe(engine: &Engine, err: &EvalAltResult) -> (String, Option<String>) {
    use EvalAltResult as E;
    match err {
        E::ErrorRuntime(value, _) => {
            if let Some(p) = value.read_lock::<PrimitiveError>() {
                return (p.message.clone(), p.hint.clone());
            }
            if value.is_unit() {
                return ("error thrown".to_string(), None);
            }
            (value.to_string(), None)
        }
        E::ErrorTooManyOperations(_) => too_many_operations(engine),
        E::ErrorTerminated(token, _) if is_token(token, OPERATIONS) => too_many_operations(engine),
        E::ErrorStackOverflow(_) => (
            format!(
                "sandbox limit: call depth over {} (runaway recursion?)",
                engine.max_call_levels()
            ),
            Some("check that recursive functions reach their base case".into()),
        ),
        E::ErrorTooManyModules(_) => (
            format!(
                "sandbox limit: more than {} modules imported",
                engine.max_modules()
            ),
            Some("look for modules that import each other".into()),
        ),
        E::ErrorDataTooLarge(what, _) => {
            let message = if what.contains("string") {
                format!(
                    "sandbox limit: string longer than {} bytes",
                    engine.max_string_size()
                )
            } else if what.contains("array") {
                format!(
                    "sandbox limit: array larger than {} items",
                    engine.max_array_size()
                )
            } else if what.contains("map") {
                format!(
                    "sandbox limit: object map larger than {} entries",
                    engine.max_map_size()
                )
            } else {
                format!("sandbox limit: {what} too large")
            };
            (
                message,
                Some(
                    "a value grew past the limit: a loop that keeps adding to it, or a primitive's \
                     result that large (narrow a `list` with labels or fields)"
                        .into(),
                ),
            )
        }
        E::ErrorTerminated(..) => (
            "interrupted (Ctrl-C)".to_string(),
            Some(
                "objects applied so far are left in place; re-running the playbook converges"
                    .into(),
            ),
        ),
        E::ErrorFunctionNotFound(signature, _) => {
            let name = signature
                .split([' ', '('])
                .next()
                .unwrap_or(signature)
                .trim();
            let names = super::docs::all_function_names(engine, true);
            let hint = did_you_mean(&closest(name, names.iter().map(String::as_str)))
                .or_else(|| Some("`fedrun docs` lists every function".to_string()));
            (
                format!("unknown function or wrong argument types: {signature}"),
                hint,
            )
        }
        E::ErrorParsing(kind, _) => describe_parse(engine, kind),
        other => {
            let text = other.to_string();
            let pos = other.position();
            let suffix = format!(" ({pos})");
            let text = if pos.is_none() {
                text
            } else {
                text.strip_suffix(&suffix).unwrap_or(&text).to_string()
            };
            (text, None)
        }
    }
}

fn too_many_operations(engine: &Engine) -> (String, Option<String>) {
    (
        format!(
            "sandbox limit: more than {} operations (an endless loop?)",
            engine.max_operations()
        ),
        Some(
            "the limit is for the whole run, `parallel` branches included; wait for conditions \
             with `wait`/`sleep` rather than busy loops"
                .into(),
        ),
    )
}

fn is_token(token: &Dynamic, expected: &str) -> bool {
    token.clone().into_string().is_ok_and(|t| t == expected)
}

/// Whether an error ends the run because of Ctrl-C or a failed sibling branch, rather than a
/// mistake (the operation budget also ends a run through Rhai's "terminated", but is a limit).
pub(crate) fn is_interruption(err: &EvalAltResult) -> bool {
    matches!(err, EvalAltResult::ErrorTerminated(token, _) if !is_token(token, OPERATIONS))
}

fn describe_parse(engine: &Engine, kind: &ParseErrorType) -> (String, Option<String>) {
    match kind {
        ParseErrorType::VariableUndefined(name) => (
            format!("undefined variable `{name}`"),
            Some(format!(
                "declare it with `let {name} = ...;` first; --set values are read with `vars.{name}` or `var_or(\"{name}\", default)`"
            )),
        ),
        ParseErrorType::ModuleUndefined(name) => (
            format!("unknown module `{name}`"),
            Some(format!(
                "import it first: `import \"{name}\" as {name};` (or check `fedrun docs`)"
            )),
        ),
        ParseErrorType::ExprTooDeep => (
            format!(
                "sandbox limit: expression nested deeper than {} levels",
                engine.max_expr_depth()
            ),
            Some("split the expression into smaller `let` statements".into()),
        ),
        ParseErrorType::LiteralTooLarge(what, max) => (
            format!("sandbox limit: {what} longer than {max} bytes"),
            None,
        ),
        other => (format!("syntax error: {other}"), None),
    }
}

/// Reads the text of a file named in an error (the main playbook's text is passed in).
fn load_source(file: &str, main_file: &str, main_source: &str) -> Option<String> {
    if file == main_file {
        return Some(main_source.to_string());
    }
    if let Some(text) = stdlib_source(file) {
        return Some(text.to_string());
    }
    std::fs::read_to_string(file).ok()
}

/// Locates a compile error of `file`.
pub fn diagnose_parse(engine: &Engine, err: &ParseError, file: &str, source: &str) -> Diagnostic {
    let (message, hint) = describe_parse(engine, &err.0);
    let mut d = Diagnostic::at(file, Some(source), err.1, message);
    d.hint = hint;
    d
}

/// Locates a run-time error of the playbook `main_file` (whose text is `main_source`): follows
/// function-call and module chains to the innermost position, in whichever file it is.
pub fn diagnose_eval(
    engine: &Engine,
    err: &EvalAltResult,
    main_file: &str,
    main_source: &str,
) -> Diagnostic {
    let mut file = main_file.to_string();
    let mut best: Option<(String, Position)> = None;
    let mut notes = Vec::new();
    let mut cur = err;
    loop {
        let pos = cur.position();
        if !pos.is_none() {
            best = Some((file.clone(), pos));
        }
        match cur {
            EvalAltResult::ErrorInFunctionCall(name, source, inner, pos) => {
                if !name.starts_with("anon$") {
                    let pos = map(&file, main_file, main_source, *pos);
                    notes.insert(0, format!("in `{name}`, called at {}", at(&file, pos)));
                }
                if !source.is_empty() {
                    file = source.to_string();
                }
                cur = inner;
            }
            EvalAltResult::ErrorInModule(name, inner, pos) => {
                let pos = map(&file, main_file, main_source, *pos);
                notes.insert(
                    0,
                    format!(
                        "while loading module `{name}`, imported at {}",
                        at(&file, pos)
                    ),
                );
                file = name.to_string();
                cur = inner;
            }
            _ => break,
        }
    }
    let (message, hint) = describe(engine, cur);
    let (file, pos) = best.unwrap_or((file, Position::NONE));
    let source = load_source(&file, main_file, main_source);
    let pos = original_position(&file, source.as_deref(), pos);
    let mut d = Diagnostic::at(&file, source.as_deref(), pos, message);
    d.hint = hint;
    d.notes = notes;
    if let EvalAltResult::ErrorRuntime(value, _) = cur
        && let Some(p) = value.read_lock::<PrimitiveError>()
    {
        d.cluster = p.cluster.clone();
        d.configuration = p.configuration;
    }
    d
}

/// A position in the code that ran (with fedrun's size checks) as a position in `file`.
fn map(file: &str, main_file: &str, main_source: &str, pos: Position) -> Position {
    original_position(
        file,
        load_source(file, main_file, main_source).as_deref(),
        pos,
    )
}

fn at(file: &str, pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        _ => file.to_string(),
    }
}

/// Runs a primitive and gives its error the script position of the call. Rhai fills positions for
/// errors of plain and method calls, but not of namespaced ones (`peer::connect(...)`), whose
/// errors would otherwise point at the enclosing step.
pub fn located<T>(
    call: &rhai::NativeCallContext,
    f: impl FnOnce() -> Result<T, Box<EvalAltResult>>,
) -> Result<T, Box<EvalAltResult>> {
    f().map_err(|mut err| {
        if err.position().is_none() {
            err.set_position(call.call_position());
        }
        err
    })
}
