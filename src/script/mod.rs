//! The Rhai script engine: how a playbook is compiled, checked, documented and run.
//!
//! One [`Engine`](rhai::Engine) is configured once by [`build_engine`] (sandbox limits, output
//! routing, Ctrl-C, module resolution, built-in helpers) and the cluster primitives are added by
//! the caller's `register` callback. [`run_file`] runs a playbook step by step, [`check_file`]
//! finds mistakes without running anything, and [`reference`] turns the registered functions'
//! doc comments into `fedrun docs`. This module never talks to a cluster.

mod builtins;
mod check;
mod context;
mod docs;
mod engine;
mod error;
mod resolver;
mod run;
mod suggest;
mod value;

#[cfg(test)]
mod tests;

pub use builtins::base_scope;
pub use check::{check_file, literal_arguments};
pub use context::RunContext;
pub(crate) use context::cancelled_error;
pub use docs::{DocsError, function_names, reference};
pub use engine::{Limits, build_engine, build_engine_with_limits};
pub use error::{Diagnostic, PrimitiveError, RunError, diagnose_eval, diagnose_parse, located};
pub use resolver::{PlaybookResolver, STDLIB};
pub use run::run_file;
pub use value::{ValueError, to_dynamic, to_json};
