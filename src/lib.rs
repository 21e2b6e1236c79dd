//! fedrun: service-mesh federation playbooks in Rhai, run against kubeconfig contexts or simulated clusters.
//!
//! Layers, each only calling the ones below it:
//! `cmd` (subcommands) → `script` (the Rhai engine, steps, errors) → `prims` (cluster, mesh, cert,
//! peer, traffic) → `kube` (kube-rs clients per context) → real clusters or `sim` (simulated ones).

pub mod cli;
pub mod cmd;
pub mod duration;
pub mod fetch;
pub mod jsonpath;
pub mod kube;
pub mod loadgen;
pub mod manifest;
pub mod names;
pub mod prims;
pub mod repl;
pub mod report;
pub mod script;
pub mod selector;
pub mod sim;
