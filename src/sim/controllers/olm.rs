//! The Operator Lifecycle Manager: its catalog operator (Subscriptions resolve against the catalog
//! into InstallPlans, which install CSVs and CRDs), its OLM operator (OperatorGroups, CSV phases,
//! copied CSVs) and the package server's PackageManifests.
//!
//! Imitates operator-framework/operator-lifecycle-manager:
//! - `pkg/controller/operators/catalog/operator.go` (`syncResolvingNamespace`): Subscriptions
//!   resolve per namespace. The resolver (`pkg/controller/registry/resolver/resolver.go`,
//!   `getSubscriptionVariables`) refuses an unknown catalog, package, channel or starting CSV with
//!   its own message, and one unsatisfiable Subscription fails the whole namespace's resolution: every
//!   Subscription there gets `ResolutionFailed` (reason `ConstraintsNotSatisfiable`) and nothing
//!   installs. A resolution creates ONE InstallPlan (`install-` + 5 random characters) for the
//!   Subscriptions it resolved, owned (non-blocking) by every Subscription of the namespace, with
//!   `spec.generation` one past the namespace's highest, and Manual approval as soon as one
//!   Subscription of the namespace asks for it (`createInstallPlan`). The Subscriptions record it
//!   (`setIPReference`: `installPlanRef`, `installplan`, `installPlanGeneration`, `state:
//!   UpgradePending`, `currentCSV`), then `InstallPlanPending` with the plan's phase as reason
//!   (`catalog/subscription/state.go`, `CheckInstallPlanStatus`), and `AtLatestKnown` with
//!   `installedCSV` once the CSV exists (`ensureSubscriptionCSVState`).
//! - `transitionInstallPlanState`: a plan in `RequiresApproval` waits for `spec.approved: true`;
//!   `Installing` creates the bundle's CRDs and CSV, then `Complete` with condition `Installed`.
//! - `pkg/controller/operators/olm/operator.go` (`operatorGroupForCSV`, `transitionCSVState`): a
//!   CSV fails with `NoOperatorGroup` / `TooManyOperatorGroups` / `UnsupportedOperatorGroup`, and
//!   goes back to Pending once its namespace's OperatorGroup fits; otherwise it walks Pending →
//!   InstallReady → Installing (the operator Deployment) → Succeeded (the Deployment available).
//!   `olm/operatorgroup.go` (`ensureCSVsInNamespaces`, `csvCopyPrototype`): the CSV of an
//!   AllNamespaces operator is copied into every other namespace, labelled `olm.copiedFrom`, with
//!   reason `Copied`; copies go with their original.
//! - OperatorGroup status (`operators/v1` `OperatorGroupStatus`): `namespaces` (`[""]` for all
//!   namespaces) and `lastUpdated`.
//!
//! Approximated: one version per package (every channel the catalog offers heads at it) and no
//! upgrades; no bundle unpack jobs (`status.bundleLookups` is not written, the unpack time is part
//! of the resolution delay); plan steps list the CSV and CRDs only (no RBAC); copies are made once
//! the original Succeeded (OLM copies from Pending on and mirrors each phase: copying earlier
//! would rewrite every namespace's copy at each phase); CSVs support the AllNamespaces install
//! mode only, as the Service Mesh operator's; deleting a Subscription leaves the operator
//! installed (as on a real cluster).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::delays::Timers;
use super::openshift::{MARKETPLACE_NAMESPACE, OLM_GROUP, create_if_absent};
use super::{Changes, Controller, Next, Objects, condition, crds};
use crate::sim::cluster::SimCluster;
use crate::sim::selector::LabelSelector;
use crate::sim::store::{now, text};
use crate::sim::world::World;

// Durations at time scale 1. No published figure breaks an operator install down; these make the
// walkthrough's four operators take about a minute and a half, within the 1–3 minutes an install
// of the Service Mesh operators takes on OpenShift (observed, not documented).
/// Resolution, including the bundle unpack Jobs OLM runs before it creates the InstallPlan
/// (operator-framework/operator-lifecycle-manager#3069; it polls them every 5 s, `catalog/operator.go`).
const RESOLVE_DELAY: Duration = Duration::from_secs(30);
/// Executing an approved InstallPlan: creating the CRDs and the CSV.
const INSTALL_DELAY: Duration = Duration::from_secs(10);
/// Each CSV phase before the operator Deployment (requirements checked, install strategy run).
const PHASE_DELAY: Duration = Duration::from_secs(5);

/// The Service Mesh operator's webhook Service and its fixed ClusterIP (see `ossm`).
pub const WEBHOOK_SERVICE: &str = "maistra-admission-controller";
pub const WEBHOOK_CLUSTER_IP: &str = "172.30.132.47";

/// The label of a copied CSV, naming the namespace of its original (operator-framework/api
/// `v1alpha1.CopiedLabelKey`).
pub const COPIED_FROM: &str = "olm.copiedFrom";
/// The catalog the packages below come from.
pub const CATALOG: &str = "redhat-operators";

/// An operator package the simulated `redhat-operators` catalog offers.
pub struct Package {
    pub name: &'static str,
    /// The channels the catalog offers for the package; all head at `csv` here.
    pub channels: &'static [&'static str],
    pub default_channel: &'static str,
    pub csv: &'static str,
    pub version: &'static str,
    pub display: &'static str,
    pub deployment: &'static str,
    pub image: &'static str,
    pub crds: fn() -> &'static [Value],
}

