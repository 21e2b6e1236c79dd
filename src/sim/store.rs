//! The object store of one simulated cluster: objects, resource versions and the event log.
//!
//! Every write goes through here so that the bookkeeping real clients rely on is kept in one place:
//! a monotonic `resourceVersion`, `uid`, `creationTimestamp`, `generation` (bumped on spec changes),
//! the status subresource split, pruning of custom resources, 409s on stale updates, namespace
//! deletion cascading, and CRDs registering their kinds. A write that changes nothing is a no-op
//! (no new resourceVersion, no event), which is what makes re-applied playbooks report "unchanged".
//!
//! Watches replay the bounded event log from a resourceVersion and then follow a broadcast channel;
//! both are taken under one lock so a watcher never misses or repeats an event. Controllers in the
//! simulator use the same store and the same events.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, broadcast};

use super::resources::{Registry, ResourceType, prune};
use super::status::ApiError;
use super::validation::{self, Cause};
use crate::names;

/// How many past events a watch can resume from before it gets 410 Gone.
const EVENT_LOG_LEN: usize = 20_000;
const BROADCAST_CAPACITY: usize = 8_192;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One change to one object.
#[derive(Clone, Debug)]
pub struct Event {
    pub rv: u64,
    pub kind: EventKind,
    pub group: String,
    pub plural: String,
    pub namespace: String,
    pub object: Arc<Value>,
}

/// Which part of an object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The main endpoint: everything but status when the type has a status subresource.
    Main,
    /// The `/status` subresource: only status.
    Status,
    /// Controllers writing both at once (the simulator's own components).
    Whole,
}

type TypeKey = (String, String);
/// Events to replay, then the live feed.
pub type WatchStart = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);
type ObjKey = (String, String);

struct Inner {
    rv: u64,
    registry: Registry,
    objects: BTreeMap<TypeKey, BTreeMap<ObjKey, Arc<Value>>>,
    log: VecDeque<Arc<Event>>,
}

/// Whether a write is made or only computed (`dryRun=All`: validated and admitted exactly like
/// the write, answering what it would store, persisting nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Commit,
    DryRun,
}

/// `DeleteOptions.propagationPolicy`: what happens to the dependents of a deleted object (those
/// whose `ownerReferences` name it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    /// The owner goes first; the garbage collector then deletes the dependents.
    Background,
    /// The owner stays (finalizer `foregroundDeletion`) until its blocking dependents are gone.
    Foreground,
    /// The dependents stay, their references to the owner removed (finalizer `orphan`).
    Orphan,
}

/// The garbage collector's finalizers (`metav1.FinalizerOrphanDependents`,
/// `metav1.FinalizerDeleteDependents`).
pub const ORPHAN_FINALIZER: &str = "orphan";
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";

/// Namespaces the NamespaceLifecycle admission plugin never lets go.
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// What a DELETE did.
#[derive(Clone, Debug)]
pub enum Deletion {
    /// The object is gone; this is its last state.
    Gone(Arc<Value>),
    /// The object stays, marked for deletion, until its finalizers are removed.
    Terminating(Arc<Value>),
}

impl Deletion {
    pub fn into_object(self) -> Arc<Value> {
        match self {
            Deletion::Gone(o) | Deletion::Terminating(o) => o,
        }
    }
}

/// A persisted copy of the store, written atomically by the simulator.
#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    pub rv: u64,
    pub objects: Vec<SnapshotObject>,
}

#[derive(Serialize, Deserialize)]
pub struct SnapshotObject {
    pub group: String,
    pub plural: String,
    pub object: Value,
}

