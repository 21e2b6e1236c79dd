//! The simulated platform's components — OLM, OpenShift, the Service Mesh operator, federation —
//! as controllers reacting to the stores' events, the way real controllers do: asynchronously,
//! level-triggered (each reconcile looks at the whole state and writes what differs) and idempotent
//! (the store turns an unchanged write into a no-op, so controllers converge instead of looping).
//!
//! A controller says which kinds it cares about; the runner pokes it on their events (in any
//! cluster, since federation spans two) and when its requested delay is over. Delays model how long
//! real components take and are scaled by the world's time scale (0 in tests: immediate, but still
//! after the write that caused them, as on a real cluster).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use super::cluster::SimCluster;
use super::status::ApiError;
use super::store::Part;
use super::world::World;

pub mod crds;
pub mod delays;
pub mod federation;
pub mod olm;
pub mod openshift;
pub mod ossm;

/// What a reconcile asks for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing until the next relevant event.
    Idle,
    /// Reconcile again after this long (a pending step of a simulated rollout).
    After(Duration),
}

impl Next {
    /// The sooner of two requests.
    pub fn min(self, other: Next) -> Next {
        match (self, other) {
            (Next::Idle, n) | (n, Next::Idle) => n,
            (Next::After(a), Next::After(b)) => Next::After(a.min(b)),
        }
    }
}

pub trait Controller: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Whether an event on `group`/`plural` in cluster `cluster` may matter to this controller.
    fn interested(&self, cluster: &str, group: &str, plural: &str) -> bool;
    /// Brings the simulated world in line with what is declared.
    fn reconcile(&self, world: &World) -> Next;
}

/// Readies a new cluster before it serves: the kinds its platform serves without CRDs, its
/// admission checks, its initial objects.
pub fn prepare(cluster: &SimCluster) {
    openshift::register(cluster);
    ossm::register(cluster);
}

/// Rebuilds what the simulated platform keeps in memory from the stores, before controllers run.
pub fn restore(world: &World) {
    openshift::restore_network(world);
}

/// Every controller of a world, listed once.
pub fn all(world: &Arc<World>) -> Vec<Arc<dyn Controller>> {
    let _ = world;
    vec![
        Arc::new(openshift::OpenShift::new()),
        Arc::new(olm::Olm::new()),
        Arc::new(ossm::Ossm::new()),
        Arc::new(federation::Federation),
    ]
}

/// Starts one task per controller; they stop when `shutdown` turns true.
pub fn spawn(
    world: Arc<World>,
    controllers: Vec<Arc<dyn Controller>>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    controllers
        .into_iter()
        .map(|controller| {
            let world = world.clone();
            let mut stop = shutdown.clone();
            let poke = Arc::new(Notify::new());
            for cluster in &world.clusters {
                let mut events = cluster.store.subscribe();
                let poke = poke.clone();
                let controller = controller.clone();
                let name = cluster.name.clone();
                let mut stop = shutdown.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            _ = stop.wait_for(|s| *s) => return,
                            event = events.recv() => match event {
                                Ok(e) if controller.interested(&name, &e.group, &e.plural) => poke.notify_one(),
                                Ok(_) => {}
                                Err(broadcast::error::RecvError::Lagged(_)) => poke.notify_one(),
                                Err(broadcast::error::RecvError::Closed) => return,
                            }
                        }
                    }
                });
            }
            tokio::spawn(async move {
                let mut next = Next::After(Duration::ZERO);
                loop {
                    let wake = async {
                        match next {
                            Next::Idle => std::future::pending::<()>().await,
                            Next::After(d) => tokio::time::sleep(d).await,
                        }
                    };
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        _ = poke.notified() => {}
                        _ = wake => {}
                    }
                    next = controller.reconcile(&world);
                }
            })
        })
        .collect()
}

/// Store access for controllers, by group and plural, writing as the platform (no admission).
pub struct Objects<'a> {
    pub cluster: &'a SimCluster,
}

impl<'a> Objects<'a> {
    pub fn of(cluster: &'a SimCluster) -> Self {
        Objects { cluster }
    }

    pub fn get(
        &self,
        group: &str,
        plural: &str,
        namespace: &str,
        name: &str,
    ) -> Option<Arc<Value>> {
        let rt = self.cluster.store.find(group, plural)?;
        self.cluster.store.get(&rt, namespace, name).ok()
    }

    /// Objects of a kind in a namespace (`None`: all); empty when the kind is not served.
    pub fn list(&self, group: &str, plural: &str, namespace: Option<&str>) -> Vec<Arc<Value>> {
        match self.cluster.store.find(group, plural) {
            Some(rt) => self.cluster.store.list(&rt, namespace, &|_| true).0,
            None => Vec::new(),
        }
    }

    /// Creates `desired`, or makes the existing object's top-level fields (but `metadata` and
    /// `status`) and labels/annotations equal to it. Unchanged objects are not written.
    pub fn ensure(
        &self,
        group: &str,
        plural: &str,
        desired: Value,
    ) -> Result<Arc<Value>, ApiError> {
        let rt = self
            .cluster
            .store
            .find(group, plural)
            .ok_or_else(|| ApiError::no_such_path(&format!("{plural}.{group}")))?;
        let namespace = desired
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = desired
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let (object, _) =
            self.cluster
                .store
                .modify(&rt, &namespace, &name, Part::Whole, true, |current| {
                    let Some(current) = current else {
                        return Ok(desired);
                    };
                    let mut merged = current.clone();
                    if let (Some(target), Some(source)) =
                        (merged.as_object_mut(), desired.as_object())
                    {
                        for (key, value) in source {
                            if key == "metadata" {
                                for field in ["labels", "annotations", "ownerReferences"] {
                                    if let Some(v) = value.get(field) {
                                        target.entry("metadata").or_insert_with(|| json!({}))
                                            [field] = v.clone();
                                    }
                                }
                            } else if key != "status" {
                                target.insert(key.clone(), value.clone());
                            }
                        }
                    }
                    Ok(merged)
                })?;
        Ok(object)
    }

    /// Sets an object's status; a no-op when it is already equal. Absent objects are skipped.
    pub fn set_status(
        &self,
        group: &str,
        plural: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) -> Option<Arc<Value>> {
        let rt = self.cluster.store.find(group, plural)?;
        self.cluster
            .store
            .modify(&rt, namespace, name, Part::Whole, false, |current| {
                let mut next = current.cloned().unwrap_or(Value::Null);
                next["status"] = status;
                Ok(next)
            })
            .ok()
            .map(|(o, _)| o)
    }

    pub fn delete(&self, group: &str, plural: &str, namespace: &str, name: &str) -> bool {
        match self.cluster.store.find(group, plural) {
            Some(rt) => self.cluster.store.delete(&rt, namespace, name).is_ok(),
            None => false,
        }
    }
}

/// A status condition in Kubernetes' shape, keeping `lastTransitionTime` when the status did not
/// change (so unchanged conditions do not rewrite the object on every reconcile).
pub fn condition(
    previous: Option<&Value>,
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
) -> Value {
    let status_text = if status { "True" } else { "False" };
    let since = previous
        .and_then(|conditions| conditions.as_array())
        .and_then(|list| list.iter().find(|c| c["type"] == kind))
        .filter(|c| c["status"] == status_text)
        .and_then(|c| c.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(super::store::now()));
    let mut c = Map::new();
    c.insert("type".into(), json!(kind));
    c.insert("status".into(), json!(status_text));
    c.insert("reason".into(), json!(reason));
    c.insert("message".into(), json!(message));
    c.insert("lastTransitionTime".into(), since);
    Value::Object(c)
}
