//! The Operator Lifecycle Manager: Subscriptions resolve against the catalog and install operators.
//!
//! Imitates OLM's catalog operator and OLM operator for the four operators of the walkthrough: a
//! Subscription naming a known package in a healthy CatalogSource resolves to the package's CSV
//! (`status.currentCSV`, `state: UpgradePending`), the CSV walks Pending → InstallReady (the
//! bundle's CRDs are created) → Installing (the operator Deployment is created) → Succeeded (once
//! that Deployment is available), and the Subscription ends `AtLatestKnown` with `installedCSV`.
//! The Subscription's conditions are OLM's: `CatalogSourcesUnhealthy` False "all available
//! catalogsources are healthy" (what the walkthrough's check-ossm.sh reads), `InstallPlanPending`
//! while installing, `ResolutionFailed` with OLM's messages for an unknown package or catalog.
//!
//! Approximated: no InstallPlan objects (as with automatic approval, nobody has to act on them);
//! one fixed version per package and no upgrades; `spec.channel`/`startingCSV` are not checked;
//! CSVs are not copied into other namespaces; deleting a Subscription leaves the operator installed
//! (as on a real cluster).

use std::time::Duration;

use serde_json::{Value, json};

use super::delays::Timers;
use super::openshift::{OLM_GROUP, create_if_absent};
use super::{Changes, Controller, Next, Objects, condition, crds};
use crate::sim::cluster::SimCluster;
use crate::sim::store::{now, text};
use crate::sim::world::World;

const RESOLVE_DELAY: Duration = Duration::from_secs(2);
const PHASE_DELAY: Duration = Duration::from_secs(3);

/// The Service Mesh operator's webhook Service and its fixed ClusterIP (see `ossm`).
pub const WEBHOOK_SERVICE: &str = "maistra-admission-controller";
pub const WEBHOOK_CLUSTER_IP: &str = "172.30.132.47";

/// An operator package the simulated `redhat-operators` catalog offers.
pub struct Package {
    pub name: &'static str,
    pub csv: &'static str,
    pub version: &'static str,
    pub display: &'static str,
    pub deployment: &'static str,
    pub image: &'static str,
    pub crds: fn() -> &'static [Value],
}

pub const SERVICE_MESH: &str = "servicemeshoperator";
pub const SERVICE_MESH_CSV: &str = "servicemeshoperator.v2.6.4";

