//! `fedrun docs [NAME]`: the primitives' reference, generated from their doc comments.

use std::path::Path;
use std::sync::Arc;

use super::Failure;
use crate::prims;
use crate::report::Reporter;
use crate::script::{self, RunContext};

pub fn run(name: Option<String>) -> Result<(), Failure> {
    let ctx = Arc::new(RunContext::new(
        Path::new("docs.rhai"),
        Reporter::buffer(false),
    ));
    let engine = prims::engine(ctx, None);
    let text =
        script::reference(&engine, name.as_deref()).map_err(|e| Failure::Usage(e.to_string()))?;
    print!("{text}");
    Ok(())
}