pub struct Store {
    inner: RwLock<Inner>,
    events: broadcast::Sender<Arc<Event>>,
    /// Signalled after every effective write, so the persister can save.
    pub changed: Notify,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        Store {
            inner: RwLock::new(Inner {
                rv: 1,
                registry: Registry::with_builtins(),
                objects: BTreeMap::new(),
                log: VecDeque::new(),
            }),
            events: broadcast::channel(BROADCAST_CAPACITY).0,
            changed: Notify::new(),
        }
    }

    /// Rebuilds a store from a snapshot: CRDs first, so their kinds are registered again.
    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        let store = Store::new();
        {
            let mut inner = store.write();
            inner.rv = snapshot.rv.max(1);
            for o in &snapshot.objects {
                if o.group == "apiextensions.k8s.io"
                    && o.plural == "customresourcedefinitions"
                    && let Ok(rt) = ResourceType::from_crd(&o.object)
                {
                    inner.registry.register(rt);
                }
            }
            for o in snapshot.objects {
                let ns = text(&o.object, "/metadata/namespace").to_string();
                let name = text(&o.object, "/metadata/name").to_string();
                inner
                    .objects
                    .entry((o.group, o.plural))
                    .or_default()
                    .insert((ns, name), Arc::new(o.object));
            }
        }
        store
    }

    pub fn snapshot(&self) -> Snapshot {
        let (rv, objects) = self.shared_objects();
        Snapshot {
            rv,
            objects: objects
                .into_iter()
                .map(|(group, plural, o)| SnapshotObject {
                    group,
                    plural,
                    object: (*o).clone(),
                })
                .collect(),
        }
    }

    /// The resource version and every object as `(group, plural, object)`, shared, not copied:
    /// what a save needs, taken without holding the lock while it encodes.
    pub fn shared_objects(&self) -> (u64, Vec<(String, String, Arc<Value>)>) {
        let inner = self.read();
        let objects = inner
            .objects
            .iter()
            .flat_map(|((group, plural), objs)| {
                objs.values()
                    .map(move |o| (group.clone(), plural.clone(), o.clone()))
            })
            .collect();
        (inner.rv, objects)
    }

    // A poisoned lock only means a panic elsewhere; the data is still consistent because every
    // write is applied in one step, so keep serving rather than cascading the panic.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn resource_version(&self) -> u64 {
        self.read().rv
    }

    /// The type served at `group/version/plural`.
    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.read().registry.lookup(group, version, plural).cloned()
    }

    /// The type with this group and plural (any served version).
    pub fn find(&self, group: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.read().registry.find(group, plural).cloned()
    }

    /// A copy of the registry, for discovery documents.
    pub fn registry(&self) -> Registry {
        self.read().registry.clone()
    }

    /// Registers a kind that the simulated platform serves without a CRD (e.g. OpenShift's routes).
    pub fn register_type(&self, rt: ResourceType) {
        self.write().registry.register(rt);
    }

    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        let inner = self.read();
        inner
            .objects
            .get(&key(rt))
            .and_then(|objs| objs.get(&(scope(rt, namespace), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Objects of a type, in one namespace or all (`None`), with the list's resourceVersion.
    pub fn list(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        keep: &dyn Fn(&Value) -> bool,
    ) -> (Vec<Arc<Value>>, u64) {
        let inner = self.read();
        let items = inner
            .objects
            .get(&key(rt))
            .into_iter()
            .flat_map(|objs| objs.iter())
            .filter(|((ns, _), _)| namespace.is_none_or(|want| !rt.namespaced || ns == want))
            .map(|(_, o)| o)
            .filter(|o| keep(o))
            .cloned()
            .collect();
        (items, inner.rv)
    }

    /// Objects of every kind that `keep` picks, with their types: what the garbage collector
    /// and the namespace controller look through.
    pub fn select(&self, keep: impl Fn(&Value) -> bool) -> Vec<(Arc<ResourceType>, Arc<Value>)> {
        let inner = self.read();
        inner
            .objects
            .iter()
            .filter_map(|((group, plural), objs)| Some((inner.registry.find(group, plural)?, objs)))
            .flat_map(|(rt, objs)| {
                objs.values()
                    .filter(|o| keep(o))
                    .map(move |o| (rt.clone(), o.clone()))
            })
            .collect()
    }

    /// The served type of a kind in a group (what an ownerReference names).
    pub fn find_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceType>> {
        self.read()
            .registry
            .types()
            .iter()
            .find(|t| t.group == group && t.kind == kind)
            .cloned()
    }

    /// The oldest resource version the event log still holds: older ones are compacted away.
    pub fn oldest_version(&self) -> u64 {
        let inner = self.read();
        inner.log.front().map(|e| e.rv).unwrap_or(inner.rv)
    }

    /// Creates an object; `generateName` is honoured when the name is empty.
    pub fn create(
        &self,
        rt: &ResourceType,
        namespace: &str,
        object: Value,
    ) -> Result<Arc<Value>, ApiError> {
        self.create_as(rt, namespace, object, Write::Commit)
    }

    /// [`Store::create`], or with [`Write::DryRun`] everything but the write.
    pub fn create_as(
        &self,
        rt: &ResourceType,
        namespace: &str,
        mut object: Value,
        write: Write,
    ) -> Result<Arc<Value>, ApiError> {
        let mut inner = self.write();
        if text(&object, "/metadata/name").is_empty() {
            let prefix = text(&object, "/metadata/generateName").to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
            let name = loop {
                let candidate = format!("{prefix}{}", random_suffix());
                if !inner.contains(rt, namespace, &candidate) {
                    break candidate;
                }
            };
            set_meta(&mut object, "name", json!(name));
        }
        let name = text(&object, "/metadata/name").to_string();
        if inner.contains(rt, namespace, &name) {
            return Err(ApiError::already_exists(rt, &name));
        }
        let new = prepare(&inner, rt, namespace, None, object, Part::Main)?;
        if write == Write::DryRun {
            return Ok(Arc::new(new));
        }
        Ok(inner.commit(&self.events, &self.changed, rt, new, EventKind::Added))
    }

    /// Replaces an object (PUT). A `resourceVersion` in the body must match (optimistic concurrency).
    pub fn update(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        object: Value,
        part: Part,
    ) -> Result<Arc<Value>, ApiError> {
        self.update_as(rt, namespace, name, object, part, Write::Commit)
    }

    /// [`Store::update`], or with [`Write::DryRun`] everything but the write.
    pub fn update_as(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        object: Value,
        part: Part,
        write: Write,
    ) -> Result<Arc<Value>, ApiError> {
        self.modify_as(rt, namespace, name, part, false, write, |current| {
            let current = current.ok_or_else(|| ApiError::not_found(rt, name))?;
            check_version(rt, name, current, &object)?;
            Ok(object)
        })
        .map(|(o, _)| o)
    }

    /// Read-modify-write under the store lock, so patches never race with other writers.
    /// `f` gets the current object (or `None`) and returns the desired one; with `create_missing`
    /// a missing object is created (server-side apply). Returns the object and whether it was created.
    pub fn modify(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        part: Part,
        create_missing: bool,
        f: impl FnOnce(Option<&Value>) -> Result<Value, ApiError>,
    ) -> Result<(Arc<Value>, bool), ApiError> {
        self.modify_as(rt, namespace, name, part, create_missing, Write::Commit, f)
    }

    /// [`Store::modify`], or with [`Write::DryRun`] everything but the write.
    #[allow(clippy::too_many_arguments)]
    pub fn modify_as(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        part: Part,
        create_missing: bool,
        write: Write,
        f: impl FnOnce(Option<&Value>) -> Result<Value, ApiError>,
    ) -> Result<(Arc<Value>, bool), ApiError> {
        let mut inner = self.write();
        let current = inner
            .objects
            .get(&key(rt))
            .and_then(|objs| objs.get(&(scope(rt, namespace), name.to_string())))
            .cloned();
        if current.is_none() && !create_missing {
            return Err(ApiError::not_found(rt, name));
        }
        let mut desired = f(current.as_deref())?;
        if text(&desired, "/metadata/name").is_empty() {
            set_meta(&mut desired, "name", json!(name));
        }
        if text(&desired, "/metadata/name") != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                text(&desired, "/metadata/name")
            )));
        }
        match current {
            None => {
                let new = prepare(&inner, rt, namespace, None, desired, Part::Main)?;
                if write == Write::DryRun {
                    return Ok((Arc::new(new), true));
                }
                Ok((
                    inner.commit(&self.events, &self.changed, rt, new, EventKind::Added),
                    true,
                ))
            }
            Some(old) => {
                let new = prepare(&inner, rt, namespace, Some(&old), desired, part)?;
                if same_object(&old, &new) {
                    return Ok((old, false));
                }
                if ends_deletion(rt, &old, &new) {
                    // The update is answered with the object as sent; watchers see it deleted.
                    if write == Write::Commit {
                        inner.remove(&self.events, &self.changed, rt, namespace, name);
                    }
                    return Ok((Arc::new(new), false));
                }
                if write == Write::DryRun {
                    // What the write would store; the version stays the current one.
                    return Ok((Arc::new(new), false));
                }
                Ok((
                    inner.commit(&self.events, &self.changed, rt, new, EventKind::Modified),
                    false,
                ))
            }
        }
    }

    /// Deletes an object as a DELETE without options does (see [`Store::delete_with`]).
    pub fn delete(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        self.delete_as(rt, namespace, name, Write::Commit)
    }

    /// [`Store::delete`], or with [`Write::DryRun`] what the deletion would answer, nothing changed.
    pub fn delete_as(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        write: Write,
    ) -> Result<Arc<Value>, ApiError> {
        self.delete_with(rt, namespace, name, None, write)
            .map(Deletion::into_object)
    }

    /// A DELETE as kube-apiserver's registry makes it (kubernetes/kubernetes
    /// `staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go`, `Delete`): the
    /// propagation policy adds or removes the garbage collector's finalizers (`orphan`,
    /// `foregroundDeletion`); an object left with finalizers is only marked (`deletionTimestamp`,
    /// `deletionGracePeriodSeconds: 0`) and stays until they are removed; one without goes at
    /// once. A namespace always terminates first (`Terminating`, its content removed by the
    /// namespace controller); a CRD takes its kind and custom resources with it.
    pub fn delete_with(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        propagation: Option<Propagation>,
        write: Write,
    ) -> Result<Deletion, ApiError> {
        let mut inner = self.write();
        let current = inner
            .object(rt, namespace, name)
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        if is_namespace(rt) {
            return self.terminate_namespace(&mut inner, rt, current, write);
        }
        let finalizers = deletion_finalizers(&current, propagation);
        if finalizers.is_empty() {
            if write == Write::DryRun {
                return Ok(Deletion::Gone(current));
            }
            return Ok(Deletion::Gone(inner.remove(
                &self.events,
                &self.changed,
                rt,
                namespace,
                name,
            )));
        }
        let mut marked = (*current).clone();
        set_meta(&mut marked, "finalizers", json!(finalizers));
        mark_as_deleting(&mut marked);
        if same_object(&current, &marked) {
            return Ok(Deletion::Terminating(current));
        }
        if write == Write::DryRun {
            return Ok(Deletion::Terminating(Arc::new(marked)));
        }
        Ok(Deletion::Terminating(inner.commit(
            &self.events,
            &self.changed,
            rt,
            marked,
            EventKind::Modified,
        )))
    }

    /// The namespace registry's own DELETE (kubernetes/kubernetes
    /// `pkg/registry/core/namespace/storage/storage.go`): the first one sets `deletionTimestamp`
    /// and phase `Terminating` and answers the namespace; while the `kubernetes` finalizer is
    /// there (the namespace controller removes the content, then the namespace), another DELETE
    /// is a 409. The immortal namespaces are refused by the NamespaceLifecycle admission plugin
    /// (`staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go`).
    fn terminate_namespace(
        &self,
        inner: &mut Inner,
        rt: &ResourceType,
        current: Arc<Value>,
        write: Write,
    ) -> Result<Deletion, ApiError> {
        let name = text(&current, "/metadata/name").to_string();
        if IMMORTAL_NAMESPACES.contains(&name.as_str()) {
            return Err(ApiError::forbidden_about(
                rt,
                &name,
                "this namespace may not be deleted",
                Vec::new(),
            ));
        }
        if current.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ApiError::conflict_because(
                rt,
                &name,
                "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
            ));
        }
        let mut marked = (*current).clone();
        set_meta(&mut marked, "deletionTimestamp", json!(now()));
        marked["status"]["phase"] = json!("Terminating");
        if write == Write::DryRun {
            return Ok(Deletion::Terminating(Arc::new(marked)));
        }
        Ok(Deletion::Terminating(inner.commit(
            &self.events,
            &self.changed,
            rt,
            marked,
            EventKind::Modified,
        )))
    }

    /// Removes a terminating namespace whose content is gone, as the namespace controller does
    /// once it has finalized it; a namespace that still has `metadata.finalizers` stays until
    /// they are removed. Returns whether the namespace is gone.
    pub fn purge_namespace(&self, name: &str, uid: &str) -> bool {
        let mut inner = self.write();
        let rt = namespace_type(&inner);
        let Some(current) = inner.object(&rt, "", name) else {
            return true;
        };
        if text(&current, "/metadata/uid") != uid
            || current.pointer("/metadata/deletionTimestamp").is_none()
        {
            return true;
        }
        if !finalizers_of(&current).is_empty() {
            return false;
        }
        inner.remove(&self.events, &self.changed, &rt, "", name);
        true
    }

    /// Events after `rv` (from the log) and a receiver for those that follow, taken atomically.
    /// `rv == 0` means "from now": no replay.
    pub fn watch_from(&self, rv: u64) -> Result<WatchStart, ApiError> {
        let inner = self.read();
        let receiver = self.events.subscribe();
        if rv == 0 || rv >= inner.rv {
            return Ok((Vec::new(), receiver));
        }
        let oldest = inner.log.front().map(|e| e.rv).unwrap_or(inner.rv);
        if rv + 1 < oldest {
            return Err(ApiError::gone(format!(
                "too old resource version: {rv} ({})",
                oldest - 1
            )));
        }
        let replay = inner.log.iter().filter(|e| e.rv > rv).cloned().collect();
        Ok((replay, receiver))
    }

    /// A receiver of every future event (for the simulator's controllers).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// Number of objects, per `plural.group`, for `fedrun sim status`.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let inner = self.read();
        inner
            .objects
            .iter()
            .filter(|(_, objs)| !objs.is_empty())
            .map(|((g, p), objs)| {
                (
                    if g.is_empty() {
                        p.clone()
                    } else {
                        format!("{p}.{g}")
                    },
                    objs.len(),
                )
            })
            .collect()
    }
}

