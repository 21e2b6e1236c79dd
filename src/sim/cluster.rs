//! One simulated cluster: its name, cloud provider, object store and admission checks.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::resources::ResourceType;
use super::status::ApiError;
use super::store::Store;

/// The cloud a cluster runs on: it decides what LoadBalancer addresses look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Aws,
    Azure,
    Gcp,
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "aws" => Ok(Provider::Aws),
            "azure" => Ok(Provider::Azure),
            "gcp" => Ok(Provider::Gcp),
            other => Err(format!(
                "unknown provider {other:?} (expected aws, azure or gcp)"
            )),
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Aws => "aws",
            Provider::Azure => "azure",
            Provider::Gcp => "gcp",
        })
    }
}

/// What a write is doing, for admission checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
}

/// An admission check, as a validating webhook would run. Checks run under the store's write lock,
/// so they must decide from the object and their own state only, never by reading the store.
pub trait Admission: Send + Sync {
    fn admit(&self, rt: &ResourceType, op: Operation, object: &Value) -> Result<(), ApiError>;
}

pub struct SimCluster {
    pub name: String,
    pub provider: Provider,
    pub store: Arc<Store>,
    /// API requests served, for benchmarks and `fedrun sim status`.
    pub requests: AtomicU64,
    /// The `istio_requests_total` series of this cluster's meshes, which their Prometheus serves.
    pub telemetry: super::dataplane::telemetry::Telemetry,
    admission: RwLock<Vec<Arc<dyn Admission>>>,
    flags: RwLock<BTreeMap<&'static str, Arc<AtomicBool>>>,
}

impl SimCluster {
    pub fn new(name: impl Into<String>, provider: Provider, store: Arc<Store>) -> Self {
        SimCluster {
            name: name.into(),
            provider,
            store,
            requests: AtomicU64::new(0),
            telemetry: Default::default(),
            admission: RwLock::new(Vec::new()),
            flags: RwLock::new(BTreeMap::new()),
        }
    }

    pub fn add_admission(&self, check: Arc<dyn Admission>) {
        self.admission
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(check);
    }

    pub fn admit(&self, rt: &ResourceType, op: Operation, object: &Value) -> Result<(), ApiError> {
        let checks = self
            .admission
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        checks.iter().try_for_each(|c| c.admit(rt, op, object))
    }

    /// A named switch shared by an admission check and the controller that decides it (e.g.
    /// "the operator's webhook serves"), since admission checks may not read the store.
    /// Created off on first use.
    pub fn flag(&self, name: &'static str) -> Arc<AtomicBool> {
        self.flags
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name)
            .or_default()
            .clone()
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}
