//! fedrun: service-mesh federation playbooks in Rhai, run against kubeconfig contexts or simulated clusters.

pub mod names;
pub mod selector;
pub mod sim;