impl Inner {
    fn object(&self, rt: &ResourceType, namespace: &str, name: &str) -> Option<Arc<Value>> {
        self.objects
            .get(&key(rt))
            .and_then(|objs| objs.get(&(scope(rt, namespace), name.to_string())))
            .cloned()
    }

    /// Takes an object out of the store and publishes its deletion; a CRD takes its kind and
    /// custom resources with it. Returns the object's last state.
    fn remove(
        &mut self,
        events: &broadcast::Sender<Arc<Event>>,
        changed: &Notify,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Arc<Value> {
        let removed = self
            .objects
            .get_mut(&key(rt))
            .and_then(|objs| objs.remove(&(scope(rt, namespace), name.to_string())))
            .unwrap_or_default();
        if is_crd(rt) {
            let group = text(&removed, "/spec/group").to_string();
            let plural = text(&removed, "/spec/names/plural").to_string();
            let tk = (group.clone(), plural.clone());
            if let Some(objs) = self.objects.remove(&tk) {
                for ((ns, _), obj) in objs {
                    self.record(events, &tk, &ns, obj, EventKind::Deleted);
                }
            }
            self.registry.unregister(&group, &plural);
        }
        let deleted = self.record(
            events,
            &key(rt),
            &scope(rt, namespace),
            removed,
            EventKind::Deleted,
        );
        changed.notify_one();
        deleted
    }

    fn contains(&self, rt: &ResourceType, namespace: &str, name: &str) -> bool {
        self.objects
            .get(&key(rt))
            .is_some_and(|objs| objs.contains_key(&(scope(rt, namespace), name.to_string())))
    }

    /// Stores a prepared object under a new resourceVersion and publishes the event.
    fn commit(
        &mut self,
        events: &broadcast::Sender<Arc<Event>>,
        changed: &Notify,
        rt: &ResourceType,
        mut object: Value,
        kind: EventKind,
    ) -> Arc<Value> {
        self.rv += 1;
        set_meta(&mut object, "resourceVersion", json!(self.rv.to_string()));
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            // prepare() validated it; registering here keeps kind and object in step.
            if let Ok(new_type) = ResourceType::from_crd(&object) {
                self.registry.register(new_type);
            }
        }
        let ns = text(&object, "/metadata/namespace").to_string();
        let name = text(&object, "/metadata/name").to_string();
        let object = Arc::new(object);
        self.objects
            .entry(key(rt))
            .or_default()
            .insert((ns.clone(), name), object.clone());
        self.publish(events, key(rt), ns, object.clone(), kind);
        changed.notify_one();
        object
    }