pub const SERVICE_MESH: &str = "servicemeshoperator";
pub const SERVICE_MESH_CSV: &str = "servicemeshoperator.v2.6.4";

// The channels are those GitOps catalogs subscribe to (redhat-cop/gitops-catalog
// `openshift-servicemesh/operator/overlays/stable`, `kiali-operator/overlays/stable`,
// `jaeger-operator`; redhat-na-ssa/demo-ai-gitops-catalog
// `components/operators/elasticsearch-operator`: stable, stable-5.7, stable-5.8). Channels whose
// head is not known here are left out (servicemeshoperator `1.0`, kiali `candidate`,
// elasticsearch `stable-5.7` and older): subscribing to them fails as an unknown channel does.
pub const PACKAGES: &[Package] = &[
    Package {
        name: SERVICE_MESH,
        channels: &["stable"],
        default_channel: "stable",
        csv: SERVICE_MESH_CSV,
        version: "2.6.4",
        display: "Red Hat OpenShift Service Mesh",
        deployment: "istio-operator",
        image: "registry.redhat.io/openshift-service-mesh/istio-rhel8-operator:2.6.4",
        crds: crds::service_mesh,
    },
    Package {
        name: "kiali-ossm",
        channels: &["stable"],
        default_channel: "stable",
        csv: "kiali-operator.v1.73.8",
        version: "1.73.8",
        display: "Kiali Operator",
        deployment: "kiali-operator",
        image: "registry.redhat.io/openshift-service-mesh/kiali-rhel8-operator:1.73.8",
        crds: crds::kiali,
    },
    Package {
        name: "jaeger-product",
        channels: &["stable"],
        default_channel: "stable",
        csv: "jaeger-operator.v1.57.0-7",
        version: "1.57.0-7",
        display: "Red Hat OpenShift distributed tracing platform",
        deployment: "jaeger-operator",
        image: "registry.redhat.io/rhosdt/jaeger-rhel8-operator:1.57.0-7",
        crds: crds::jaeger,
    },
    Package {
        name: "elasticsearch-operator",
        channels: &["stable", "stable-5.8"],
        default_channel: "stable",
        csv: "elasticsearch-operator.v5.8.13",
        version: "5.8.13",
        display: "OpenShift Elasticsearch Operator",
        deployment: "elasticsearch-operator",
        image: "registry.redhat.io/openshift-logging/elasticsearch-rhel9-operator:v5.8.13",
        crds: crds::elasticsearch,
    },
];

pub fn package(name: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.name == name)
}

fn package_of_csv(csv: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.csv == csv)
}

/// Whether a CSV is a copy OLM made for an AllNamespaces operator (not the operator itself).
pub fn is_copy(csv: &Value) -> bool {
    csv.pointer("/metadata/labels")
        .and_then(|l| l.get(COPIED_FROM))
        .is_some()
}

const PROVIDER: &str = "Red Hat";

/// The PackageManifest the package server lists for `pkg` of `catalog` (a CatalogSource), as
/// `newPackageManifest` in operator-lifecycle-manager `pkg/package-server/provider/registry.go`
/// builds it: channels sorted by name, the catalog's labels plus `catalog`,
/// `catalog-namespace`, `provider`, `provider-url` and the default OS/arch labels.
pub fn package_manifest(pkg: &Package, catalog: &Value) -> Value {
    let mut channels: Vec<&str> = pkg.channels.to_vec();
    channels.sort_unstable();
    let csv = csv_object(pkg, MARKETPLACE_NAMESPACE);
    let desc = json!({
        "displayName": pkg.display, "version": pkg.version,
        "provider": {"name": PROVIDER},
        "installModes": csv.pointer("/spec/installModes"),
        "customresourcedefinitions": csv.pointer("/spec/customresourcedefinitions"),
        "annotations": {"containerImage": pkg.image},
    });
    let channels: Vec<Value> = channels
        .iter()
        .map(|c| {
            json!({"name": c, "currentCSV": pkg.csv, "currentCSVDesc": desc,
            "entries": [{"name": pkg.csv, "version": pkg.version}]})
        })
        .collect();
    let name = text(catalog, "/metadata/name");
    let ns = text(catalog, "/metadata/namespace");
    let mut labels = catalog
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in [
        ("catalog", name),
        ("catalog-namespace", ns),
        ("provider", PROVIDER),
        ("provider-url", ""),
        ("operatorframework.io/arch.amd64", "supported"),
        ("operatorframework.io/os.linux", "supported"),
    ] {
        labels.insert(k.into(), json!(v));
    }
    json!({
        "apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
        "metadata": {"name": pkg.name, "namespace": ns, "labels": labels,
            "creationTimestamp": catalog.pointer("/metadata/creationTimestamp")},
        "spec": {},
        "status": {
            "catalogSource": name, "catalogSourceNamespace": ns,
            "catalogSourceDisplayName": text(catalog, "/spec/displayName"),
            "catalogSourcePublisher": text(catalog, "/spec/publisher"),
            "packageName": pkg.name, "defaultChannel": pkg.default_channel,
            "provider": {"name": PROVIDER}, "channels": channels,
        },
    })
}

