//! The end of objects' lives, as kube-controller-manager's namespace controller and garbage
//! collector bring it about.
//!
//! * Namespace controller (kubernetes/kubernetes `pkg/controller/namespace/deletion/
//!   namespaced_resources_deleter.go`, `status_condition_utils.go`): a terminating namespace has
//!   its content deleted (in the background, as its `deleteCollection` asks), reports what
//!   remains in its five deletion conditions, and goes once nothing is left. Objects with
//!   finalizers keep it `Terminating` until someone removes them.
//! * Garbage collector (kubernetes/kubernetes `pkg/controller/garbagecollector/garbagecollector.go`):
//!   a dependent whose owners (by `ownerReferences` uid) are all gone is deleted; an owner
//!   deleted with `propagationPolicy: Orphan` has its dependents' references to it removed, then
//!   its `orphan` finalizer; one deleted with `Foreground` has its dependents deleted and keeps
//!   its `foregroundDeletion` finalizer until those with `blockOwnerDeletion` are gone.
//!
//! Approximated: the namespace's `spec.finalizers: [kubernetes]` stays until the namespace goes
//! (the real controller empties it through `/finalize` first, then deletes); the garbage collector
//! looks at the whole cluster on each change rather than keeping a dependency graph; it does not
//! clear `blockOwnerDeletion` before a foreground deletion of a dependent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::delays::Timers;
use super::{Changes, Controller, Next, Objects, condition, terminating};
use crate::sim::cluster::SimCluster;
use crate::sim::resources::ResourceType;
use crate::sim::store::{
    Deletion, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, Part, Propagation, Write, finalizers_of, text,
};
use crate::sim::world::World;

/// How long a namespace takes to go once deleted, at time scale 1. No published figure was found:
/// the real controller works through every served kind of the cluster (several hundred on
/// OpenShift) before it removes the namespace, and requeues for 15 s (`finalizerEstimateSeconds`
/// in namespaced_resources_deleter.go) when content with finalizers remains; an empty project on
/// OpenShift 4 commonly goes in a few seconds. Approximated at 5 s.
pub const NAMESPACE_TERMINATION: Duration = Duration::from_secs(5);

/// The namespace controller's conditions, in its order, with their reasons and messages when
/// all is well (status_condition_utils.go, `okReasons` / `okMessages`).
const CONDITIONS: [(&str, &str, &str); 5] = [
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    (
        "NamespaceContentRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
];

#[derive(Default)]
pub struct Lifecycle {
    timers: Timers,
}

impl Controller for Lifecycle {
    fn name(&self) -> &'static str {
        "lifecycle"
    }

    /// Any object may own another or sit in a terminating namespace.
    fn interested(&self, _cluster: &str, _group: &str, _plural: &str) -> bool {
        true
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        for cluster in &world.clusters {
            if !changes.touches(&cluster.name) {
                continue;
            }
            let store = &cluster.store;
            for (_, ns) in store.select(|o| {
                terminating(o) && text(o, "/kind") == "Namespace" && text(o, "/apiVersion") == "v1"
            }) {
                self.namespace(world, cluster, &ns, &mut next);
            }
            collect_garbage(cluster);
        }
        next
    }
}

/// What a terminating namespace still holds.
#[derive(Default)]
struct Remaining {
    /// `plural.group` → objects left.
    kinds: BTreeMap<String, usize>,
    /// finalizer → objects that carry it.
    finalizers: BTreeMap<String, usize>,
    /// Deletions that failed.
    failures: Vec<String>,
}

impl Lifecycle {
    fn namespace(&self, world: &World, cluster: &SimCluster, ns: &Value, next: &mut Next) {
        let name = text(ns, "/metadata/name").to_string();
        let uid = text(ns, "/metadata/uid").to_string();
        let key = format!("namespace/{}/{name}/{uid}", cluster.name);
        // The delay runs from the first look at the deletion, while the content goes.
        let due = self
            .timers
            .due(&key, world.delay(NAMESPACE_TERMINATION), next);
        let remaining = delete_content(cluster, &name);
        let status = namespace_status(ns, &remaining);
        if ns.get("status") != Some(&status) {
            Objects::of(cluster).set_status("", "namespaces", "", &name, status);
        }
        if due && remaining.kinds.is_empty() && cluster.store.purge_namespace(&name, &uid) {
            self.timers.forget(&key);
        }
    }
}