    /// Publishes a deletion (a new resourceVersion stamped on the last state).
    fn record(
        &mut self,
        events: &broadcast::Sender<Arc<Event>>,
        tk: &TypeKey,
        namespace: &str,
        object: Arc<Value>,
        kind: EventKind,
    ) -> Arc<Value> {
        self.rv += 1;
        let mut last = (*object).clone();
        set_meta(&mut last, "resourceVersion", json!(self.rv.to_string()));
        let last = Arc::new(last);
        self.publish(
            events,
            tk.clone(),
            namespace.to_string(),
            last.clone(),
            kind,
        );
        last
    }

    fn publish(
        &mut self,
        events: &broadcast::Sender<Arc<Event>>,
        (group, plural): TypeKey,
        namespace: String,
        object: Arc<Value>,
        kind: EventKind,
    ) {
        let event = Arc::new(Event {
            rv: self.rv,
            kind,
            group,
            plural,
            namespace,
            object,
        });
        if self.log.len() == EVENT_LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back(event.clone());
        // No receivers is fine: nobody is watching.
        let _ = events.send(event);
    }
}

fn key(rt: &ResourceType) -> TypeKey {
    (rt.group.clone(), rt.plural.clone())
}

/// Cluster-scoped objects live under the empty namespace whatever the caller passed.
fn scope(rt: &ResourceType, namespace: &str) -> String {
    if rt.namespaced {
        namespace.to_string()
    } else {
        String::new()
    }
}

/// An update's optimistic concurrency: a `resourceVersion` in the body must be the current one.
pub(crate) fn check_version(
    rt: &ResourceType,
    name: &str,
    current: &Value,
    object: &Value,
) -> Result<(), ApiError> {
    let wanted = text(object, "/metadata/resourceVersion");
    if !wanted.is_empty() && wanted != text(current, "/metadata/resourceVersion") {
        return Err(ApiError::conflict(rt, name));
    }
    Ok(())
}

pub(crate) fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn set_meta(object: &mut Value, field: &str, value: Value) {
    if !object.is_object() {
        return;
    }
    let meta = object
        .as_object_mut()
        .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
        .expect("checked object");
    if !meta.is_object() {
        *meta = json!({});
    }
    if let Some(m) = meta.as_object_mut() {
        m.insert(field.to_string(), value);
    }
}