/// The phases a CSV walks through, with OLM's reason and message for each.
const PHASES: &[(&str, &str, &str)] = &[
    (
        "Pending",
        "RequirementsUnknown",
        "requirements not yet checked",
    ),
    (
        "InstallReady",
        "AllRequirementsMet",
        "all requirements found, attempting install",
    ),
    (
        "Installing",
        "InstallSucceeded",
        "waiting for install components to report healthy",
    ),
    (
        "Succeeded",
        "InstallSucceeded",
        "install strategy completed with no errors",
    ),
];

/// The reasons a CSV fails for its namespace's OperatorGroups; it leaves them for Pending once
/// they are fixed (`transitionCSVState`).
const GROUP_REASONS: &[&str] = &[
    "NoOperatorGroup",
    "TooManyOperatorGroups",
    "UnsupportedOperatorGroup",
];

/// A Subscription condition; OLM leaves an empty message out (`omitempty`).
fn sub_condition(previous: Option<&Value>, kind: &str, reason: &str, message: &str) -> Value {
    let mut c = condition(previous, kind, true, reason, message);
    if message.is_empty()
        && let Some(m) = c.as_object_mut()
    {
        m.remove("message");
    }
    c
}

/// Sets (or replaces) the condition of `c`'s type in a list of conditions.
fn put_condition(conditions: &mut Vec<Value>, c: Value) {
    conditions.retain(|old| old["type"] != c["type"]);
    conditions.push(c);
}

fn drop_condition(conditions: &mut Vec<Value>, kind: &str) {
    conditions.retain(|old| old["type"] != kind);
}

/// Why the resolver cannot satisfy `sub` (`getSubscriptionVariables`), or `None`.
fn unsatisfiable(sub: &Value, catalogs: &[Arc<Value>]) -> Option<String> {
    let name = text(sub, "/metadata/name");
    let source = text(sub, "/spec/source");
    let source_ns = text(sub, "/spec/sourceNamespace");
    let pkg_name = text(sub, "/spec/name");
    let channel = text(sub, "/spec/channel");
    let starting = text(sub, "/spec/startingCSV");
    let found = catalogs.iter().any(|c| {
        text(c, "/metadata/name") == source && text(c, "/metadata/namespace") == source_ns
    });
    // Only `redhat-operators` holds packages here; the other default catalogs are empty.
    let reason = if !found || source != CATALOG {
        format!(
            "no operators found from catalog {source} in namespace {source_ns} referenced by subscription {name}"
        )
    } else {
        match package(pkg_name) {
            None => format!(
                "no operators found in package {pkg_name} in the catalog referenced by subscription {name}"
            ),
            // An empty channel means the package's default channel.
            Some(p) if !channel.is_empty() && !p.channels.contains(&channel) => format!(
                "no operators found in channel {channel} of package {pkg_name} in the catalog referenced by subscription {name}"
            ),
            Some(p) if !starting.is_empty() && starting != p.csv => format!(
                "no operators found with name {starting} in channel {channel} of package {pkg_name} in the catalog referenced by subscription {name}"
            ),
            Some(_) => return None,
        }
    };
    // The failing constraint, then the mandatory one, as `solver.NotSatisfiable` prints them.
    Some(format!("{reason}, subscription {name} exists"))
}

#[derive(Default)]
pub struct Olm {
    timers: Timers,
}

impl Olm {
    pub fn new() -> Self {
        Self::default()
    }

    /// OperatorGroup status: the namespaces the group targets (`[""]`: all) and when that changed.
    fn operator_groups(&self, cluster: &SimCluster) {
        let o = Objects::of(cluster);
        let mut all_namespaces: Option<Vec<Arc<Value>>> = None;
        for og in o.list(OLM_GROUP, "operatorgroups", None) {
            let ns = text(&og, "/metadata/namespace");
            let name = text(&og, "/metadata/name");
            let targets: Vec<String> = og
                .pointer("/spec/targetNamespaces")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let mut namespaces: Vec<String> = if !targets.is_empty() {
                targets
            } else if let Some(selector) = og.pointer("/spec/selector") {
                let selector = LabelSelector::from_object(selector).ok();
                let list = all_namespaces.get_or_insert_with(|| o.list("", "namespaces", None));
                list.iter()
                    .filter(|n| selector.as_ref().is_some_and(|s| s.matches_object(n)))
                    .map(|n| text(n, "/metadata/name").to_string())
                    .collect()
            } else {
                vec![String::new()]
            };
            namespaces.sort();
            namespaces.dedup();
            let mut status = og.get("status").cloned().unwrap_or(json!({}));
            if status.get("namespaces") == Some(&json!(namespaces))
                && status.get("lastUpdated").is_some()
            {
                continue;
            }
            status["namespaces"] = json!(namespaces);
            status["lastUpdated"] = json!(now());
            o.set_status(OLM_GROUP, "operatorgroups", ns, name, status);
        }
    }