pub const PACKAGES: &[Package] = &[
    Package {
        name: SERVICE_MESH,
        csv: SERVICE_MESH_CSV,
        version: "2.6.4",
        display: "Red Hat OpenShift Service Mesh",
        deployment: "istio-operator",
        image: "registry.redhat.io/openshift-service-mesh/istio-rhel8-operator:2.6.4",
        crds: crds::service_mesh,
    },
    Package {
        name: "kiali-ossm",
        csv: "kiali-operator.v1.73.8",
        version: "1.73.8",
        display: "Kiali Operator",
        deployment: "kiali-operator",
        image: "registry.redhat.io/openshift-service-mesh/kiali-rhel8-operator:1.73.8",
        crds: crds::kiali,
    },
    Package {
        name: "jaeger-product",
        csv: "jaeger-operator.v1.57.0-7",
        version: "1.57.0-7",
        display: "Red Hat OpenShift distributed tracing platform",
        deployment: "jaeger-operator",
        image: "registry.redhat.io/rhosdt/jaeger-rhel8-operator:1.57.0-7",
        crds: crds::jaeger,
    },
    Package {
        name: "elasticsearch-operator",
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

#[derive(Default)]
pub struct Olm {
    timers: Timers,
}

impl Olm {
    pub fn new() -> Self {
        Self::default()
    }

    fn subscriptions(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        let catalogs = o.list(OLM_GROUP, "catalogsources", None);
        let health: Vec<Value> = catalogs
            .iter()
            .map(|c| {
                json!({"catalogSourceRef": {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
                    "name": text(c, "/metadata/name"), "namespace": text(c, "/metadata/namespace"),
                    "uid": text(c, "/metadata/uid")},
                    "healthy": true})
            })
            .collect();
        for sub in o.list(OLM_GROUP, "subscriptions", None) {
            let ns = text(&sub, "/metadata/namespace").to_string();
            let name = text(&sub, "/metadata/name").to_string();
            let pkg_name = text(&sub, "/spec/name").to_string();
            let source = text(&sub, "/spec/source").to_string();
            let source_ns = match text(&sub, "/spec/sourceNamespace") {
                "" => ns.clone(),
                s => s.to_string(),
            };
            let key = format!("resolve/{}/{ns}/{name}/{pkg_name}/{source}", cluster.name);
            let status = sub.get("status").cloned().unwrap_or(json!({}));
            let resolved = !text(&status, "/currentCSV").is_empty();
            if !resolved && !self.timers.due(&key, world.delay(RESOLVE_DELAY), next) {
                continue;
            }
            let previous = status.get("conditions");
            let catalog_found = catalogs.iter().any(|c| {
                text(c, "/metadata/name") == source && text(c, "/metadata/namespace") == source_ns
            });
            let mut conditions = Vec::new();
            let mut new_status = json!({"catalogHealth": health});
            if !catalog_found {
                conditions.push(condition(
                    previous,
                    "CatalogSourcesUnhealthy",
                    true,
                    "UnhealthyCatalogSourceFound",
                    &format!("targeted catalogsource {source_ns}/{source} missing"),
                ));
                conditions.push(condition(
                    previous,
                    "ResolutionFailed",
                    true,
                    "ConstraintsNotSatisfiable",
                    &format!(
                        "constraints not satisfiable: no operators found from catalog {source} in namespace {source_ns} referenced by subscription {name}, subscription {name} exists"
                    ),
                ));
            } else {
                conditions.push(condition(
                    previous,
                    "CatalogSourcesUnhealthy",
                    false,
                    "AllCatalogSourcesHealthy",
                    "all available catalogsources are healthy",
                ));
            }
            match package(&pkg_name).filter(|_| catalog_found) {
                None if catalog_found => {
                    conditions.push(condition(
                        previous,
                        "ResolutionFailed",
                        true,
                        "ConstraintsNotSatisfiable",
                        &format!(
                            "constraints not satisfiable: no operators found in package {pkg_name} in the catalog referenced by subscription {name}, subscription {name} exists"
                        ),
                    ));
                }
                None => {}
                Some(pkg) => {
                    create_if_absent(
                        &o,
                        OLM_GROUP,
                        "clusterserviceversions",
                        csv_object(pkg, &ns),
                    );
                    let phase = o
                        .get(OLM_GROUP, "clusterserviceversions", &ns, pkg.csv)
                        .map(|c| text(&c, "/status/phase").to_string())
                        .unwrap_or_default();
                    new_status["currentCSV"] = json!(pkg.csv);
                    new_status["installedCSV"] = json!(pkg.csv);
                    new_status["installPlanApproval"] = sub
                        .pointer("/spec/installPlanApproval")
                        .cloned()
                        .unwrap_or(json!("Automatic"));
                    if phase == "Succeeded" {
                        new_status["state"] = json!("AtLatestKnown");
                    } else {
                        new_status["state"] = json!("UpgradePending");
                        conditions.push(condition(
                            previous,
                            "InstallPlanPending",
                            true,
                            "Installing",
                            "",
                        ));
                    }
                }
            }
            new_status["conditions"] = json!(conditions);
            if let Some(h) = new_status
                .get_mut("catalogHealth")
                .and_then(Value::as_array_mut)
            {
                let since = status
                    .pointer("/catalogHealth/0/lastUpdated")
                    .cloned()
                    .unwrap_or(json!(now()));
                for c in h {
                    c["lastUpdated"] = since.clone();
                }
            }
            // Keep lastUpdated while nothing else changes, so reconciles converge.
            let mut without_time = status.clone();
            if let Some(m) = without_time.as_object_mut() {
                m.remove("lastUpdated");
            }
            new_status["lastUpdated"] = if without_time == new_status {
                status.get("lastUpdated").cloned().unwrap_or(json!(now()))
            } else {
                json!(now())
            };
            o.set_status(OLM_GROUP, "subscriptions", &ns, &name, new_status);
        }
    }

    fn csvs(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        for csv in o.list(OLM_GROUP, "clusterserviceversions", None) {
            let ns = text(&csv, "/metadata/namespace").to_string();
            let name = text(&csv, "/metadata/name").to_string();
            let Some(pkg) = package_of_csv(&name) else {
                continue;
            };
            let phase = text(&csv, "/status/phase").to_string();
            let index = PHASES.iter().position(|(p, _, _)| *p == phase);
            let key = format!("csv/{}/{ns}/{name}/{phase}", cluster.name);
            let target = match index {
                None => 0,
                Some(3) => continue,
                Some(i) => {
                    if !self.timers.due(&key, world.delay(PHASE_DELAY), next) {
                        continue;
                    }
                    i + 1
                }
            };
            match PHASES[target].0 {
                "InstallReady" => {
                    for crd in (pkg.crds)() {
                        create_if_absent(
                            &o,
                            "apiextensions.k8s.io",
                            "customresourcedefinitions",
                            crd.clone(),
                        );
                    }
                }
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
            let (p, reason, message) = PHASES[target];
            let t = now();
            let mut history = csv
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            history.push(json!({"phase": p, "reason": reason, "message": message,
                "lastUpdateTime": t, "lastTransitionTime": t}));
            o.set_status(
                OLM_GROUP,
                "clusterserviceversions",
                &ns,
                &name,
                json!({"phase": p, "reason": reason, "message": message,
                    "lastUpdateTime": t, "lastTransitionTime": t, "conditions": history,
                    "requirementStatus": requirements(pkg)}),
            );
        }
    }
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

fn csv_object(pkg: &Package, ns: &str) -> Value {
    let owned: Vec<Value> = (pkg.crds)()
        .iter()
        .map(|c| {
            json!({"name": text(c, "/metadata/name"), "kind": text(c, "/spec/names/kind"),
                "version": text(c, "/spec/versions/0/name")})
        })
        .collect();
    json!({
        "metadata": {"name": pkg.csv, "namespace": ns,
            "labels": {format!("operators.coreos.com/{}.{ns}", pkg.name): ""},
            "annotations": {"olm.operatorGroup": "global-operators", "olm.operatorNamespace": ns,
                "containerImage": pkg.image}},
        "spec": {
            "displayName": pkg.display, "version": pkg.version,
            "provider": {"name": "Red Hat, Inc."},
            "customresourcedefinitions": {"owned": owned},
            "install": {"strategy": "deployment", "spec": {"deployments": [{"name": pkg.deployment}]}},
            "installModes": [
                {"type": "OwnNamespace", "supported": false},
                {"type": "SingleNamespace", "supported": false},
                {"type": "MultiNamespace", "supported": false},
                {"type": "AllNamespaces", "supported": true},
            ],
        },
        "status": {"phase": "Pending", "reason": "RequirementsUnknown", "message": "requirements not yet checked"},
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
        group == OLM_GROUP || (group == "apps" && plural == "deployments")
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        // Each cluster's platform is its own: only where something changed needs a look.
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            self.subscriptions(world, cluster, &mut next);
            self.csvs(world, cluster, &mut next);
        }
        next
    }
}