/// Turns what a client sent into what is stored: validation, server-owned metadata, the
/// status-subresource split, pruning and defaults.
fn prepare(
    inner: &Inner,
    rt: &ResourceType,
    namespace: &str,
    old: Option<&Value>,
    mut new: Value,
    part: Part,
) -> Result<Value, ApiError> {
    let name = text(&new, "/metadata/name").to_string();
    if !new.is_object() {
        return Err(ApiError::bad_request("the object must be a JSON object"));
    }
    if !new.get("metadata").is_none_or(Value::is_object) {
        return Err(ApiError::invalid(
            rt,
            &name,
            "metadata",
            "Invalid value: must be an object",
        ));
    }
    // The API layer checked the body's kind against the endpoint; the store just stamps it.
    let version = rt.storage_version().to_string();
    new["apiVersion"] = json!(rt.api_version(&version));
    new["kind"] = json!(rt.kind);
    let check = if matches!(rt.plural.as_str(), "namespaces" | "services") && rt.group.is_empty() {
        names::dns1123_label(&name)
    } else {
        names::dns1123_subdomain(&name)
    };
    if let Err(e) = check {
        return Err(ApiError::invalid(
            rt,
            &name,
            "metadata.name",
            format!("Invalid value: \"{name}\": {e}"),
        ));
    }
    if rt.namespaced {
        let body_ns = text(&new, "/metadata/namespace");
        if !body_ns.is_empty() && body_ns != namespace {
            return Err(ApiError::bad_request(format!(
                "the namespace of the provided object ({body_ns}) does not match the namespace sent on the request ({namespace})"
            )));
        }
        let Some(ns) = inner.object(&namespace_type(inner), "", namespace) else {
            return Err(ApiError::namespace_not_found(namespace));
        };
        if old.is_none() && ns.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(terminating_namespace(rt, &name, namespace));
        }
        set_meta(&mut new, "namespace", json!(namespace));
    } else if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("namespace");
    }
    for field in ["labels", "annotations"] {
        if let Some(map) = new.pointer(&format!("/metadata/{field}")) {
            let ok = map.is_null()
                || map
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string));
            if !ok {
                return Err(ApiError::invalid(
                    rt,
                    &name,
                    &format!("metadata.{field}"),
                    "Invalid value: values must be strings",
                ));
            }
        }
    }
    if let (Some(schema), Some(_)) = (&rt.schema, new.get("spec").or(new.get("status"))) {
        prune(&mut new, schema);
    }
    if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
        let declared =
            ResourceType::from_crd(&new).map_err(|e| ApiError::invalid(rt, &name, "spec", e))?;
        if part != Part::Status {
            new["status"] = crd_status(&declared);
        }
    }

    let mut meta = match new.get_mut("metadata").map(Value::take) {
        Some(Value::Object(meta)) => meta,
        _ => Map::new(),
    };
    match old {
        None => {
            // `BeforeCreate` (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/registry/rest/create.go).
            meta.remove("deletionTimestamp");
            meta.remove("deletionGracePeriodSeconds");
            meta.insert("uid".into(), json!(uid()));
            meta.insert("creationTimestamp".into(), json!(now()));
            if tracks_generation(rt) {
                meta.insert("generation".into(), json!(1));
            }
            if rt.status_subresource && part == Part::Main && !is_crd(rt) {
                new.as_object_mut().map(|o| o.remove("status"));
            }
            new["metadata"] = Value::Object(meta);
            defaults(rt, &mut new);
            semantic(rt, None, &new, &name)?;
        }
        Some(old) => {
            let old_meta = old.get("metadata").and_then(Value::as_object);
            for keep in ["uid", "creationTimestamp", "generation", "resourceVersion"] {
                match old_meta.and_then(|m| m.get(keep)) {
                    Some(v) => meta.insert(keep.into(), v.clone()),
                    None => meta.remove(keep),
                };
            }
            deletion_rules(rt, &name, old, &mut meta)?;
            new["metadata"] = Value::Object(meta);
            if rt.status_subresource {
                match part {
                    Part::Main => copy_field(old, &mut new, "status"),
                    Part::Status => {
                        let status = new.get("status").cloned();
                        // The field manager recorded the write's owner on the new object.
                        let managed = new.pointer("/metadata/managedFields").cloned();
                        new = old.clone();
                        if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                            match managed {
                                Some(managed) => m.insert("managedFields".into(), managed),
                                None => m.remove("managedFields"),
                            };
                        }
                        match status {
                            Some(s) => new["status"] = s,
                            None => {
                                new.as_object_mut().map(|o| o.remove("status"));
                            }
                        }
                    }
                    Part::Whole => {}
                }
            }
            // Defaults first, as kube-apiserver does: a write that leaves out a defaulted field
            // (a Service's clusterIP) is not a spec change.
            defaults(rt, &mut new);
            semantic(rt, Some(old), &new, &name)?;
            if tracks_generation(rt) && spec_differs(old, &new) {
                let generation = old
                    .pointer("/metadata/generation")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                new["metadata"]["generation"] = json!(generation + 1);
            }
        }
    }
    Ok(new)
}

fn is_namespace(rt: &ResourceType) -> bool {
    rt.group.is_empty() && rt.plural == "namespaces"
}

/// An object's `metadata.finalizers`.
pub fn finalizers_of(object: &Value) -> Vec<String> {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The finalizers an object keeps when deleted with `propagation`
/// (`deletionFinalizersForGarbageCollection` in the registry's store.go): an explicit policy
/// replaces the garbage collector's finalizers; none keeps those already there, and every kind
/// the simulator serves defaults to Background (apps/v1 and custom resources delete dependents).
fn deletion_finalizers(object: &Value, propagation: Option<Propagation>) -> Vec<String> {
    let mut finalizers = finalizers_of(object);
    if let Some(policy) = propagation {
        finalizers.retain(|f| f != ORPHAN_FINALIZER && f != FOREGROUND_FINALIZER);
        match policy {
            Propagation::Orphan => finalizers.push(ORPHAN_FINALIZER.into()),
            Propagation::Foreground => finalizers.push(FOREGROUND_FINALIZER.into()),
            Propagation::Background => {}
        }
    }
    finalizers
}

/// `markAsDeleting` (store.go): the first deletion bumps a tracked generation and sets the
/// timestamp; the grace period of a finalized deletion is zero.
fn mark_as_deleting(object: &mut Value) {
    if object.pointer("/metadata/deletionTimestamp").is_none() {
        if let Some(generation) = object
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .filter(|g| *g > 0)
        {
            set_meta(object, "generation", json!(generation + 1));
        }
        set_meta(object, "deletionTimestamp", json!(now()));
    }
    set_meta(object, "deletionGracePeriodSeconds", json!(0));
}

/// Whether an update ends a deletion: the object was marked without a grace period and the
/// update removed its last finalizer (`ShouldDeleteDuringUpdate`, store.go). A namespace ends
/// through its controller instead, once its content is gone.
fn ends_deletion(rt: &ResourceType, old: &Value, new: &Value) -> bool {
    !is_namespace(rt)
        && old.pointer("/metadata/deletionTimestamp").is_some()
        && old
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .is_none_or(|g| g == 0)
        && finalizers_of(new).is_empty()
}

/// What an update may do to a deletion (kubernetes/kubernetes
/// `staging/src/k8s.io/apiserver/pkg/registry/rest/update.go`, `BeforeUpdate`, and
/// `staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go`): the timestamp and grace
/// period of a deletion stay as they are, no update can start one, and an object being deleted
/// takes no new finalizers.
fn deletion_rules(
    rt: &ResourceType,
    name: &str,
    old: &Value,
    meta: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let old_meta = old.get("metadata");
    let Some(since) = old_meta.and_then(|m| m.get("deletionTimestamp")) else {
        if let Some(field) = ["deletionTimestamp", "deletionGracePeriodSeconds"]
            .into_iter()
            .find(|f| meta.get(*f).is_some_and(|v| !v.is_null()))
        {
            return Err(ApiError::invalid_fields(
                rt,
                name,
                vec![Cause {
                    reason: "FieldValueInvalid",
                    field: format!("metadata.{field}"),
                    message: format!("Invalid value: {}: field is immutable", meta[field]),
                }],
            ));
        }
        return Ok(());
    };
    meta.insert("deletionTimestamp".into(), since.clone());
    if meta
        .get("deletionGracePeriodSeconds")
        .is_none_or(Value::is_null)
        && let Some(grace) = old_meta.and_then(|m| m.get("deletionGracePeriodSeconds"))
    {
        meta.insert("deletionGracePeriodSeconds".into(), grace.clone());
    }
    let before = finalizers_of(old);
    let mut added: Vec<String> =
        finalizers_of(&json!({"metadata": {"finalizers": meta.get("finalizers")}}))
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
    if added.is_empty() {
        return Ok(());
    }
    added.sort();
    added.dedup();
    let listed: Vec<String> = added.iter().map(|f| format!("{f:?}")).collect();
    Err(ApiError::invalid_fields(
        rt,
        name,
        vec![Cause {
            reason: "FieldValueForbidden",
            field: "metadata.finalizers".into(),
            message: format!(
                "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                listed.join(", ")
            ),
        }],
    ))
}

/// The NamespaceLifecycle admission plugin's refusal of new content in a terminating namespace
/// (`staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go`).
fn terminating_namespace(rt: &ResourceType, name: &str, namespace: &str) -> ApiError {
    ApiError::forbidden_about(
        rt,
        name,
        &format!(
            "unable to create new content in namespace {namespace} because it is being terminated"
        ),
        vec![
            json!({"reason": "NamespaceTerminating", "message": format!("namespace {namespace} is being terminated"), "field": "metadata.namespace"}),
        ],
    )
}

fn namespace_type(inner: &Inner) -> ResourceType {
    inner
        .registry
        .find("", "namespaces")
        .map(|t| (**t).clone())
        .unwrap_or_else(|| {
            crate::sim::resources::builtin_types()
                .into_iter()
                .find(|t| t.plural == "namespaces")
                .expect("namespaces is a built-in type")
        })
}

fn is_crd(rt: &ResourceType) -> bool {
    rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions"
}

fn copy_field(from: &Value, to: &mut Value, field: &str) {
    match from.get(field) {
        Some(v) => to[field] = v.clone(),
        None => {
            to.as_object_mut().map(|o| o.remove(field));
        }
    }
}

/// Whether two objects differ in anything but metadata and status: what `generation` tracks.
/// Compared in place: controllers rewrite objects often, and most writes change no spec.
/// The built-in kinds' own validation of a create (`old` none) or an update.
fn semantic(
    rt: &ResourceType,
    old: Option<&Value>,
    new: &Value,
    name: &str,
) -> Result<(), ApiError> {
    let causes = validation::semantic(rt, old, new);
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid_fields(rt, name, causes))
}

