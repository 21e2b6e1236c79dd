//! The Rhai script engine: how a playbook is compiled, checked, documented and run.
//!
//! One [`Engine`](rhai::Engine) is configured once by [`build_engine`] (sandbox limits, output
//! routing, Ctrl-C, module resolution, built-in helpers) and the cluster primitives are added by
//! the caller's `register` callback. [`run_file`] runs a playbook step by step, [`check_file`]
//! finds mistakes without running anything, and [`reference`] turns the registered functions'
//! doc comments into `fedrun docs`. This module never talks to a cluster.

mod builtins;
mod check;
mod compile;
mod context;
mod docs;
mod engine;
mod error;
mod growth;
mod resolver;
mod run;
mod source;
mod value;

#[cfg(test)]
mod tests;

pub use builtins::base_scope;
pub use check::{check_file, literal_arguments, vars_read};
pub use compile::compile_playbook;
pub(crate) use context::cancelled_error;
pub use context::{ALLOW_HTTP_VAR, ENV_ALLOW_VAR, RunContext};
pub use docs::{DocsError, Entry, Group, Kind, entries, function_names, reference};
pub use engine::{Limits, build_engine, build_engine_with_limits};
pub use error::{Diagnostic, PrimitiveError, RunError, diagnose_eval, diagnose_parse, located};
pub use resolver::{PlaybookResolver, STDLIB};
pub use run::run_file;
pub use source::parse_work;
pub use value::{ValueError, to_dynamic, to_json};
