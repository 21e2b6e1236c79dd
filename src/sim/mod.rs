//! Simulated Kubernetes clusters: HTTPS API servers on 127.0.0.1 that real clients talk to.

pub mod api;
pub mod cluster;
pub mod patch;
pub mod protobuf;
pub mod resources;
pub mod status;
pub mod store;
