//! The simulated platform's components — OLM, OpenShift, the Service Mesh operator, federation —
//! as controllers reacting to the stores' events, the way real controllers do: asynchronously,
//! level-triggered (a reconcile looks at the whole state of what it is asked about and writes what
//! differs) and idempotent (unchanged writes are no-ops, so controllers converge instead of looping).
//!
//! A controller says which kinds it cares about; the runner pokes it on their events (in any
//! cluster, since federation spans two) and when its requested delay is over. Events that arrive
//! while a reconcile runs are coalesced into the next one, which is told which clusters they came
//! from ([`Changes`]): a world of N clusters with N meshes each peered to all others would
//! otherwise redo all N² links on every event. A delayed re-run, the first run and a run after
//! missed events look at everything. Delays model how long real components take and are scaled by
//! the world's time scale (0 in tests: immediate, but still after the write that caused them, as
//! on a real cluster).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::cluster::SimCluster;
use super::status::ApiError;
use super::store::{Part, defaults, text};
use super::world::World;

pub mod crds;
pub mod delays;
pub mod federation;
pub mod lifecycle;
pub mod olm;
pub mod openshift;
pub mod ossm;
pub mod workloads;

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

/// What changed since a controller's last reconcile: the clusters where objects it cares about
/// changed, or everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    everything: bool,
    clusters: BTreeSet<String>,
}

impl Changes {
    /// Everything may have changed: the first run, a delayed re-run, missed events.
    pub fn everything() -> Self {
        Changes {
            everything: true,
            clusters: BTreeSet::new(),
        }
    }

    /// Whether objects of `cluster` may have changed.
    pub fn touches(&self, cluster: &str) -> bool {
        self.everything || self.clusters.contains(cluster)
    }

    fn is_empty(&self) -> bool {
        !self.everything && self.clusters.is_empty()
    }

    fn add(&mut self, cluster: &str) {
        if !self.everything && !self.clusters.contains(cluster) {
            self.clusters.insert(cluster.to_string());
        }
    }
}

pub trait Controller: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Whether an event on `group`/`plural` in cluster `cluster` may matter to this controller.
    fn interested(&self, cluster: &str, group: &str, plural: &str) -> bool;
    /// Brings what `changes` may have affected in line with what is declared. The `Next` it
    /// returns is about that part only: the runner keeps earlier requests for the rest.
    fn reconcile(&self, world: &World, changes: &Changes) -> Next;
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
        Arc::new(federation::Federation::default()),
        Arc::new(lifecycle::Lifecycle::default()),
        Arc::new(workloads::Workloads::new()),
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
            // Changes since the last reconcile, gathered by the event tasks, taken by the reconcile.
            let pending = Arc::new(Mutex::new(Changes::default()));
            for cluster in &world.clusters {
                let mut events = cluster.store.subscribe();
                let poke = poke.clone();
                let pending = pending.clone();
                let controller = controller.clone();
                let name = cluster.name.clone();
                let mut stop = shutdown.clone();
                tokio::spawn(async move {
                    loop {
                        let missed = tokio::select! {
                            _ = stop.wait_for(|s| *s) => return,
                            event = events.recv() => match event {
                                Ok(e) if controller.interested(&name, &e.group, &e.plural) => false,
                                Ok(_) => continue,
                                Err(broadcast::error::RecvError::Lagged(_)) => true,
                                Err(broadcast::error::RecvError::Closed) => return,
                            }
                        };
                        {
                            let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
                            if missed {
                                *pending = Changes::everything();
                            } else {
                                pending.add(&name);
                            }
                        }
                        poke.notify_one();
                    }
                });
            }
            tokio::spawn(async move {
                // The first run looks at everything, as after a restart.
                let mut deadline = Some(Instant::now());
                loop {
                    let wake = async {
                        match deadline {
                            None => std::future::pending::<()>().await,
                            Some(at) => tokio::time::sleep_until(at).await,
                        }
                    };
                    let poked = tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        _ = poke.notified() => true,
                        _ = wake => false,
                    };
                    if poked {
                        // Let the rest of a burst of events land, to handle it in one go.
                        tokio::task::yield_now().await;
                    }
                    let due = deadline.is_some_and(|at| at <= Instant::now());
                    let mut changes =
                        std::mem::take(&mut *pending.lock().unwrap_or_else(|e| e.into_inner()));
                    if due {
                        changes = Changes::everything();
                    }
                    if changes.is_empty() {
                        // A poke whose changes an earlier reconcile already took.
                        continue;
                    }
                    let requested = match controller.reconcile(&world, &changes) {
                        Next::Idle => None,
                        Next::After(d) => Some(Instant::now() + d),
                    };
                    // A reconcile of everything answers for everything; a partial one only for
                    // what it looked at, so earlier requests for the rest still stand.
                    deadline = match (changes.everything, deadline, requested) {
                        (true, _, r) => r,
                        (false, Some(d), Some(r)) => Some(d.min(r)),
                        (false, d, r) => d.or(r),
                    };
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
    /// `status`) and labels/annotations/ownerReferences equal to it. Unchanged objects are not
    /// written, nor copied: controllers ensure every object they own on every reconcile.
    pub fn ensure(
        &self,
        group: &str,
        plural: &str,
        mut desired: Value,
    ) -> Result<Arc<Value>, ApiError> {
        let rt = self
            .cluster
            .store
            .find(group, plural)
            .ok_or_else(|| ApiError::no_such_path(&format!("{plural}.{group}")))?;
        let namespace = text(&desired, "/metadata/namespace").to_string();
        let name = text(&desired, "/metadata/name").to_string();
        // The defaults the store would fill in anyway (a Service's clusterIP), so that an
        // unchanged object compares equal to what is stored.
        defaults(&rt, &mut desired);
        if let Ok(current) = self.cluster.store.get(&rt, &namespace, &name)
            && (holds(&current, &desired) || terminating(&current))
        {
            // A terminating object is left to its finalizers, as real controllers leave it
            // (they skip objects with a deletionTimestamp); it is created anew once gone.
            return Ok(current);
        }
        let (object, _) =
            self.cluster
                .store
                .modify(&rt, &namespace, &name, Part::Whole, true, |current| {
                    let Some(current) = current else {
                        return Ok(desired);
                    };
                    let mut merged = current.clone();
                    if terminating(current) {
                        return Ok(merged);
                    }
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
        // Most reconciles find the status as it was: compare before copying the object.
        let current = self.cluster.store.get(&rt, namespace, name).ok()?;
        if current.get("status") == Some(&status) {
            return Some(current);
        }
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

    /// Deletes as a DELETE without options does: an object with finalizers is only marked.
    pub fn delete(&self, group: &str, plural: &str, namespace: &str, name: &str) -> bool {
        match self.cluster.store.find(group, plural) {
            Some(rt) => self.cluster.store.delete(&rt, namespace, name).is_ok(),
            None => false,
        }
    }
}

/// Whether an object is being deleted (it has a `deletionTimestamp`).
pub fn terminating(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// Whether `current` already has what `ensure` would write from `desired`.
fn holds(current: &Value, desired: &Value) -> bool {
    let Some(fields) = desired.as_object() else {
        return false;
    };
    fields.iter().all(|(key, value)| match key.as_str() {
        "metadata" => ["labels", "annotations", "ownerReferences"]
            .iter()
            .all(|field| {
                value
                    .get(field)
                    .is_none_or(|v| current.pointer(&format!("/metadata/{field}")) == Some(v))
            }),
        "status" => true,
        _ => current.get(key) == Some(value),
    })
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
