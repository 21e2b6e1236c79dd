//! The `:` commands of the REPL: help, contexts, the default cluster, variables, loading and
//! saving playbooks, history and quitting. Each returns the text to print; none ends the session
//! on error.

use std::path::Path;

use crate::script::{self, RunContext};

use super::eval::{Session, render};

/// Every command with a one-line description, for `:help` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        ":help",
        "all primitives, grouped; `:help NAME` for one (as `fedrun docs NAME`)",
    ),
    (":contexts", "the contexts (clusters) of the backend"),
    (
        ":use",
        "`:use CONTEXT` makes get/list/apply/wait work without a handle",
    ),
    (":vars", "the variables of the session"),
    (":load", "`:load FILE` runs a playbook into the session"),
    (
        ":save",
        "`:save FILE` writes the inputs that succeeded as a playbook",
    ),
    (":history", "the lines entered so far"),
    (":quit", "leave (Ctrl-D too)"),
];

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help(Option<String>),
    Contexts,
    Use(String),
    Vars,
    Load(String),
    Save(String),
    History,
    Quit,
}

/// What the loop does after a command.
pub enum Outcome {
    /// Print this (stdout) and carry on.
    Print(String),
    /// Print this as an error (stderr) and carry on.
    Error(String),
    Quit,
}

/// Parses `:name args`.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (name, arg) = match line.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (line, ""),
    };
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!("{name} needs {what}"))
        } else {
            Ok(arg.to_string())
        }
    };
    match name {
        ":help" | ":h" | ":?" => Ok(Command::Help((!arg.is_empty()).then(|| arg.to_string()))),
        ":contexts" => Ok(Command::Contexts),
        ":use" => need("a context name").map(Command::Use),
        ":vars" => Ok(Command::Vars),
        ":load" => need("a file").map(Command::Load),
        ":save" => need("a file").map(Command::Save),
        ":history" => Ok(Command::History),
        ":quit" | ":q" | ":exit" => Ok(Command::Quit),
        other => Err(format!(
            "unknown command {other}; commands: {}",
            COMMANDS
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(" ")
        )),
    }
}

/// Runs a command against the session. `history` is the editor's history, oldest first.
pub fn execute(command: Command, session: &mut Session, history: &[String]) -> Outcome {
    match command {
        Command::Help(None) => Outcome::Print(help(session)),
        Command::Help(Some(name)) => match script::reference(&session.docs, Some(&name)) {
            Ok(text) => Outcome::Print(text.trim_end().to_string()),
            Err(e) => Outcome::Error(format!("error: {e}")),
        },
        Command::Contexts => match session.contexts() {
            Ok(list) if list.is_empty() => Outcome::Print("(no contexts)".to_string()),
            Ok(list) => {
                let current = session.default_cluster();
                Outcome::Print(
                    list.iter()
                        .map(|c| {
                            let mark = if current.as_deref() == Some(c) {
                                "*"
                            } else {
                                " "
                            };
                            format!("{mark} {c}")
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            }
            Err(e) => Outcome::Error(format!("error: {e}")),
        },
        Command::Use(name) => match session.use_cluster(&name) {
            Ok(()) => Outcome::Print(format!(
                "get, list, apply and wait now act on cluster {name}"
            )),
            Err(e) => Outcome::Error(format!("error: {e}")),
        },
        Command::Vars => {
            let vars = session.variables();
            if vars.is_empty() {
                return Outcome::Print("(no variables)".to_string());
            }
            let lines = vars
                .iter()
                .map(|(name, ty, constant, value)| {
                    let shown = render(value).unwrap_or_else(|| "()".to_string());
                    let first = shown.lines().next().unwrap_or_default();
                    let more = if shown.lines().count() > 1 {
                        " …"
                    } else {
                        ""
                    };
                    let kind = if *constant { "const" } else { "let" };
                    format!("{kind} {name}: {ty} = {first}{more}")
                })
                .collect::<Vec<_>>();
            Outcome::Print(lines.join("\n"))
        }
        Command::Load(file) => match session.load(Path::new(&file)) {
            Ok(Some(text)) => Outcome::Print(text),
            Ok(None) => Outcome::Print(format!("loaded {file}")),
            Err(e) => Outcome::Error(e),
        },
        Command::Save(file) => save(session, Path::new(&file)),
        Command::History => Outcome::Print(
            history
                .iter()
                .enumerate()
                .map(|(i, l)| format!("{:>4}  {}", i + 1, l.replace('\n', "\n      ")))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Command::Quit => Outcome::Quit,
    }
}

fn help(session: &Session) -> String {
    let reference = script::reference(&session.docs, None).unwrap_or_default();
    let mut out = String::from("Commands\n========\n\n");
    for (name, about) in COMMANDS {
        out.push_str(&format!("{name:<10} {about}\n"));
    }
    out.push_str(
        "\nInput: Rhai statements; variables, functions and imports stay for the session.\n\
         Tab completes, Ctrl-C cancels the line or stops a running primitive, Ctrl-D leaves.\n\
         With `:use CONTEXT`, get/list/apply/wait work without a cluster handle.\n\n",
    );
    out.push_str(reference.trim_end());
    out
}

/// Writes the session's successful inputs as a playbook, then checks it as `fedrun check` does.
fn save(session: &Session, path: &Path) -> Outcome {
    let text = session.playbook_text();
    if let Err(e) = std::fs::write(path, &text) {
        return Outcome::Error(format!("error: cannot write {}: {e}", path.display()));
    }
    let ctx = std::sync::Arc::new(RunContext::new(
        path,
        crate::report::Reporter::buffer(false),
    ));
    let engine = crate::prims::engine(ctx, None);
    let problems = script::check_file(&engine, path);
    let n = session.log.len();
    if problems.is_empty() {
        Outcome::Print(format!(
            "saved {n} input(s) to {} (fedrun check: ok)",
            path.display()
        ))
    } else {
        let details: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        Outcome::Error(format!(
            "saved {n} input(s) to {}, but fedrun check finds problems:\n{}",
            path.display(),
            details.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(":help"), Ok(Command::Help(None)));
        assert_eq!(
            parse(":help peer::connect"),
            Ok(Command::Help(Some("peer::connect".into())))
        );
        assert_eq!(parse(":use rosa"), Ok(Command::Use("rosa".into())));
        assert!(parse(":use").is_err());
        assert!(parse(":frobnicate").is_err());
        assert_eq!(parse(":q"), Ok(Command::Quit));
    }
}
