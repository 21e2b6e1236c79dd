//! Compiling a playbook or module to run it: the parse-time bound, then the growth checks.

use super::error::{Diagnostic, PrimitiveError, diagnose_parse};
use super::growth;
use super::source::check_name_lookups;
use rhai::{AST, Engine, EvalAltResult, ParseError, Position, Scope};

/// Why a text did not compile.
#[derive(Debug, Clone)]
pub(crate) enum CompileError {
    /// Rhai's syntax error.
    Parse(ParseError),
    /// Refused by fedrun, with a hint, at a position of the text.
    Refused {
        position: Position,
        message: String,
        hint: String,
    },
}

impl CompileError {
    /// As a diagnostic of the file `label` whose text is `source`.
    pub(crate) fn diagnostic(&self, engine: &Engine, label: &str, source: &str) -> Diagnostic {
        match self {
            CompileError::Parse(e) => diagnose_parse(engine, e, label, source),
            CompileError::Refused {
                position,
                message,
                hint,
            } => {
                let mut d = Diagnostic::at(label, Some(source), *position, message.clone());
                d.hint = Some(hint.clone());
                d
            }
        }
    }

    /// As a run-time error (a module imported while a playbook runs).
    pub(crate) fn into_eval(self) -> Box<EvalAltResult> {
        match self {
            CompileError::Parse(e) => e.into(),
            CompileError::Refused {
                position,
                message,
                hint,
            } => {
                let mut err: Box<EvalAltResult> =
                    PrimitiveError::new(message).with_hint(hint).into();
                err.set_position(position);
                err
            }
        }
    }
}

/// Compiles `source` as written (for `fedrun check` and anything that only reads the syntax
/// tree), refusing texts Rhai's parser would take too long with.
pub(crate) fn compile_checked(
    engine: &Engine,
    scope: &Scope,
    source: &str,
) -> Result<AST, CompileError> {
    if let Err(too_many) = check_name_lookups(engine, source) {
        return Err(CompileError::Refused {
            position: too_many.position,
            message: too_many.message(),
            hint: too_many.hint().to_string(),
        });
    }
    engine
        .compile_with_scope(scope, source)
        .map_err(CompileError::Parse)
}

/// Compiles `source` (the file `label`) to run: as [`compile_checked`], then with the size
/// checks of [`growth`] (positions in errors are mapped back to `source`).
pub(crate) fn compile_to_run(
    engine: &Engine,
    scope: &Scope,
    source: &str,
    label: &str,
) -> Result<AST, CompileError> {
    let ast = compile_checked(engine, scope, source)?;
    let instrumented = match growth::instrument(engine, source, &ast) {
        Ok(None) => return Ok(ast),
        Ok(Some(i)) => i,
        Err(e) => {
            return Err(CompileError::Refused {
                position: e.position,
                message: format!("cannot add fedrun's size checks here: {}", e.message),
                hint: "rewrite the expression more simply (e.g. without parentheses around the \
                       variable), and please report it"
                    .to_string(),
            });
        }
    };
    match engine.compile_with_scope(scope, &instrumented.text) {
        Ok(ast) => {
            growth::remember(label, source, instrumented);
            Ok(ast)
        }
        Err(e) => Err(CompileError::Refused {
            position: instrumented.original(e.1),
            message: format!("cannot add fedrun's size checks here: {}", e.0),
            hint: "nest expressions less deeply (split them with `let`)".to_string(),
        }),
    }
}

/// Compiles playbook text (the file or REPL input `label`) to run it as `fedrun` runs playbooks:
/// texts Rhai's parser would take too long with are refused, and the whole-value size checks
/// are added. Errors are located in `source`.
pub fn compile_playbook(
    engine: &Engine,
    scope: &Scope,
    source: &str,
    label: &str,
) -> Result<AST, Box<Diagnostic>> {
    let mut ast = compile_to_run(engine, scope, source, label)
        .map_err(|e| Box::new(e.diagnostic(engine, label, source)))?;
    ast.set_source(label);
    Ok(ast)
}
