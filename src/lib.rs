//! fedrun: service-mesh federation playbooks in Rhai, run against kubeconfig contexts or simulated clusters.
//!
//! Layers, each only calling the ones below it:
//! `cmd` (subcommands) → `repl` → `prims` (cluster, mesh, cert, peer, traffic: the Rhai functions)
//! → `script` (the Rhai engine, steps, errors, `report`ing) and `kube` (kube-rs clients per
//! context) → real clusters, or the clusters of `sim` (simulated ones, which only `cmd` starts).
//! Code that runs against real clusters never imports `sim`: what it learns of a simulator comes
//! through the kubeconfig and the documented files of its state directory (`dataplane`). Leaf
//! helpers (`duration`, `names`, `jsonpath`, `manifest`, `fetch`) sit below everything.

pub mod analysis;
pub mod cli;
pub mod cmd;
pub mod dataplane;
pub mod duration;
pub mod fetch;
pub mod jsonpath;
pub mod kube;
pub mod loadgen;
pub mod manifest;
pub mod names;
pub mod plan;
pub mod prims;
pub mod repl;
pub mod report;
pub mod script;
pub mod sim;
pub mod suggest;
pub mod types;