/// Whether the kind's strategy keeps `metadata.generation`: custom resources and CRDs, and the
/// workload kinds (kubernetes/kubernetes `pkg/registry/apps/*/strategy.go` set it on create and
/// bump it on spec changes); the core kinds the simulator serves (ConfigMaps, Secrets,
/// Namespaces, Services, Pods at 1.32) never get one.
fn tracks_generation(rt: &ResourceType) -> bool {
    !rt.group.is_empty()
}

fn spec_differs(old: &Value, new: &Value) -> bool {
    let tracked = |k: &str| !matches!(k, "metadata" | "status" | "apiVersion" | "kind");
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return old != new;
    };
    let count = |m: &Map<String, Value>| m.keys().filter(|k| tracked(k)).count();
    count(old) != count(new)
        || old
            .iter()
            .any(|(k, v)| tracked(k) && new.get(k).is_none_or(|n| n != v))
}

/// Equal apart from server bookkeeping that changes on every write (managedFields timestamps).
/// Compared in place, without copies: most controller writes turn out to change nothing.
fn same_object(old: &Value, new: &Value) -> bool {
    same_map(old, new, |key, old, new| match key {
        "metadata" => same_map(old, new, |key, old, new| match (key, old, new) {
            ("managedFields", Value::Array(old), Value::Array(new)) => {
                old.len() == new.len()
                    && old
                        .iter()
                        .zip(new)
                        .all(|(old, new)| same_but_time(old, new))
            }
            _ => old == new,
        }),
        _ => old == new,
    })
}

/// Equal but for a `time` field, which either may lack.
fn same_but_time(old: &Value, new: &Value) -> bool {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return old == new;
    };
    let timed = |m: &Map<String, Value>| m.len() - usize::from(m.contains_key("time"));
    timed(old) == timed(new)
        && old
            .iter()
            .all(|(k, v)| k == "time" || new.get(k).is_some_and(|n| n == v))
}

/// Whether two values are equal, comparing the fields of objects with `same`.
fn same_map(old: &Value, new: &Value, same: impl Fn(&str, &Value, &Value) -> bool) -> bool {
    match (old.as_object(), new.as_object()) {
        (Some(old), Some(new)) => {
            old.len() == new.len()
                && old
                    .iter()
                    .all(|(k, v)| new.get(k).is_some_and(|n| same(k, v, n)))
        }
        _ => old == new,
    }
}

