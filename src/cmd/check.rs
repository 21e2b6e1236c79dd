//! `fedrun check PLAYBOOK...`: compile without running, report every problem with its position.

use std::path::PathBuf;
use std::sync::Arc;

use super::Failure;
use crate::prims;
use crate::report::{Reporter, Stream};
use crate::script::{self, RunContext};

pub fn run(playbooks: Vec<PathBuf>) -> Result<(), Failure> {
    let mut problems = 0;
    for path in &playbooks {
        // One engine per playbook: imports resolve against each playbook's own directory.
        let ctx = Arc::new(RunContext::new(path, Reporter::new(Stream::Stderr, false)));
        let engine = prims::engine(ctx, None);
        let diagnostics = script::check_file(&engine, path);
        if diagnostics.is_empty() {
            println!("{}: ok", path.display());
        }
        for d in &diagnostics {
            eprintln!("{d}");
        }
        problems += diagnostics.len();
    }
    match problems {
        0 => Ok(()),
        n => Err(Failure::Failed(format!("{n} problem(s) found"))),
    }
}
