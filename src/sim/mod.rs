//! Simulated Kubernetes clusters: HTTPS API servers on 127.0.0.1 that real clients talk to.
//!
//! Layers, from the wire inwards: `serve` (TLS, auth, faults) → `api` (the Kubernetes HTTP API as
//! an axum router) → `store` (objects, versions, events). `simulator` assembles clusters, their
//! kubeconfig and persisted state.

pub mod api;
pub mod cluster;
pub mod controllers;
pub mod dataplane;
pub mod faults;
pub mod fieldmanager;
pub mod kubeconfig;
pub mod patch;
pub mod protobuf;
pub mod resources;
pub mod selector;
pub mod serve;
pub mod simulator;
pub mod status;
pub mod store;
pub mod tls;
pub mod validation;
pub mod world;