    /// The catalog operator's resolution, namespace by namespace.
    fn subscriptions(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        let catalogs = o.list(OLM_GROUP, "catalogsources", None);
        let mut by_namespace: BTreeMap<String, Vec<Arc<Value>>> = BTreeMap::new();
        for sub in o.list(OLM_GROUP, "subscriptions", None) {
            by_namespace
                .entry(text(&sub, "/metadata/namespace").to_string())
                .or_default()
                .push(sub);
        }
        for (ns, subs) in by_namespace {
            self.resolve_namespace(world, cluster, &ns, &subs, &catalogs, next);
        }
    }

    fn resolve_namespace(
        &self,
        world: &World,
        cluster: &SimCluster,
        ns: &str,
        subs: &[Arc<Value>],
        catalogs: &[Arc<Value>],
        next: &mut Next,
    ) {
        let o = Objects::of(cluster);
        let plans = o.list(OLM_GROUP, "installplans", Some(ns));
        let health: Vec<Value> = catalogs
            .iter()
            .map(|c| {
                json!({"catalogSourceRef": {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
                    "name": text(c, "/metadata/name"), "namespace": text(c, "/metadata/namespace"),
                    "uid": text(c, "/metadata/uid")},
                    "healthy": true})
            })
            .collect();
        // What each Subscription's status becomes from what exists (its plan, its CSV).
        let mut statuses: Vec<Value> = Vec::with_capacity(subs.len());
        for sub in subs {
            let old = sub.get("status").cloned().unwrap_or(json!({}));
            let previous = old.get("conditions");
            let mut status = old.clone();
            let mut conditions: Vec<Value> = previous
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let source = text(sub, "/spec/source");
            let source_ns = text(sub, "/spec/sourceNamespace");
            let catalog_found = catalogs.iter().any(|c| {
                text(c, "/metadata/name") == source && text(c, "/metadata/namespace") == source_ns
            });
            let since = old
                .pointer("/catalogHealth/0/lastUpdated")
                .cloned()
                .unwrap_or(json!(now()));
            let mut health = health.clone();
            for h in &mut health {
                h["lastUpdated"] = since.clone();
            }
            status["catalogHealth"] = json!(health);
            put_condition(
                &mut conditions,
                if catalog_found {
                    condition(
                        previous,
                        "CatalogSourcesUnhealthy",
                        false,
                        "AllCatalogSourcesHealthy",
                        "all available catalogsources are healthy",
                    )
                } else {
                    condition(
                        previous,
                        "CatalogSourcesUnhealthy",
                        true,
                        "UnhealthyCatalogSourceFound",
                        &format!("targeted catalogsource {source_ns}/{source} missing"),
                    )
                },
            );
            let plan_name = text(&old, "/installPlanRef/name");
            if !plan_name.is_empty() {
                let plan = plans
                    .iter()
                    .find(|p| text(p, "/metadata/name") == plan_name);
                drop_condition(&mut conditions, "InstallPlanPending");
                match plan {
                    // A plan deleted before it installed: resolve again (`InstallPlanNotFound`).
                    None if text(&old, "/state") == "UpgradePending" => {
                        if let Some(m) = status.as_object_mut() {
                            for field in ["installPlanRef", "installplan", "currentCSV", "state"] {
                                m.remove(field);
                            }
                        }
                    }
                    None => {}
                    Some(plan) => {
                        let phase = text(plan, "/status/phase");
                        if matches!(phase, "" | "Planning" | "Installing" | "RequiresApproval") {
                            let reason = if phase.is_empty() {
                                "InstallPlanNotYetReconciled"
                            } else {
                                phase
                            };
                            put_condition(
                                &mut conditions,
                                sub_condition(
                                    previous,
                                    "InstallPlanPending",
                                    reason,
                                    text(plan, "/status/message"),
                                ),
                            );
                        }
                    }
                }
            }
            let current = text(&status, "/currentCSV").to_string();
            if !current.is_empty()
                && o.get(OLM_GROUP, "clusterserviceversions", ns, &current)
                    .is_some()
            {
                status["state"] = json!("AtLatestKnown");
                status["installedCSV"] = json!(current);
            }
            status["conditions"] = json!(conditions);
            statuses.push(status);
        }

        // Resolution, for the Subscriptions no plan answers yet.
        let unresolved: Vec<usize> = (0..subs.len())
            .filter(|&i| text(&statuses[i], "/installPlanRef/name").is_empty())
            .collect();
        let key = format!("resolve/{}/{ns}", cluster.name);
        if unresolved.is_empty() {
            self.timers.forget(&key);
        } else {
            // Every failing Subscription's constraints, in one message for the namespace
            // (`solver.NotSatisfiable.Error`). Approximated: the real solver names the
            // constraints of the conflict it found, which may be fewer.
            let failing: Vec<String> = unresolved
                .iter()
                .filter_map(|&i| unsatisfiable(&subs[i], catalogs))
                .collect();
            let failure = (!failing.is_empty())
                .then(|| format!("constraints not satisfiable: {}", failing.join(", ")));
            // A failure already recorded is not resolved again until something changes
            // (OLM does not requeue an unsatisfiable namespace either).
            let recorded = failure.as_ref().is_some_and(|message| {
                statuses.iter().all(|s| {
                    s.get("conditions")
                        .and_then(Value::as_array)
                        .is_some_and(|cs| {
                            cs.iter().any(|c| {
                                c["type"] == "ResolutionFailed" && c["message"] == message.as_str()
                            })
                        })
                })
            });
            if recorded {
                self.timers.forget(&key);
            } else if self.timers.due(&key, world.delay(RESOLVE_DELAY), next) {
                self.timers.forget(&key);
                match failure {
                    Some(message) => {
                        for (sub, status) in subs.iter().zip(statuses.iter_mut()) {
                            let previous = sub.pointer("/status/conditions");
                            let mut conditions: Vec<Value> =
                                status["conditions"].as_array().cloned().unwrap_or_default();
                            put_condition(
                                &mut conditions,
                                sub_condition(
                                    previous,
                                    "ResolutionFailed",
                                    "ConstraintsNotSatisfiable",
                                    &message,
                                ),
                            );
                            status["conditions"] = json!(conditions);
                        }
                    }
                    None => {
                        if let Some((reference, generation)) =
                            install_plan(cluster, ns, subs, &unresolved, &plans)
                        {
                            for &i in &unresolved {
                                let pkg = package(text(&subs[i], "/spec/name"));
                                let s = &mut statuses[i];
                                s["installPlanRef"] = reference.clone();
                                s["installplan"] = json!({
                                    "apiVersion": reference["apiVersion"], "kind": "InstallPlan",
                                    "name": reference["name"], "uuid": reference["uid"]});
                                s["installPlanGeneration"] = json!(generation);
                                s["state"] = json!("UpgradePending");
                                s["currentCSV"] = json!(pkg.map(|p| p.csv));
                            }
                        }
                        for status in &mut statuses {
                            if let Some(cs) = status["conditions"].as_array_mut() {
                                drop_condition(cs, "ResolutionFailed");
                            }
                        }
                    }
                }
            }
        }

        for (sub, mut status) in subs.iter().zip(statuses) {
            let old = sub.get("status").cloned().unwrap_or(json!({}));
            // `lastUpdated` moves only when something else did, so reconciles converge.
            let mut without_time = old.clone();
            if let Some(m) = without_time.as_object_mut() {
                m.remove("lastUpdated");
            }
            if let Some(m) = status.as_object_mut() {
                m.remove("lastUpdated");
            }
            status["lastUpdated"] = if without_time == status {
                old.get("lastUpdated").cloned().unwrap_or(json!(now()))
            } else {
                json!(now())
            };
            o.set_status(
                OLM_GROUP,
                "subscriptions",
                ns,
                text(sub, "/metadata/name"),
                status,
            );
        }
    }