/// The defaults kube-apiserver fills in for the built-in kinds we serve.
pub(crate) fn defaults(rt: &ResourceType, obj: &mut Value) {
    if !rt.group.is_empty() && rt.group != "apps" {
        return;
    }
    match rt.plural.as_str() {
        "namespaces" => {
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
            if obj.pointer("/status/phase").is_none() {
                obj["status"] = json!({"phase": "Active"});
            }
            let name = text(obj, "/metadata/name").to_string();
            if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                let labels = m.entry("labels").or_insert_with(|| json!({}));
                if labels.is_object() {
                    labels["kubernetes.io/metadata.name"] = json!(name);
                }
            }
        }
        "services" => {
            let spec = obj
                .as_object_mut()
                .map(|o| o.entry("spec").or_insert_with(|| json!({})));
            if let Some(spec @ Value::Object(_)) = spec {
                if spec.get("type").is_none() {
                    spec["type"] = json!("ClusterIP");
                }
                if spec.get("clusterIP").is_none() && spec["type"] != "ExternalName" {
                    let ip = cluster_ip(text(obj, "/metadata/name"));
                    obj["spec"]["clusterIP"] = json!(ip);
                    obj["spec"]["clusterIPs"] = json!([ip]);
                }
                if let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
                    for p in ports {
                        if p.get("protocol").is_none() && p.is_object() {
                            p["protocol"] = json!("TCP");
                        }
                        if p.get("targetPort").is_none() && p.is_object() {
                            p["targetPort"] = p.get("port").cloned().unwrap_or(json!(0));
                        }
                    }
                }
            }
        }
        "secrets" => {
            if obj.get("type").is_none_or(|t| t.as_str() == Some("")) {
                obj["type"] = json!("Opaque");
            }
            // `stringData` is write-only: decoding folds it into `data`, over any value of the
            // same key (kubernetes/kubernetes `pkg/apis/core/v1/conversion.go`,
            // `Convert_v1_Secret_To_core_Secret`), so it is never stored nor answered.
            if let Some(Value::Object(plain)) =
                obj.as_object_mut().and_then(|o| o.remove("stringData"))
            {
                if !obj.get("data").is_some_and(Value::is_object) {
                    obj["data"] = json!({});
                }
                for (key, value) in plain {
                    let encoded = base64::engine::general_purpose::STANDARD
                        .encode(value.as_str().unwrap_or_default());
                    obj["data"][key] = json!(encoded);
                }
            }
        }
        "deployments" => {
            if let Some(spec) = obj.get_mut("spec").filter(|s| s.is_object())
                && spec.get("replicas").is_none()
            {
                spec["replicas"] = json!(1);
            }
        }
        _ => {}
    }
}

/// A stable, plausible ClusterIP derived from the name (no allocator needed in a simulator).
fn cluster_ip(name: &str) -> String {
    let h = name
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    format!("172.30.{}.{}", (h >> 8) & 0xff, (h & 0xfe).max(2))
}

fn crd_status(rt: &ResourceType) -> Value {
    let t = now();
    json!({
        "acceptedNames": {"kind": rt.kind, "plural": rt.plural, "singular": rt.singular, "shortNames": rt.short_names, "listKind": format!("{}List", rt.kind)},
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": t},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": t},
        ],
        "storedVersions": [rt.storage_version()],
    })
}

