//! The data plane address a simulator publishes in its state directory (`dataplane.json`, beside
//! its kubeconfig): the one thing code that runs against real clusters learns of a simulator,
//! and only through this documented file. The load generator reads it to reach simulated Routes
//! by their host names without any /etc/hosts change; the simulator writes it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const DATAPLANE_FILE: &str = "dataplane.json";

/// Where the data plane listens and which Route domains it serves.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DataPlaneInfo {
    pub address: SocketAddr,
    /// Host suffixes served, e.g. `apps.rosa.example.com`.
    pub domains: Vec<String>,
}

/// The data plane file of a state directory.
pub fn dataplane_path(state_dir: &Path) -> PathBuf {
    state_dir.join(DATAPLANE_FILE)
}