    /// Moves InstallPlans along: approval, then execution (CRDs and CSVs created), then Complete.
    fn install_plans(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        for plan in o.list(OLM_GROUP, "installplans", None) {
            let ns = text(&plan, "/metadata/namespace");
            let name = text(&plan, "/metadata/name");
            let mut status = plan.get("status").cloned().unwrap_or(json!({}));
            let key = format!("install/{}/{ns}/{name}", cluster.name);
            match text(&status, "/phase") {
                "RequiresApproval" => {
                    if plan.pointer("/spec/approved") == Some(&json!(true)) {
                        status["phase"] = json!("Installing");
                        if let Some(m) = status.as_object_mut() {
                            m.remove("message");
                        }
                        o.set_status(OLM_GROUP, "installplans", ns, name, status);
                    }
                }
                "Installing" => {
                    if status.get("startTime").is_none() {
                        status["startTime"] = json!(now());
                        o.set_status(OLM_GROUP, "installplans", ns, name, status.clone());
                    }
                    if !self.timers.due(&key, world.delay(INSTALL_DELAY), next) {
                        continue;
                    }
                    self.timers.forget(&key);
                    let csvs = plan
                        .pointer("/spec/clusterServiceVersionNames")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for pkg in csvs.iter().filter_map(|c| package_of_csv(c.as_str()?)) {
                        for crd in (pkg.crds)() {
                            create_if_absent(
                                &o,
                                "apiextensions.k8s.io",
                                "customresourcedefinitions",
                                crd.clone(),
                            );
                        }
                        create_if_absent(
                            &o,
                            OLM_GROUP,
                            "clusterserviceversions",
                            csv_object(pkg, ns),
                        );
                    }
                    if let Some(steps) = status.get_mut("plan").and_then(Value::as_array_mut) {
                        for step in steps {
                            step["status"] = json!("Created");
                        }
                    }
                    let t = now();
                    status["phase"] = json!("Complete");
                    status["conditions"] = json!([{"type": "Installed", "status": "True",
                        "lastUpdateTime": t, "lastTransitionTime": t}]);
                    o.set_status(OLM_GROUP, "installplans", ns, name, status);
                }
                _ => self.timers.forget(&key),
            }
        }
    }

