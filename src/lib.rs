//! fedrun: service-mesh federation playbooks in Rhai, run against kubeconfig contexts or simulated clusters.

pub mod cli;
pub mod cmd;
pub mod names;
pub mod selector;
pub mod sim;
