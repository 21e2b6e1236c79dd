//! `fedrun plan PLAYBOOK`: the playbook runs with every write sent as a server-side dry run
//! (`dryRun=All`), and what it would create, change, leave unchanged or delete is printed per
//! cluster. Exit 0: no changes; 3: changes pending; 1: failure; 2: usage.

use std::sync::Arc;

use super::Failure;
use crate::cli::RunArgs;

pub fn run(args: RunArgs) -> Result<(), Failure> {
    super::run::execute(args, Some(Arc::new(crate::plan::Recorder::default())))
}