    fn csvs(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        for csv in o.list(OLM_GROUP, "clusterserviceversions", None) {
            if is_copy(&csv) {
                continue;
            }
            let ns = text(&csv, "/metadata/namespace").to_string();
            let name = text(&csv, "/metadata/name").to_string();
            let Some(pkg) = package_of_csv(&name) else {
                continue;
            };
            let phase = text(&csv, "/status/phase").to_string();
            let reason = text(&csv, "/status/reason").to_string();
            // The CSV's OperatorGroup (`operatorGroupForCSV`) and whether its install modes
            // support the namespaces the group targets (`InstallModeSet.Supports`).
            let groups = o.list(OLM_GROUP, "operatorgroups", Some(&ns));
            let fit = match groups.as_slice() {
                [] => Err((
                    "NoOperatorGroup",
                    "csv in namespace with no operatorgroups".to_string(),
                )),
                [group] => {
                    annotate(&o, &csv, group);
                    supports(&ns, group).map_err(|m| ("UnsupportedOperatorGroup", m))
                }
                _ => Err((
                    "TooManyOperatorGroups",
                    "csv created in namespace with multiple operatorgroups, can't pick one automatically"
                        .to_string(),
                )),
            };
            let key = format!("csv/{}/{ns}/{name}/{phase}", cluster.name);
            if let Err((reason_now, message)) = fit {
                self.timers.forget(&key);
                if phase != "Failed" || reason != reason_now {
                    set_phase(&o, &csv, pkg, ("Failed", reason_now, &message));
                }
                continue;
            }
            if phase == "Failed" && GROUP_REASONS.contains(&reason.as_str()) {
                set_phase(
                    &o,
                    &csv,
                    pkg,
                    (
                        "Pending",
                        "RequirementsUnknown",
                        "InstallModes now support target namespaces",
                    ),
                );
                continue;
            }
            let index = PHASES.iter().position(|(p, _, _)| *p == phase);
            let target = match index {
                None if phase.is_empty() => 0,
                None | Some(3) => continue,
                Some(i) => {
                    if !self.timers.due(&key, world.delay(PHASE_DELAY), next) {
                        continue;
                    }
                    i + 1
                }
            };
            match PHASES[target].0 {
                "Installing" => {
                    let _ = o.ensure("apps", "deployments", operator_deployment(pkg, &ns));
                    if pkg.name == SERVICE_MESH {
                        create_if_absent(&o, "", "services", webhook_service(&ns));
                    }
                }
                "Succeeded" => {
                    let available = o
                        .get("apps", "deployments", &ns, pkg.deployment)
                        .and_then(|d| {
                            d.pointer("/status/availableReplicas")
                                .and_then(Value::as_i64)
                        })
                        .unwrap_or(0);
                    if available < 1 {
                        // The deployment's rollout pokes us when it becomes available.
                        continue;
                    }
                }
                _ => {}
            }
            self.timers.forget(&key);
            set_phase(&o, &csv, pkg, PHASES[target]);
        }
    }

    /// Copies of AllNamespaces operators' CSVs in every other namespace (`ensureCSVsInNamespaces`),
    /// and no copy whose original is gone. Each copy is written only when missing or different.
    fn copies(&self, cluster: &SimCluster) {
        let o = Objects::of(cluster);
        let csvs = o.list(OLM_GROUP, "clusterserviceversions", None);
        let namespaces: Vec<String> = o
            .list("", "namespaces", None)
            .iter()
            .filter(|n| text(n, "/status/phase") != "Terminating")
            .map(|n| text(n, "/metadata/name").to_string())
            .collect();
        let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
        for csv in csvs.iter().filter(|c| !is_copy(c)) {
            let ns = text(csv, "/metadata/namespace");
            let all_namespaces = csv
                .pointer("/metadata/annotations/olm.targetNamespaces")
                .and_then(Value::as_str)
                == Some("");
            if text(csv, "/status/phase") != "Succeeded" || !all_namespaces {
                continue;
            }
            let name = text(csv, "/metadata/name");
            for target in namespaces.iter().filter(|t| t.as_str() != ns) {
                wanted.insert((target.clone(), name.to_string()));
                let copy = copy_of(csv, target);
                if o.ensure(OLM_GROUP, "clusterserviceversions", copy.clone())
                    .is_ok()
                {
                    o.set_status(
                        OLM_GROUP,
                        "clusterserviceversions",
                        target,
                        name,
                        copy["status"].clone(),
                    );
                }
            }
        }
        for csv in csvs.iter().filter(|c| is_copy(c)) {
            let ns = text(csv, "/metadata/namespace").to_string();
            let name = text(csv, "/metadata/name").to_string();
            if !wanted.contains(&(ns.clone(), name.clone())) {
                o.delete(OLM_GROUP, "clusterserviceversions", &ns, &name);
            }
        }
    }
}

