//! Run reporting: progress while a playbook runs and the summary when it ends.
//!
//! [`Reporter`] is the only place that writes human-facing run output, so that script `print`s,
//! warnings and step progress never tear each other apart (spinners on a terminal, plain lines in
//! pipes and CI). [`RunSummary`] is the data a run produces, rendered as a table or as JSON.
//! It does not know about Rhai: the script engine calls into it.

pub mod color;
mod progress;
mod reporter;
mod summary;
pub mod traffic;

pub use progress::Progress;
pub use reporter::{Reporter, Stream};
pub use summary::{RunSummary, StepRecord, StepStatus};
