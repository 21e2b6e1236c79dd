//! `fedrun repl`: try federation steps one at a time.
//!
//! Split in three: [`editor`] (rustyline helper: completion, hints, prompt colour), [`commands`]
//! (the `:` commands) and [`eval`] (the session: one long-lived scope, the session AST, the lazily
//! opened backend, result printing). This module is the loop that ties them together: read a
//! line (and more lines while brackets or strings are open), run a command or evaluate, print,
//! and keep going whatever fails.

pub mod commands;
pub mod editor;
pub mod eval;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustyline::Editor;
use rustyline::config::{CompletionType, Config, EditMode};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use commands::Outcome;
use editor::ReplHelper;
pub use eval::{Connection, Session};

/// How the loop looks and where it keeps its history.
pub struct Options {
    /// The backend in short form, shown in the prompt: `sim`, `~/.kube/config`.
    pub label: String,
    /// The history file (`None`: no persistent history).
    pub history: Option<PathBuf>,
    /// Colour the prompt and hints.
    pub color: bool,
}

/// The history file: `$FEDRUN_HISTORY`, else `$XDG_STATE_HOME/fedrun/history`, else
/// `~/.local/state/fedrun/history`.
pub fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FEDRUN_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    Some(base.join("fedrun").join("history"))
}

/// Runs the loop until `:quit` or Ctrl-D. `runtime` drives the backend and the Ctrl-C handler.
pub fn run(
    session: Session,
    options: Options,
    runtime: &tokio::runtime::Handle,
) -> Result<(), String> {
    let interrupt = session.ctx.interrupt.clone();
    let evaluating = Arc::new(AtomicBool::new(false));
    spawn_interrupt_handler(runtime, interrupt, evaluating.clone())?;

    let session = Rc::new(RefCell::new(session));
    let config = Config::builder()
        .edit_mode(EditMode::Emacs)
        .completion_type(CompletionType::List)
        .completion_show_all_if_ambiguous(true)
        .auto_add_history(false)
        .max_history_size(10_000)
        .map_err(|e| e.to_string())?
        .history_ignore_space(true)
        .build();
    let mut editor: Editor<ReplHelper, FileHistory> =
        Editor::with_config(config).map_err(|e| format!("cannot start the line editor: {e}"))?;
    editor.set_helper(Some(ReplHelper::new(session.clone(), options.color)));
    if let Some(path) = &options.history
        && path.is_file()
    {
        // An unreadable history is not worth failing the session for.
        let _ = editor.load_history(path);
    }

    let prompt = format!("fedrun[{}]> ", options.label);
    let continuation = format!("{:>width$}", "...> ", width = prompt.chars().count());
    let mut buffer = String::new();
    loop {
        let current = if buffer.is_empty() {
            &prompt
        } else {
            &continuation
        };
        let line = match editor.readline(current) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C at the prompt: drop the line (and any lines before it).
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => {
                if buffer.is_empty() {
                    break;
                }
                buffer.clear();
                continue;
            }
            Err(e) => return Err(format!("cannot read input: {e}")),
        };
        if buffer.is_empty() && line.trim().is_empty() {
            continue;
        }
        if buffer.is_empty() && line.trim_start().starts_with(':') {
            let command = commands::parse(&line);
            // `:quit` is left out: the arrow-up of the next session should not bring it back.
            if command != Ok(commands::Command::Quit) {
                remember(&mut editor, line.trim(), options.history.as_ref());
            }
            let history: Vec<String> = editor.history().iter().cloned().collect();
            let outcome = match command {
                Ok(command) => commands::execute(command, &mut session.borrow_mut(), &history),
                Err(e) => Outcome::Error(format!("error: {e}")),
            };
            match outcome {
                Outcome::Print(text) => println!("{text}"),
                Outcome::Error(text) => eprintln!("{}", text.trim_end()),
                Outcome::Quit => break,
            }
            continue;
        }
        buffer.push_str(&line);
        if eval::is_incomplete(&buffer) {
            buffer.push('\n');
            continue;
        }
        let input = std::mem::take(&mut buffer);
        remember(&mut editor, &input, options.history.as_ref());
        evaluating.store(true, Ordering::SeqCst);
        let result = session.borrow_mut().eval(&input);
        evaluating.store(false, Ordering::SeqCst);
        match result {
            Ok(Some(text)) => println!("{text}"),
            Ok(None) => {}
            Err(text) => eprintln!("{}", text.trim_end()),
        }
    }
    drop(editor);
    if let Ok(session) = Rc::try_unwrap(session) {
        session.into_inner().shutdown();
    }
    Ok(())
}

/// Adds an entry to the history and appends it to the history file at once, so that a session
/// that is killed keeps what was typed.
fn remember(editor: &mut Editor<ReplHelper, FileHistory>, entry: &str, file: Option<&PathBuf>) {
    if editor.add_history_entry(entry).unwrap_or(false)
        && let Some(path) = file
    {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.append_history(path);
    }
}

/// While an input is evaluated the terminal is in normal mode and Ctrl-C sends SIGINT: set the
/// run's interrupt flag so the script or the primitive stops, and the session carries on. At the
/// prompt the editor reads Ctrl-C as a key instead.
///
/// The handler is installed before the first prompt (not when a runtime worker first polls a
/// task: the workers may be busy starting the simulator), so an early Ctrl-C never kills the
/// session.
fn spawn_interrupt_handler(
    runtime: &tokio::runtime::Handle,
    interrupt: Arc<AtomicBool>,
    evaluating: Arc<AtomicBool>,
) -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = {
        let _inside = runtime.enter();
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle Ctrl-C: {e}"))?
    };
    runtime.spawn(async move {
        while sigint.recv().await.is_some() {
            if evaluating.load(Ordering::SeqCst) {
                interrupt.store(true, Ordering::SeqCst);
            }
        }
    });
    Ok(())
}