/// Creates the InstallPlan of a resolution (`ensureInstallPlan`, `createInstallPlan`); returns
/// its reference and generation. A plan of that generation already there is reused.
fn install_plan(
    cluster: &SimCluster,
    ns: &str,
    subs: &[Arc<Value>],
    resolved: &[usize],
    plans: &[Arc<Value>],
) -> Option<(Value, i64)> {
    let generation = subs
        .iter()
        .filter_map(|s| {
            s.pointer("/status/installPlanGeneration")
                .and_then(Value::as_i64)
        })
        .chain(
            plans
                .iter()
                .filter_map(|p| p.pointer("/spec/generation").and_then(Value::as_i64)),
        )
        .max()
        .unwrap_or(0)
        + 1;
    let manual = subs
        .iter()
        .any(|s| text(s, "/spec/installPlanApproval") == "Manual");
    let approval = if manual { "Manual" } else { "Automatic" };
    let packages: Vec<(&Package, &str)> = resolved
        .iter()
        .filter_map(|&i| {
            package(text(&subs[i], "/spec/name")).map(|p| (p, text(&subs[i], "/spec/source")))
        })
        .collect();
    let owners: Vec<Value> = subs
        .iter()
        .map(|s| {
            json!({"apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription",
            "name": text(s, "/metadata/name"), "uid": text(s, "/metadata/uid"),
            "blockOwnerDeletion": false, "controller": false})
        })
        .collect();
    let rt = cluster.store.find(OLM_GROUP, "installplans")?;
    let existing = plans
        .iter()
        .find(|p| p.pointer("/spec/generation").and_then(Value::as_i64) == Some(generation))
        .cloned();
    let created = match existing {
        Some(plan) => plan,
        None => {
            let plan = json!({
                "apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
                "metadata": {"generateName": "install-", "namespace": ns, "ownerReferences": owners},
                "spec": {"clusterServiceVersionNames": packages.iter().map(|(p, _)| p.csv).collect::<Vec<_>>(),
                    "approval": approval, "approved": !manual, "generation": generation},
            });
            let created = cluster.store.create(&rt, ns, plan).ok()?;
            let mut steps = Vec::new();
            let mut sources = BTreeSet::new();
            for (pkg, source) in &packages {
                sources.insert(source.to_string());
                for crd in (pkg.crds)() {
                    steps.push(step(
                        pkg,
                        source,
                        "apiextensions.k8s.io",
                        "v1",
                        "CustomResourceDefinition",
                        text(crd, "/metadata/name"),
                    ));
                }
                steps.push(step(
                    pkg,
                    source,
                    OLM_GROUP,
                    "v1alpha1",
                    "ClusterServiceVersion",
                    pkg.csv,
                ));
            }
            let phase = if manual {
                "RequiresApproval"
            } else {
                "Installing"
            };
            Objects::of(cluster).set_status(
                OLM_GROUP,
                "installplans",
                ns,
                text(&created, "/metadata/name"),
                json!({"phase": phase, "catalogSources": sources, "plan": steps}),
            )?
        }
    };
    let reference = json!({"apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
        "name": text(&created, "/metadata/name"), "namespace": ns,
        "resourceVersion": text(&created, "/metadata/resourceVersion"),
        "uid": text(&created, "/metadata/uid")});
    Some((reference, generation))
}

/// A step of an InstallPlan's `status.plan` (operator-framework/api `installplan_types.go`).
fn step(pkg: &Package, source: &str, group: &str, version: &str, kind: &str, name: &str) -> Value {
    json!({"resolving": pkg.csv, "status": "Unknown",
        "resource": {"sourceName": source, "sourceNamespace": MARKETPLACE_NAMESPACE,
            "group": group, "version": version, "kind": kind, "name": name}})
}

/// Gives a CSV its OperatorGroup's annotations (`setOperatorGroupAnnotations`).
fn annotate(o: &Objects, csv: &Value, group: &Value) {
    let targets = group
        .pointer("/status/namespaces")
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        });
    let mut annotations = csv
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    annotations.insert(
        "olm.operatorGroup".into(),
        json!(text(group, "/metadata/name")),
    );
    annotations.insert(
        "olm.operatorNamespace".into(),
        json!(text(group, "/metadata/namespace")),
    );
    if let Some(t) = targets {
        annotations.insert("olm.targetNamespaces".into(), json!(t));
    }
    let mut desired = json!({"metadata": {"name": csv["metadata"]["name"],
        "namespace": csv["metadata"]["namespace"], "annotations": annotations}});
    if let Some(labels) = csv.pointer("/metadata/labels") {
        desired["metadata"]["labels"] = labels.clone();
    }
    let _ = o.ensure(OLM_GROUP, "clusterserviceversions", desired);
}

