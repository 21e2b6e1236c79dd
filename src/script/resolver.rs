//! `import "name" as x;` — where modules come from.
//!
//! First `<playbook dir>/name.rhai` (subdirectories allowed, never `..`, absolute paths or
//! symbolic links out of the playbook directory), then the stdlib shipped inside the binary.
//! Playbook files win so a team can override a stdlib module. Compiled modules are cached per
//! resolver, i.e. per engine, i.e. per run.

use super::compile::{compile_checked, compile_to_run};
use super::context::{ModuleLoad, resolve_inside};
use super::error::PrimitiveError;
use crate::suggest::{closest, did_you_mean};
use rhai::{AST, Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::thread::ThreadId;

/// Rhai modules shipped with fedrun, by import name (`import "fedrun" as fedrun;`).
pub static STDLIB: &[(&str, &str)] = &[
    ("fedrun", include_str!("../../stdlib/fedrun.rhai")),
    ("federation", include_str!("../../stdlib/federation.rhai")),
    ("ossm", include_str!("../../stdlib/ossm.rhai")),
];

/// How stdlib modules are named in error messages and `ErrorInFunctionCall` sources.
const STDLIB_PREFIX: &str = "<stdlib>/";

/// Largest module file read from disk.
const MAX_MODULE_BYTES: u64 = 1024 * 1024;

/// The text of a stdlib module given its label (`<stdlib>/fedrun.rhai`).
pub(crate) fn stdlib_source(label: &str) -> Option<&'static str> {
    let name = label.strip_prefix(STDLIB_PREFIX)?.strip_suffix(".rhai")?;
    STDLIB
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Resolves imports from the playbook directory, then the embedded stdlib.
#[derive(Debug)]
pub struct PlaybookResolver {
    root: PathBuf,
    cache: Mutex<HashMap<String, Shared<Module>>>,
    /// Modules being loaded right now, to report import cycles instead of recursing forever.
    loading: Mutex<Vec<(ThreadId, String)>>,
}

/// A module found: its label (file path or `<stdlib>/name.rhai`) and its text.
pub(crate) struct Located {
    pub label: String,
    pub text: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PlaybookResolver {
    /// A resolver rooted at the playbook directory.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        PlaybookResolver {
            root: root.into(),
            cache: Mutex::default(),
            loading: Mutex::default(),
        }
    }

    /// Finds the module `name` and reads it, without compiling.
    pub(crate) fn locate(&self, name: &str) -> Result<Located, PrimitiveError> {
        let file = if name.ends_with(".rhai") {
            name.to_string()
        } else {
            format!("{name}.rhai")
        };
        let path = resolve_inside(&self.root, &file).map_err(|e| {
            PrimitiveError::new(format!("cannot import {name:?}: {}", e.message))
                .with_hint("modules live in the playbook directory (or its subdirectories) or in fedrun's stdlib")
        })?;
        if path.is_file() {
            return read_module(&path, name);
        }
        let stem = name.strip_suffix(".rhai").unwrap_or(name);
        if let Some((n, text)) = STDLIB.iter().find(|(n, _)| *n == stem) {
            return Ok(Located {
                label: format!("{STDLIB_PREFIX}{n}.rhai"),
                text: text.to_string(),
            });
        }
        let known: Vec<String> = STDLIB
            .iter()
            .map(|(n, _)| n.to_string())
            .chain(self.local_modules())
            .collect();
        let stdlib: Vec<&str> = STDLIB.iter().map(|(n, _)| *n).collect();
        let mut err = PrimitiveError::new(format!(
            "module {name:?} not found: looked for {} and in fedrun's stdlib ({})",
            path.display(),
            stdlib.join(", ")
        ));
        if let Some(hint) = did_you_mean(&closest(stem, known.iter().map(String::as_str))) {
            err = err.with_hint(hint);
        }
        Err(err)
    }

    /// `.rhai` files directly in the playbook directory, for suggestions.
    fn local_modules(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".rhai")
                    .map(str::to_string)
            })
            .collect()
    }

    /// Compiles a located module, with errors pointing into the module file: as written (to
    /// check it), or with fedrun's size checks (to run it).
    fn compile(
        engine: &Engine,
        found: &Located,
        pos: Position,
        to_run: bool,
    ) -> Result<AST, Box<EvalAltResult>> {
        let scope = Scope::new();
        let compiled = if to_run {
            compile_to_run(engine, &scope, &found.text, &found.label)
        } else {
            compile_checked(engine, &scope, &found.text)
        };
        let mut ast = compiled.map_err(|e| {
            Box::new(EvalAltResult::ErrorInModule(
                found.label.clone(),
                e.into_eval(),
                pos,
            ))
        })?;
        ast.set_source(found.label.as_str());
        Ok(ast)
    }
}

fn read_module(path: &Path, name: &str) -> Result<Located, PrimitiveError> {
    super::context::regular_file(path)?;
    let too_big = std::fs::metadata(path)
        .map(|m| m.len() > MAX_MODULE_BYTES)
        .unwrap_or(false);
    if too_big {
        return Err(PrimitiveError::new(format!(
            "module {name:?} ({}) is larger than {MAX_MODULE_BYTES} bytes",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        PrimitiveError::new(format!(
            "cannot read module {name:?} ({}): {e}",
            path.display()
        ))
    })?;
    Ok(Located {
        label: path.display().to_string(),
        text,
    })
}

fn located_error(err: PrimitiveError, pos: Position) -> Box<EvalAltResult> {
    let mut boxed: Box<EvalAltResult> = err.into();
    boxed.set_position(pos);
    boxed
}

/// Removes a module from the "loading" list when its evaluation ends, however it ends.
struct LoadingGuard<'a> {
    resolver: &'a PlaybookResolver,
    key: (ThreadId, String),
}

impl Drop for LoadingGuard<'_> {
    fn drop(&mut self) {
        let mut loading = lock(&self.resolver.loading);
        if let Some(i) = loading.iter().rposition(|k| *k == self.key) {
            loading.remove(i);
        }
    }
}

impl ModuleResolver for PlaybookResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let found = self.locate(path).map_err(|e| located_error(e, pos))?;
        if let Some(module) = lock(&self.cache).get(&found.label) {
            return Ok(module.clone());
        }
        let key = (std::thread::current().id(), found.label.clone());
        {
            let mut loading = lock(&self.loading);
            if loading.contains(&key) {
                let chain: Vec<&str> = loading
                    .iter()
                    .filter(|(t, _)| *t == key.0)
                    .map(|(_, l)| l.as_str())
                    .chain([found.label.as_str()])
                    .collect();
                let err = PrimitiveError::new(format!("import cycle: {}", chain.join(" → ")))
                    .with_hint("move the shared functions into a third module both can import");
                return Err(located_error(err, pos));
            }
            loading.push(key.clone());
        }
        let _guard = LoadingGuard {
            resolver: self,
            key,
        };
        let ast = Self::compile(engine, &found, pos, true)?;
        // The module's evaluation counts its operations from zero: not a new run.
        let _load = ModuleLoad::start();
        let module = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(found.label.clone(), e, pos)))?;
        let module: Shared<Module> = module.into();
        lock(&self.cache).insert(found.label, module.clone());
        Ok(module)
    }

    /// Used by `fedrun check`: the module's AST without running it.
    fn resolve_ast(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Option<Result<AST, Box<EvalAltResult>>> {
        Some(
            self.locate(path)
                .map_err(|e| located_error(e, pos))
                .and_then(|found| Self::compile(engine, &found, pos, false)),
        )
    }
}