/// Deletes what a terminating namespace holds (each kind as `deleteCollection` with background
/// propagation would) and tells what is left.
fn delete_content(cluster: &SimCluster, namespace: &str) -> Remaining {
    let store = &cluster.store;
    let mut remaining = Remaining::default();
    for rt in store.registry().types().iter().filter(|t| t.namespaced) {
        let (items, _) = store.list(rt, Some(namespace), &|_| true);
        let mut left = 0;
        for item in items {
            let item = if terminating(&item) {
                item
            } else {
                let name = text(&item, "/metadata/name");
                match store.delete_with(
                    rt,
                    namespace,
                    name,
                    Some(Propagation::Background),
                    Write::Commit,
                ) {
                    Ok(Deletion::Gone(_)) => continue,
                    Ok(Deletion::Terminating(o)) => o,
                    Err(e) if e.code == 404 => continue,
                    Err(e) => {
                        remaining.failures.push(e.message);
                        item
                    }
                }
            };
            left += 1;
            for f in finalizers_of(&item) {
                *remaining.finalizers.entry(f).or_default() += 1;
            }
        }
        if left > 0 {
            remaining
                .kinds
                .insert(format!("{}.{}", rt.plural, rt.group), left);
        }
    }
    remaining
}

/// The namespace's status with its deletion conditions (`updateConditions`: a condition keeps
/// its `lastTransitionTime` while its status stays).
fn namespace_status(ns: &Value, remaining: &Remaining) -> Value {
    let previous = ns.pointer("/status/conditions");
    let listed = |counts: &BTreeMap<String, usize>, word: &str| {
        counts
            .iter()
            .map(|(what, n)| format!("{what} {word} {n} resource instances"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let failing = |kind: &str| -> Option<(&str, String)> {
        match kind {
            "NamespaceDeletionContentFailure" if !remaining.failures.is_empty() => {
                let mut failures = remaining.failures.clone();
                failures.sort();
                Some((
                    "ContentDeletionFailed",
                    format!(
                        "Failed to delete all resource types, {} remaining: {}",
                        failures.len(),
                        failures.join(", ")
                    ),
                ))
            }
            "NamespaceContentRemaining" if !remaining.kinds.is_empty() => Some((
                "SomeResourcesRemain",
                format!(
                    "Some resources are remaining: {}",
                    listed(&remaining.kinds, "has")
                ),
            )),
            "NamespaceFinalizersRemaining" if !remaining.finalizers.is_empty() => Some((
                "SomeFinalizersRemain",
                format!(
                    "Some content in the namespace has finalizers remaining: {}",
                    listed(&remaining.finalizers, "in")
                ),
            )),
            _ => None,
        }
    };
    let conditions: Vec<Value> = CONDITIONS
        .iter()
        .map(|(kind, ok_reason, ok_message)| match failing(kind) {
            Some((reason, message)) => condition(previous, kind, true, reason, &message),
            None => condition(previous, kind, false, ok_reason, ok_message),
        })
        .collect();
    json!({"phase": "Terminating", "conditions": conditions})
}

/// How a dependent stands with one of its owners.
#[derive(PartialEq)]
enum Owner {
    /// There, and not waiting for its dependents.
    Solid,
    /// Gone, or replaced by another object of the same name.
    Dangling,
    /// Being deleted in the foreground: waiting for its dependents to go.
    Waiting,
}

/// One pass of the garbage collector over a cluster.
fn collect_garbage(cluster: &SimCluster) {
    let store = &cluster.store;
    let dependents = store.select(|o| !owner_references(o).is_empty());
    let owners_deleting = store.select(|o| {
        terminating(o)
            && finalizers_of(o)
                .iter()
                .any(|f| f == ORPHAN_FINALIZER || f == FOREGROUND_FINALIZER)
    });
    for (rt, owner) in &owners_deleting {
        let uid = text(owner, "/metadata/uid");
        let finalizers = finalizers_of(owner);
        let of_owner = || {
            dependents
                .iter()
                .filter(move |(_, d)| owner_references(d).iter().any(|r| text(r, "/uid") == uid))
        };
        if finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
            // `orphanDependents`, then the finalizer goes (garbagecollector.go, `orphanFinalizer`).
            for (drt, dependent) in of_owner() {
                drop_references(cluster, drt, dependent, &[uid]);
            }
            remove_finalizer(cluster, rt, owner, ORPHAN_FINALIZER);
        } else {
            // `processDeletingDependentsItem`: the owner waits for its blocking dependents only.
            let blocked = of_owner().any(|(_, d)| {
                owner_references(d)
                    .iter()
                    .any(|r| text(r, "/uid") == uid && r["blockOwnerDeletion"] == true)
            });
            if !blocked {
                remove_finalizer(cluster, rt, owner, FOREGROUND_FINALIZER);
            }
        }
    }
    for (rt, listed) in &dependents {
        // As it is now: the owners' pass above may have changed it.
        let Ok(dependent) = store.get(
            rt,
            text(listed, "/metadata/namespace"),
            text(listed, "/metadata/name"),
        ) else {
            continue;
        };
        let dependent = &dependent;
        // `attemptToDeleteItem`: a dependent already going is left to its own finalizers.
        if terminating(dependent) {
            continue;
        }
        let refs = owner_references(dependent);
        if refs.is_empty() {
            continue;
        }
        let states: Vec<(String, Owner)> = refs
            .iter()
            .map(|r| {
                (
                    text(r, "/uid").to_string(),
                    owner_state(cluster, dependent, r),
                )
            })
            .collect();
        let uids = |want: &dyn Fn(&Owner) -> bool| -> Vec<&str> {
            states
                .iter()
                .filter(|(_, s)| want(s))
                .map(|(u, _)| u.as_str())
                .collect()
        };
        let ns = text(dependent, "/metadata/namespace");
        let name = text(dependent, "/metadata/name");
        if states.iter().any(|(_, s)| *s == Owner::Solid) {
            let gone = uids(&|s| *s != Owner::Solid);
            if !gone.is_empty() {
                drop_references(cluster, rt, dependent, &gone);
            }
            continue;
        }
        let own_uid = text(dependent, "/metadata/uid");
        let has_dependents = dependents.iter().any(|(_, d)| {
            owner_references(d)
                .iter()
                .any(|r| text(r, "/uid") == own_uid)
        });
        let policy = if !uids(&|s| *s == Owner::Waiting).is_empty() && has_dependents {
            Some(Propagation::Foreground)
        } else {
            None
        };
        // A failure is retried on the next change, as the collector's queue retries it.
        let _ = store.delete_with(rt, ns, name, policy, Write::Commit);
    }
}

fn owner_references(object: &Value) -> &[Value] {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Looks an owner up by kind, name and uid; an owner of a kind the cluster does not serve is
/// taken as there (the real collector cannot resolve it either, and retries rather than delete).
fn owner_state(cluster: &SimCluster, dependent: &Value, reference: &Value) -> Owner {
    let api_version = text(reference, "/apiVersion");
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    let Some(rt) = cluster.store.find_kind(group, text(reference, "/kind")) else {
        return Owner::Solid;
    };
    let namespace = if rt.namespaced {
        text(dependent, "/metadata/namespace")
    } else {
        ""
    };
    match cluster.store.get(&rt, namespace, text(reference, "/name")) {
        Ok(owner) if text(&owner, "/metadata/uid") == text(reference, "/uid") => {
            if terminating(&owner)
                && finalizers_of(&owner)
                    .iter()
                    .any(|f| f == FOREGROUND_FINALIZER)
            {
                Owner::Waiting
            } else {
                Owner::Solid
            }
        }
        _ => Owner::Dangling,
    }
}

/// Removes the references to the owners `uids` from a dependent.
fn drop_references(cluster: &SimCluster, rt: &Arc<ResourceType>, dependent: &Value, uids: &[&str]) {
    let _ = cluster.store.modify(
        rt,
        text(dependent, "/metadata/namespace"),
        text(dependent, "/metadata/name"),
        Part::Whole,
        false,
        |current| {
            let mut next = current.cloned().unwrap_or(Value::Null);
            if let Some(refs) = next
                .pointer_mut("/metadata/ownerReferences")
                .and_then(Value::as_array_mut)
            {
                refs.retain(|r| !uids.contains(&text(r, "/uid")));
                if refs.is_empty()
                    && let Some(meta) = next.get_mut("metadata").and_then(Value::as_object_mut)
                {
                    meta.remove("ownerReferences");
                }
            }
            Ok(next)
        },
    );
}

/// Removes one finalizer; the store deletes the object when it was the last.
fn remove_finalizer(cluster: &SimCluster, rt: &Arc<ResourceType>, object: &Value, finalizer: &str) {
    let _ = cluster.store.modify(
        rt,
        text(object, "/metadata/namespace"),
        text(object, "/metadata/name"),
        Part::Whole,
        false,
        |current| {
            let mut next = current.cloned().unwrap_or(Value::Null);
            if let Some(list) = next
                .pointer_mut("/metadata/finalizers")
                .and_then(Value::as_array_mut)
            {
                list.retain(|f| f != finalizer);
            }
            Ok(next)
        },
    );
}