/// Whether the (AllNamespaces-only) CSVs here support the namespaces `group` targets, with
/// `InstallModeSet.Supports`' message when not (operator-framework/api
/// `v1alpha1/clusterserviceversion.go`).
fn supports(ns: &str, group: &Value) -> Result<(), String> {
    let targets: Vec<&str> = group
        .pointer("/status/namespaces")
        .and_then(Value::as_array)
        .map(|n| n.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match targets.as_slice() {
        [] => Err("operatorgroup has invalid selected namespaces, cannot configure to watch zero namespaces".into()),
        [""] => Ok(()),
        [one] if *one == ns => Err("OwnNamespace InstallModeType not supported, cannot configure to watch own namespace".into()),
        [_] => Err("SingleNamespace InstallModeType not supported, cannot configure to watch one namespace".into()),
        many => Err(format!(
            "MultiNamespace InstallModeType not supported, cannot configure to watch {} namespaces",
            many.len()
        )),
    }
}

/// Writes a CSV's phase, appending it to the CSV's condition history.
fn set_phase(
    o: &Objects,
    csv: &Value,
    pkg: &Package,
    (phase, reason, message): (&str, &str, &str),
) {
    let t = now();
    let mut history = csv
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    history.push(json!({"phase": phase, "reason": reason, "message": message,
        "lastUpdateTime": t, "lastTransitionTime": t}));
    let mut status = json!({"phase": phase, "reason": reason, "message": message,
        "lastUpdateTime": t, "lastTransitionTime": t, "conditions": history});
    if phase != "Failed" {
        status["requirementStatus"] = json!(requirements(pkg));
    }
    o.set_status(
        OLM_GROUP,
        "clusterserviceversions",
        text(csv, "/metadata/namespace"),
        text(csv, "/metadata/name"),
        status,
    );
}

/// The copy of `csv` in `target` (`csvCopyPrototype`): its spec and status, reason `Copied`, its
/// labels but OLM's component labels, plus `olm.copiedFrom`; its annotations but the targets.
fn copy_of(csv: &Value, target: &str) -> Value {
    let from = text(csv, "/metadata/namespace");
    let mut labels: Map<String, Value> = csv
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter(|(k, _)| !k.starts_with("operators.coreos.com/"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    labels.insert(COPIED_FROM.into(), json!(from));
    let annotations: Map<String, Value> = csv
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .filter(|(k, _)| {
                    *k != "olm.targetNamespaces"
                        && *k != "kubectl.kubernetes.io/last-applied-configuration"
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut status = csv.get("status").cloned().unwrap_or(json!({}));
    status["reason"] = json!("Copied");
    status["message"] = json!(format!(
        "The operator is running in {from} but is managing this namespace"
    ));
    json!({
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
        "metadata": {"name": csv["metadata"]["name"], "namespace": target,
            "labels": labels, "annotations": annotations},
        "spec": csv.get("spec").cloned().unwrap_or(json!({})),
        "status": status,
    })
}

fn requirements(pkg: &Package) -> Vec<Value> {
    (pkg.crds)()
        .iter()
        .map(|c| {
            json!({"group": "apiextensions.k8s.io", "version": "v1", "kind": "CustomResourceDefinition",
                "name": text(c, "/metadata/name"), "status": "Present", "message": "CRD is present and Established condition is true"})
        })
        .collect()
}

/// The CSV of a package's bundle, as an InstallPlan creates it (OLM adds the rest).
fn csv_object(pkg: &Package, ns: &str) -> Value {
    let owned: Vec<Value> = (pkg.crds)()
        .iter()
        .map(|c| {
            json!({"name": text(c, "/metadata/name"), "kind": text(c, "/spec/names/kind"),
                "version": text(c, "/spec/versions/0/name")})
        })
        .collect();
    json!({
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
        "metadata": {"name": pkg.csv, "namespace": ns,
            "labels": {format!("operators.coreos.com/{}.{ns}", pkg.name): ""},
            "annotations": {"containerImage": pkg.image}},
        "spec": {
            "displayName": pkg.display, "version": pkg.version,
            "provider": {"name": PROVIDER},
            "customresourcedefinitions": {"owned": owned},
            "install": {"strategy": "deployment", "spec": {"deployments": [{"name": pkg.deployment}]}},
            "installModes": [
                {"type": "OwnNamespace", "supported": false},
                {"type": "SingleNamespace", "supported": false},
                {"type": "MultiNamespace", "supported": false},
                {"type": "AllNamespaces", "supported": true},
            ],
        },
    })
}

fn operator_deployment(pkg: &Package, ns: &str) -> Value {
    json!({
        "metadata": {"name": pkg.deployment, "namespace": ns,
            "labels": {"olm.owner": pkg.csv, "olm.owner.kind": "ClusterServiceVersion",
                "olm.owner.namespace": ns, format!("operators.coreos.com/{}.{ns}", pkg.name): ""}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"name": pkg.deployment}},
            "template": {"metadata": {"labels": {"name": pkg.deployment}},
                "spec": {"serviceAccountName": pkg.deployment,
                    "containers": [{"name": pkg.deployment, "image": pkg.image}]}},
        },
    })
}

/// The Service of the Service Mesh operator's admission webhook. Its Endpoints are set by the
/// `ossm` controller once the webhook serves (it has no selector here, an approximation).
fn webhook_service(ns: &str) -> Value {
    json!({
        "metadata": {"name": WEBHOOK_SERVICE, "namespace": ns,
            "labels": {"olm.owner": SERVICE_MESH_CSV, "olm.owner.kind": "ClusterServiceVersion"}},
        "spec": {"type": "ClusterIP", "clusterIP": WEBHOOK_CLUSTER_IP, "clusterIPs": [WEBHOOK_CLUSTER_IP],
            "ports": [{"port": 443, "targetPort": 11999, "protocol": "TCP"}]},
    })
}

impl Controller for Olm {
    fn name(&self) -> &'static str {
        "olm"
    }

    fn interested(&self, _cluster: &str, group: &str, plural: &str) -> bool {
        // Namespaces: OperatorGroup selectors and copied CSVs follow them.
        group == OLM_GROUP
            || (group == "apps" && plural == "deployments")
            || (group.is_empty() && plural == "namespaces")
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        // Each cluster's platform is its own: only where something changed needs a look.
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            self.operator_groups(cluster);
            self.subscriptions(world, cluster, &mut next);
            self.install_plans(world, cluster, &mut next);
            self.csvs(world, cluster, &mut next);
            self.copies(cluster);
        }
        next
    }
}
