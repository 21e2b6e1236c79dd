//! Everything one simulator's clusters share: each other, the simulated network between them, and
//! the time scale of their controllers.
//!
//! Federation is between clusters, so its controller must see both sides of a link; and a peer
//! reaches the other mesh through a LoadBalancer address, so addresses are registered here, in one
//! network common to all clusters, the way a real cloud's load balancers are reachable from others.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::cluster::SimCluster;

/// A Service reachable at a network address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub cluster: String,
    pub namespace: String,
    pub service: String,
}

/// Addresses (LoadBalancer IPs and hostnames) → the Service behind them.
#[derive(Default)]
pub struct Network {
    addresses: RwLock<BTreeMap<String, Endpoint>>,
}

impl Network {
    pub fn register(&self, address: &str, endpoint: Endpoint) {
        self.addresses
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(address.to_string(), endpoint);
    }

    pub fn unregister(&self, address: &str) {
        self.addresses
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(address);
    }

    /// The Service an address reaches, if anything answers there.
    pub fn resolve(&self, address: &str) -> Option<Endpoint> {
        self.addresses
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(address)
            .cloned()
    }

    /// The address registered for a Service, if any.
    pub fn address_of(&self, endpoint: &Endpoint) -> Option<String> {
        self.addresses
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(_, e)| *e == endpoint)
            .map(|(a, _)| a.clone())
    }
}

pub struct World {
    pub clusters: Vec<Arc<SimCluster>>,
    pub network: Network,
    /// Multiplies every controller delay; 0 makes reconciles immediate (yet still asynchronous).
    pub time_scale: f64,
}

impl World {
    pub fn new(clusters: Vec<Arc<SimCluster>>, time_scale: f64) -> Self {
        World {
            clusters,
            network: Network::default(),
            time_scale,
        }
    }

    pub fn cluster(&self, name: &str) -> Option<&Arc<SimCluster>> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// A controller delay as the time scale makes it (`base` is the realistic duration).
    pub fn delay(&self, base: Duration) -> Duration {
        if self.time_scale <= 0.0 {
            return Duration::ZERO;
        }
        base.mul_f64(self.time_scale.min(1000.0))
    }
}