/// RFC 3339 timestamp in UTC with second precision, as Kubernetes writes them.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn uid() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
    )
}

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Store, Arc<ResourceType>, Arc<ResourceType>) {
        let s = Store::new();
        let ns = s.resource("", "v1", "namespaces").unwrap();
        let cm = s.resource("", "v1", "configmaps").unwrap();
        s.create(&ns, "", json!({"metadata": {"name": "demo"}}))
            .unwrap();
        (s, ns, cm)
    }

    #[test]
    fn create_fills_server_metadata_and_rejects_duplicates() {
        let (s, _, cm) = store();
        let o = s
            .create(
                &cm,
                "demo",
                json!({"metadata": {"name": "a"}, "data": {"k": "v"}}),
            )
            .unwrap();
        assert_eq!(o["apiVersion"], "v1");
        assert_eq!(o["metadata"]["namespace"], "demo");
        // ConfigMaps have no generation on a real server.
        assert!(o["metadata"].get("generation").is_none());
        assert!(!text(&o, "/metadata/uid").is_empty());
        let err = s
            .create(&cm, "demo", json!({"metadata": {"name": "a"}}))
            .unwrap_err();
        assert_eq!((err.code, err.reason), (409, "AlreadyExists"));
    }

    #[test]
    fn create_in_a_missing_namespace_is_not_found() {
        let (s, _, cm) = store();
        let err = s
            .create(&cm, "nope", json!({"metadata": {"name": "a"}}))
            .unwrap_err();
        assert_eq!(err.message, "namespaces \"nope\" not found");
    }

    #[test]
    fn invalid_names_are_422() {
        let (s, _, cm) = store();
        let err = s
            .create(&cm, "demo", json!({"metadata": {"name": "Bad_Name"}}))
            .unwrap_err();
        assert_eq!(err.code, 422);
        assert!(err.message.contains("metadata.name"), "{}", err.message);
    }

    #[test]
    fn generate_name_gets_a_suffix() {
        let (s, _, cm) = store();
        let o = s
            .create(&cm, "demo", json!({"metadata": {"generateName": "x-"}}))
            .unwrap();
        let name = text(&o, "/metadata/name");
        assert!(name.starts_with("x-") && name.len() == 7, "{name}");
    }

    #[test]
    fn stale_update_conflicts_and_noop_update_keeps_resource_version() {
        let (s, _, cm) = store();
        let o = s
            .create(
                &cm,
                "demo",
                json!({"metadata": {"name": "a"}, "data": {"k": "v"}}),
            )
            .unwrap();
        let rv = text(&o, "/metadata/resourceVersion").to_string();
        let same = s
            .update(&cm, "demo", "a", (*o).clone(), Part::Main)
            .unwrap();
        assert_eq!(text(&same, "/metadata/resourceVersion"), rv);
        let mut changed = (*o).clone();
        changed["data"]["k"] = json!("w");
        let newer = s
            .update(&cm, "demo", "a", changed.clone(), Part::Main)
            .unwrap();
        assert_ne!(text(&newer, "/metadata/resourceVersion"), rv);
        assert!(newer["metadata"].get("generation").is_none());
        changed["data"]["k"] = json!("z");
        let err = s.update(&cm, "demo", "a", changed, Part::Main).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
    }

    #[test]
    fn status_subresource_splits_writes() {
        let (s, _, _) = store();
        let dep = s.resource("apps", "v1", "deployments").unwrap();
        let o = s
            .create(
                &dep,
                "demo",
                json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}, "status": {"x": 1}}),
            )
            .unwrap();
        assert!(o.get("status").is_none(), "status is dropped on create");
        let mut with_status = (*o).clone();
        with_status["status"] = json!({"availableReplicas": 2});
        with_status["spec"]["replicas"] = json!(5);
        let after = s
            .update(&dep, "demo", "d", with_status, Part::Status)
            .unwrap();
        assert_eq!(after["status"]["availableReplicas"], 2);
        assert_eq!(
            after["spec"]["replicas"], 2,
            "spec untouched through /status"
        );
        assert_eq!(after["metadata"]["generation"], 1);
    }

    #[test]
    fn an_object_with_finalizers_stays_until_an_update_removes_the_last() {
        let (s, _, cm) = store();
        s.create(
            &cm,
            "demo",
            json!({"metadata": {"name": "a", "finalizers": ["example.com/keep"]}}),
        )
        .unwrap();
        let mut rx = s.subscribe();
        let marked = s.delete(&cm, "demo", "a").unwrap();
        assert!(!text(&marked, "/metadata/deletionTimestamp").is_empty());
        assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 0);
        assert_eq!(rx.try_recv().unwrap().kind, EventKind::Modified);
        // A second DELETE answers the object again and changes nothing.
        let again = s.delete(&cm, "demo", "a").unwrap();
        assert_eq!(again["metadata"], marked["metadata"]);
        assert!(rx.try_recv().is_err());

        let mut more = (*marked).clone();
        more["metadata"]["finalizers"] = json!(["example.com/keep", "b", "a"]);
        more["metadata"]["deletionTimestamp"] = Value::Null;
        let err = s.update(&cm, "demo", "a", more, Part::Main).unwrap_err();
        assert_eq!(
            err.message,
            "ConfigMap \"a\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"a\", \"b\"}"
        );

        let mut done = (*marked).clone();
        done["metadata"]["finalizers"] = json!([]);
        s.update(&cm, "demo", "a", done, Part::Main).unwrap();
        assert!(s.get(&cm, "demo", "a").is_err());
        assert_eq!(rx.try_recv().unwrap().kind, EventKind::Deleted);
    }

    #[test]
    fn propagation_policies_set_the_collectors_finalizers() {
        let (s, _, cm) = store();
        for (name, policy, finalizer) in [
            ("o", Propagation::Orphan, ORPHAN_FINALIZER),
            ("f", Propagation::Foreground, FOREGROUND_FINALIZER),
        ] {
            s.create(&cm, "demo", json!({"metadata": {"name": name}}))
                .unwrap();
            let dry = s
                .delete_with(&cm, "demo", name, Some(policy), Write::DryRun)
                .unwrap()
                .into_object();
            assert_eq!(dry["metadata"]["finalizers"], json!([finalizer]));
            assert!(
                s.get(&cm, "demo", name).unwrap()["metadata"]
                    .get("deletionTimestamp")
                    .is_none()
            );
            let marked = s
                .delete_with(&cm, "demo", name, Some(policy), Write::Commit)
                .unwrap();
            assert!(matches!(marked, Deletion::Terminating(_)));
        }
        // Background takes the collector's finalizer away again: the object goes.
        let gone = s
            .delete_with(
                &cm,
                "demo",
                "f",
                Some(Propagation::Background),
                Write::Commit,
            )
            .unwrap();
        assert!(matches!(gone, Deletion::Gone(_)));
    }

    #[test]
    fn a_namespace_terminates_refusing_new_content() {
        let (s, ns, cm) = store();
        s.create(&cm, "demo", json!({"metadata": {"name": "a"}}))
            .unwrap();
        let marked = s.delete(&ns, "", "demo").unwrap();
        assert_eq!(marked["status"]["phase"], "Terminating");
        assert!(
            s.get(&cm, "demo", "a").is_ok(),
            "the controller removes content"
        );
        let err = s
            .create(&cm, "demo", json!({"metadata": {"name": "b"}}))
            .unwrap_err();
        assert_eq!((err.code, err.reason), (403, "Forbidden"));
        assert_eq!(
            err.message,
            "configmaps \"b\" is forbidden: unable to create new content in namespace demo because it is being terminated"
        );
        assert_eq!(err.causes()[0]["reason"], "NamespaceTerminating");
        let err = s.delete(&ns, "", "demo").unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        assert!(s.purge_namespace("demo", text(&marked, "/metadata/uid")));
        assert!(s.get(&ns, "", "demo").is_err());
        s.create(&ns, "", json!({"metadata": {"name": "default"}}))
            .unwrap();
        assert_eq!(s.delete(&ns, "", "default").unwrap_err().code, 403);
    }

    #[test]
    fn crd_registers_and_unregisters_its_kind() {
        let s = Store::new();
        let crds = s
            .resource("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .unwrap();
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com", "scope": "Cluster",
            "names": {"plural": "widgets", "kind": "Widget"}, "versions": [{"name": "v1", "served": true, "storage": true}]}});
        let created = s.create(&crds, "", crd).unwrap();
        assert_eq!(created["status"]["conditions"][1]["type"], "Established");
        let widgets = s.resource("example.com", "v1", "widgets").unwrap();
        s.create(&widgets, "", json!({"metadata": {"name": "w"}}))
            .unwrap();
        s.delete(&crds, "", "widgets.example.com").unwrap();
        assert!(s.resource("example.com", "v1", "widgets").is_none());
    }

    #[test]
    fn watch_replays_from_a_resource_version_and_expires_old_ones() {
        let (s, _, cm) = store();
        let rv = s.resource_version();
        s.create(&cm, "demo", json!({"metadata": {"name": "a"}}))
            .unwrap();
        s.create(&cm, "demo", json!({"metadata": {"name": "b"}}))
            .unwrap();
        let (replay, _rx) = s.watch_from(rv).unwrap();
        let names: Vec<_> = replay
            .iter()
            .map(|e| text(&e.object, "/metadata/name").to_string())
            .collect();
        assert_eq!(names, vec!["a", "b"]);
    }

    #[test]
    fn snapshot_round_trips_with_custom_kinds() {
        let s = Store::new();
        let crds = s
            .resource("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .unwrap();
        s.create(&crds, "", json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com", "scope": "Cluster",
            "names": {"plural": "widgets", "kind": "Widget"}, "versions": [{"name": "v1", "served": true, "storage": true}]}}))
            .unwrap();
        let widgets = s.resource("example.com", "v1", "widgets").unwrap();
        s.create(&widgets, "", json!({"metadata": {"name": "w"}}))
            .unwrap();
        let text_form = serde_json::to_string(&s.snapshot()).unwrap();
        let back = Store::from_snapshot(serde_json::from_str(&text_form).unwrap());
        let widgets = back.resource("example.com", "v1", "widgets").unwrap();
        assert!(back.get(&widgets, "", "w").is_ok());
        assert_eq!(back.resource_version(), s.resource_version());
    }
}
