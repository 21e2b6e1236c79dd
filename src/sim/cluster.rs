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

/// One write as an admission webhook receives it (an `AdmissionReview`'s request): the
/// operation, where, the object before the write, and the webhook's own view of the cluster.
pub struct Request<'a> {
    pub rt: &'a ResourceType,
    pub operation: Operation,
    pub namespace: &'a str,
    /// The stored object an update replaces; `None` on create.
    pub old: Option<&'a Value>,
    pub cache: &'a Cache,
}

/// The objects of the kinds an admission check reads, as its operator's informer cache holds
/// them: listed just before the write, so (as on a real cluster) two concurrent writes may both
/// pass a check that each would fail after the other.
#[derive(Default)]
pub struct Cache {
    kinds: BTreeMap<(String, String), Vec<Arc<Value>>>,
}

impl Cache {
    /// Objects of `group`/`plural`, in one namespace or all (`None`).
    pub fn list<'a>(
        &'a self,
        group: &str,
        plural: &str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.kinds
            .get(&(group.to_string(), plural.to_string()))
            .into_iter()
            .flatten()
            .map(|o| &**o)
            .filter(move |o| {
                namespace.is_none_or(|ns| {
                    o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
                })
            })
    }
}

/// An admission webhook as kube-apiserver calls it
/// (`staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook`): every mutating check of the
/// chain, then every validating one. Checks read the cluster only through [`Request::cache`]:
/// the API handlers call them under the store's write lock.
pub trait Admission: Send + Sync {
    /// Whether the check's webhook configuration matches writes of this kind and subresource
    /// (`rules[].resources`; `servicemeshcontrolplanes` does not match its `/status`).
    fn handles(&self, rt: &ResourceType, subresource: Option<&str>) -> bool;
    /// The kinds (group, plural) the check reads, as its informer cache watches them.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// A mutating webhook's change to the object (as its JSON patch would make it).
    fn mutate(&self, _req: &Request, _object: &mut Value) -> Result<(), ApiError> {
        Ok(())
    }
    /// A validating webhook's verdict.
    fn validate(&self, req: &Request, object: &Value) -> Result<(), ApiError>;
}

/// The admission chain of one write, with the cache its checks read.
pub struct Admitter {
    checks: Vec<Arc<dyn Admission>>,
    cache: Cache,
}

impl Admitter {
    /// Runs the chain on `object`: mutating checks, then (when they changed the object) the
    /// schema's validation and pruning again, then validating checks. kube-apiserver validates
    /// only after mutating admission (`endpoints/handlers/create.go`: admit, then the strategy's
    /// Validate, then validating admission); the handlers here validate the request first, so
    /// what a mutation adds is validated a second time — an object a mutation would complete
    /// is refused here as it is there only when the mutation is needed for it to be valid.
    pub fn admit(
        &self,
        rt: &ResourceType,
        operation: Operation,
        namespace: &str,
        old: Option<&Value>,
        object: &mut Value,
    ) -> Result<(), ApiError> {
        if self.checks.is_empty() {
            return Ok(());
        }
        let req = Request {
            rt,
            operation,
            namespace,
            old,
            cache: &self.cache,
        };
        let before = object.clone();
        for check in &self.checks {
            check.mutate(&req, object)?;
        }
        if *object != before {
            super::validation::admit_merged(rt, object)?;
        }
        self.checks
            .iter()
            .try_for_each(|check| check.validate(&req, object))
    }
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

    /// The admission chain for a write of `rt` (and `subresource`), its checks' cache filled
    /// now: call it before taking the store's lock.
    pub fn admission(&self, rt: &ResourceType, subresource: Option<&str>) -> Admitter {
        let checks: Vec<Arc<dyn Admission>> = self
            .admission
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|c| c.handles(rt, subresource))
            .cloned()
            .collect();
        let mut cache = Cache::default();
        for (group, plural) in checks.iter().flat_map(|c| c.reads()) {
            let key = (group.to_string(), plural.to_string());
            if cache.kinds.contains_key(&key) {
                continue;
            }
            let items = match self.store.find(group, plural) {
                Some(t) => self.store.list(&t, None, &|_| true).0,
                None => Vec::new(),
            };
            cache.kinds.insert(key, items);
        }
        Admitter { checks, cache }
    }

    /// A named switch shared by an admission check and the controller that decides it (e.g.
    /// "the operator's webhook serves").
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
