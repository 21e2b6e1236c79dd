//! Workloads and namespace defaults, as kube-controller-manager, the scheduler, the kubelet and
//! OpenShift's controllers keep them.
//!
//! Imitates, all in kubernetes/kubernetes unless said otherwise:
//! - the service account controller (`pkg/controller/serviceaccount/serviceaccounts_controller.go`):
//!   a `default` ServiceAccount in every namespace, re-created when deleted; OpenShift's
//!   openshift-controller-manager runs the same controller for `builder` and `deployer`
//!   (openshift/openshift-controller-manager `pkg/cmd/controller/serviceaccount.go`);
//! - the root CA publisher (`pkg/controller/certificates/rootcacertpublisher/publisher.go`):
//!   ConfigMap `kube-root-ca.crt` with `ca.crt` = the CA that signs the API server's certificate
//!   and the `kubernetes.io/description` annotation;
//! - OpenShift's service CA publisher (openshift/kubernetes
//!   `openshift-kube-controller-manager/servicecacertpublisher/publisher.go`): ConfigMap
//!   `openshift-service-ca.crt`, created with an empty `service-ca.crt` and the injection
//!   annotation, which the service-ca operator's cabundle injector (openshift/service-ca-operator
//!   README, "configmap cabundle injector") fills — in every ConfigMap so annotated — with its
//!   signing CA (Secret `openshift-service-ca/signing-key`);
//! - the deployment controller (`pkg/controller/deployment/`: `sync.go`, `rolling.go`,
//!   `recreate.go`, `util/deployment_util.go`): a ReplicaSet `<deployment>-<pod-template-hash>`
//!   per template, revisions, rolling update within maxSurge / maxUnavailable or Recreate, the
//!   status and its `Available` / `Progressing` conditions;
//! - the ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`,
//!   `replica_set_utils.go`): Pods `<rs>-<5 chars>` owned by the ReplicaSet, surplus ones deleted
//!   (not ready before ready, newest first), the status counted from the Pods;
//! - the scheduler (binds the Pod to a node: `spec.nodeName`, condition PodScheduled) and the
//!   kubelet (`pkg/kubelet/status/generate.go`, `pkg/kubelet/kubelet_pods.go`): Pending while
//!   the image is pulled and the containers created, then Running; Ready once the readiness
//!   probe's `initialDelaySeconds` have passed; CRI-O container IDs as on OpenShift; `qosClass`
//!   as `pkg/apis/core/helper/qos/qos.go` computes it.
//!
//! Approximated: there are no Node objects (three made-up workers per cluster, in the shape of
//! the cloud's node names, take Pods in turn by hash); probes always succeed and containers
//! never restart; the scheduler's binding is written into the Pod directly; the garbage collector
//! (ownerReferences) is not here — deleting a Deployment leaves its ReplicaSets to it; orphans are
//! not adopted; paused Deployments, `minReadySeconds`, `progressDeadlineSeconds` and the cleanup
//! of old ReplicaSets beyond `revisionHistoryLimit` are not simulated; API-server defaulting of
//! Pod specs (dnsPolicy, restartPolicy...) is left out. ServiceAccounts get no dockercfg Secrets.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::delays::Timers;
use super::openshift::{create_if_absent, digest, hex, pod_ip};
use super::{Changes, Controller, Next, Objects};
use crate::sim::cluster::{Provider, SimCluster};
use crate::sim::store::{Part, now, text};
use crate::sim::world::World;

/// Where the platform keeps the CA bundle of the API server's serving certificate (OpenShift:
/// `openshift-config-managed/kube-apiserver-server-ca`, key `ca-bundle.crt`, from which
/// kube-controller-manager's root CA is built). The simulator writes it at start.
pub const API_SERVER_CA_NAMESPACE: &str = "openshift-config-managed";
pub const API_SERVER_CA_CONFIGMAP: &str = "kube-apiserver-server-ca";
const API_SERVER_CA_KEY: &str = "ca-bundle.crt";

const ROOT_CA_CONFIGMAP: &str = "kube-root-ca.crt";
const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";
const SERVICE_CA_CONFIGMAP: &str = "openshift-service-ca.crt";
const INJECT_CABUNDLE: &str = "service.beta.openshift.io/inject-cabundle";
const SERVICE_CA_KEY: &str = "service-ca.crt";
const SERVICE_CA_NAMESPACE: &str = "openshift-service-ca";
const SERVICE_CA_SECRET: &str = "signing-key";

/// ServiceAccounts every namespace gets: kube-controller-manager's `default`, then
/// openshift-controller-manager's.
const SERVICE_ACCOUNTS: &[&str] = &["default", "builder", "deployer"];

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const TEMPLATE_HASH: &str = "pod-template-hash";

/// Image pull and container creation on a node that does not have the image yet. No source
/// gives one figure: it depends on the image size and the registry; a few hundred MB from
/// registry.redhat.io typically take several seconds, plus about a second to create the
/// sandbox and start the containers.
const START_DELAY: Duration = Duration::from_secs(8);

/// OpenShift's container runtime, which names container IDs (`cri-o://<64 hex>`).
const RUNTIME: &str = "cri-o";

#[derive(Default)]
pub struct Workloads {
    timers: Timers,
}

impl Workloads {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Publishes the CA that signs `cluster`'s API server certificate where the platform keeps it;
/// the root CA publisher then copies it into every namespace.
pub fn publish_api_server_ca(cluster: &SimCluster, ca_pem: &str) {
    let _ = Objects::of(cluster).ensure(
        "",
        "configmaps",
        json!({"metadata": {"name": API_SERVER_CA_CONFIGMAP, "namespace": API_SERVER_CA_NAMESPACE},
            "data": {API_SERVER_CA_KEY: ca_pem}}),
    );
}

impl Controller for Workloads {
    fn name(&self) -> &'static str {
        "workloads"
    }

    fn interested(&self, _cluster: &str, group: &str, plural: &str) -> bool {
        matches!(
            (group, plural),
            ("", "namespaces" | "serviceaccounts" | "configmaps" | "pods")
                | ("apps", "deployments" | "replicasets")
        )
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            namespace_defaults(cluster);
            self.deployments(cluster);
            replica_sets(cluster);
            self.pods(world, cluster, &mut next);
            replica_set_status(cluster);
            deployment_status(cluster);
        }
        next
    }
}

fn deleting(o: &Value) -> bool {
    o.pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null())
}

fn int(o: &Value, pointer: &str) -> Option<i64> {
    o.pointer(pointer).and_then(Value::as_i64)
}

// ---------------------------------------------------------------------------------------------
// Namespace defaults
// ---------------------------------------------------------------------------------------------

fn namespace_defaults(cluster: &SimCluster) {
    let o = Objects::of(cluster);
    let root_ca = o
        .get(
            "",
            "configmaps",
            API_SERVER_CA_NAMESPACE,
            API_SERVER_CA_CONFIGMAP,
        )
        .and_then(|c| {
            c.pointer(&format!("/data/{}", API_SERVER_CA_KEY.replace('/', "~1")))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    for ns in o.list("", "namespaces", None) {
        // The publishers skip terminating namespaces (their creates are refused there).
        if deleting(&ns) || text(&ns, "/status/phase") == "Terminating" {
            continue;
        }
        let ns = text(&ns, "/metadata/name");
        for sa in SERVICE_ACCOUNTS {
            if o.get("", "serviceaccounts", ns, sa).is_none() {
                create_if_absent(
                    &o,
                    "",
                    "serviceaccounts",
                    json!({"metadata": {"name": sa, "namespace": ns}}),
                );
            }
        }
        if let Some(ca) = &root_ca {
            let wanted = json!({"ca.crt": ca});
            let current = o.get("", "configmaps", ns, ROOT_CA_CONFIGMAP);
            // publisher.go: data replaced, the description annotation added to the others.
            let holds = current.as_ref().is_some_and(|c| {
                c.get("data") == Some(&wanted)
                    && c.pointer(&format!(
                        "/metadata/annotations/{}",
                        DESCRIPTION_ANNOTATION.replace('/', "~1")
                    ))
                    .is_some_and(|d| d.as_str().is_some_and(|d| !d.is_empty()))
            });
            if !holds {
                modify_or_create(cluster, "configmaps", ns, ROOT_CA_CONFIGMAP, |cm| {
                    cm["data"] = wanted.clone();
                    annotate(cm, DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION);
                });
            }
        }
        // servicecacertpublisher: created with an empty bundle for the injector to fill; an
        // existing one only gets its annotations set back.
        let annotations = json!({INJECT_CABUNDLE: "true"});
        match o.get("", "configmaps", ns, SERVICE_CA_CONFIGMAP) {
            None => create_if_absent(
                &o,
                "",
                "configmaps",
                json!({"metadata": {"name": SERVICE_CA_CONFIGMAP, "namespace": ns, "annotations": annotations},
                    "data": {SERVICE_CA_KEY: ""}}),
            ),
            Some(cm) if cm.pointer("/metadata/annotations") != Some(&annotations) => {
                modify_or_create(cluster, "configmaps", ns, SERVICE_CA_CONFIGMAP, |cm| {
                    cm["metadata"]["annotations"] = annotations.clone();
                });
            }
            Some(_) => {}
        }
    }
    inject_service_ca(cluster);
}

/// Read-modify-write of an object, created from nothing when absent; unchanged objects are not
/// written (the store compares).
fn modify_or_create(
    cluster: &SimCluster,
    plural: &str,
    namespace: &str,
    name: &str,
    f: impl FnOnce(&mut Value),
) {
    let Some(rt) = cluster.store.find("", plural) else {
        return;
    };
    let _ = cluster
        .store
        .modify(&rt, namespace, name, Part::Whole, true, |current| {
            let mut v = current
                .cloned()
                .unwrap_or_else(|| json!({"metadata": {"name": name, "namespace": namespace}}));
            f(&mut v);
            Ok(v)
        });
}

fn annotate(o: &mut Value, key: &str, value: &str) {
    if !o["metadata"]["annotations"].is_object() {
        o["metadata"]["annotations"] = json!({});
    }
    o["metadata"]["annotations"][key] = json!(value);
}

/// The service-ca operator's cabundle injector: every ConfigMap annotated
/// `service.beta.openshift.io/inject-cabundle: "true"` gets the signing CA as `service-ca.crt`.
fn inject_service_ca(cluster: &SimCluster) {
    let o = Objects::of(cluster);
    let key = INJECT_CABUNDLE.replace('/', "~1");
    let targets: Vec<Arc<Value>> = o
        .list("", "configmaps", None)
        .into_iter()
        .filter(|c| {
            c.pointer(&format!("/metadata/annotations/{key}"))
                .and_then(Value::as_str)
                == Some("true")
        })
        .collect();
    if targets.is_empty() {
        return;
    }
    let Some(ca) = service_ca(&o) else {
        return;
    };
    for cm in targets {
        if cm
            .pointer(&format!("/data/{SERVICE_CA_KEY}"))
            .and_then(Value::as_str)
            == Some(&ca)
        {
            continue;
        }
        let ns = text(&cm, "/metadata/namespace").to_string();
        let name = text(&cm, "/metadata/name").to_string();
        modify_or_create(cluster, "configmaps", &ns, &name, |cm| {
            if !cm["data"].is_object() {
                cm["data"] = json!({});
            }
            cm["data"][SERVICE_CA_KEY] = json!(ca);
        });
    }
}

/// The service-ca operator's signing CA (its CN `openshift-service-serving-signer@<unix time>`),
/// created once and read back from its Secret.
fn service_ca(o: &Objects) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let read = |s: &Value| {
        let data = s.pointer("/data/tls.crt")?.as_str()?;
        String::from_utf8(b64.decode(data).ok()?).ok()
    };
    if let Some(pem) = o
        .get("", "secrets", SERVICE_CA_NAMESPACE, SERVICE_CA_SECRET)
        .and_then(|s| read(&s))
    {
        return Some(pem);
    }
    let mut name = rcgen::DistinguishedName::new();
    let since = time::OffsetDateTime::now_utc().unix_timestamp();
    name.push(
        rcgen::DnType::CommonName,
        format!("openshift-service-serving-signer@{since}"),
    );
    let params = crate::sim::tls::ca_params(name, rcgen::BasicConstraints::Unconstrained).ok()?;
    let key = rcgen::KeyPair::generate().ok()?;
    let cert = params.self_signed(&key).ok()?;
    create_if_absent(
        o,
        "",
        "secrets",
        json!({"metadata": {"name": SERVICE_CA_SECRET, "namespace": SERVICE_CA_NAMESPACE},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": b64.encode(cert.pem()), "tls.key": b64.encode(key.serialize_pem())}}),
    );
    // Whoever created it first wins.
    o.get("", "secrets", SERVICE_CA_NAMESPACE, SERVICE_CA_SECRET)
        .and_then(|s| read(&s))
}

// ---------------------------------------------------------------------------------------------
// Deployments → ReplicaSets
// ---------------------------------------------------------------------------------------------

/// The ownerReference a controller puts on what it creates (`metav1.NewControllerRef`).
fn controller_ref(api_version: &str, kind: &str, owner: &Value) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": text(owner, "/metadata/name"),
        "uid": text(owner, "/metadata/uid"), "controller": true, "blockOwnerDeletion": true})
}

/// Whether `o` is controlled by the object with `uid`.
fn controlled_by(o: &Value, uid: &str) -> bool {
    o.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| r.get("controller") == Some(&json!(true)) && text(r, "/uid") == uid)
}

/// `controller.ComputeHash`: FNV-32a of the template (and the collision count), its decimal
/// digits written with `rand.SafeEncodeString`'s alphabet. The bytes hashed differ from Go's
/// (which hashes the struct's dump), the form is the same.
fn template_hash(template: &Value, collisions: u32) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h: u32 = 0x811c9dc5;
    let bytes = template.to_string().into_bytes();
    let extra = if collisions > 0 {
        collisions.to_le_bytes().to_vec()
    } else {
        Vec::new()
    };
    for b in bytes.iter().chain(extra.iter()) {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x01000193);
    }
    h.to_string()
        .bytes()
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect()
}

/// Whether a ReplicaSet's template is the Deployment's (`EqualIgnoreHash`: the
/// `pod-template-hash` label aside; empty labels and metadata count as none).
fn same_template(rs_template: Option<&Value>, template: &Value) -> bool {
    let normal = |t: &Value| {
        let mut t = t.clone();
        if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
            if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
                labels.remove(TEMPLATE_HASH);
            }
            if meta
                .get("labels")
                .is_some_and(|l| l.as_object().is_some_and(Map::is_empty))
            {
                meta.remove("labels");
            }
        }
        if t.get("metadata")
            .is_some_and(|m| m.as_object().is_some_and(Map::is_empty))
        {
            t.as_object_mut().map(|o| o.remove("metadata"));
        }
        t
    };
    rs_template.is_some_and(|r| normal(r) == normal(template))
}

fn revision(o: &Value) -> i64 {
    o.pointer(&format!(
        "/metadata/annotations/{}",
        REVISION.replace('/', "~1")
    ))
    .and_then(Value::as_str)
    .and_then(|r| r.parse().ok())
    .unwrap_or(0)
}

/// `intstr.GetScaledValueFromIntOrPercent`: a count or a percentage of `total`, rounded up or
/// down.
fn scaled(value: Option<&Value>, default: &str, total: i64, round_up: bool) -> i64 {
    let value = value.cloned().unwrap_or(json!(default));
    if let Some(n) = value.as_i64() {
        return n;
    }
    let percent: i64 = value
        .as_str()
        .and_then(|s| s.strip_suffix('%'))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let product = percent * total;
    if round_up {
        (product + 99) / 100
    } else {
        product / 100
    }
}

/// `MaxSurge` and `MaxUnavailable` of a Deployment (`deployment_util.go`
/// `ResolveFenceposts`: both 0 → maxUnavailable 1; Recreate: 0 and 0).
fn fenceposts(d: &Value, desired: i64) -> (i64, i64) {
    if text(d, "/spec/strategy/type") == "Recreate" {
        return (0, 0);
    }
    let rolling = d.pointer("/spec/strategy/rollingUpdate");
    let surge = scaled(
        rolling.and_then(|r| r.get("maxSurge")),
        "25%",
        desired,
        true,
    );
    let unavailable = scaled(
        rolling.and_then(|r| r.get("maxUnavailable")),
        "25%",
        desired,
        false,
    );
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

fn replicas(o: &Value) -> i64 {
    int(o, "/spec/replicas").unwrap_or(1)
}

fn status_count(o: &Value, field: &str) -> i64 {
    int(o, &format!("/status/{field}")).unwrap_or(0)
}

impl Workloads {
    fn deployments(&self, cluster: &SimCluster) {
        let o = Objects::of(cluster);
        let Some(rs_type) = cluster.store.find("apps", "replicasets") else {
            return;
        };
        let all_sets = o.list("apps", "replicasets", None);
        for d in o.list("apps", "deployments", None) {
            if deleting(&d) {
                continue;
            }
            let ns = text(&d, "/metadata/namespace").to_string();
            let name = text(&d, "/metadata/name").to_string();
            let uid = text(&d, "/metadata/uid");
            let template = d
                .pointer("/spec/template")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let desired = replicas(&d);
            let mut sets: Vec<Arc<Value>> = all_sets
                .iter()
                .filter(|rs| text(rs, "/metadata/namespace") == ns && controlled_by(rs, uid))
                .cloned()
                .collect();
            let newest_revision = sets.iter().map(|rs| revision(rs)).max().unwrap_or(0);
            let current = sets
                .iter()
                .position(|rs| same_template(rs.pointer("/spec/template"), &template));
            let (surge, unavailable) = fenceposts(&d, desired);
            let recreate = text(&d, "/spec/strategy/type") == "Recreate";
            let new_rs = match current {
                Some(i) => sets.remove(i),
                None => {
                    // sync.go getNewReplicaSet: named after the template's hash (bumped on a
                    // collision with a ReplicaSet of another template), next revision.
                    let mut created = None;
                    for collisions in 0..16 {
                        let hash = template_hash(&template, collisions);
                        let rs_name = format!("{name}-{hash}");
                        if o.get("apps", "replicasets", &ns, &rs_name).is_some() {
                            continue;
                        }
                        let mut rs_template = template.clone();
                        rs_template["metadata"]["labels"][TEMPLATE_HASH] = json!(hash);
                        let mut selector =
                            d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
                        selector["matchLabels"][TEMPLATE_HASH] = json!(hash);
                        let mut labels = template
                            .pointer("/metadata/labels")
                            .cloned()
                            .unwrap_or(json!({}));
                        labels[TEMPLATE_HASH] = json!(hash);
                        // A new set starts at 0 (rolling) and is scaled up below.
                        let rs = json!({
                            "apiVersion": "apps/v1", "kind": "ReplicaSet",
                            "metadata": {"name": rs_name, "namespace": ns, "labels": labels,
                                "annotations": {REVISION: (newest_revision + 1).to_string(),
                                    DESIRED_REPLICAS: desired.to_string(),
                                    MAX_REPLICAS: (desired + surge).to_string()},
                                "ownerReferences": [controller_ref("apps/v1", "Deployment", &d)]},
                            "spec": {"replicas": 0, "minReadySeconds": d.pointer("/spec/minReadySeconds").cloned().unwrap_or(json!(0)),
                                "selector": selector, "template": rs_template},
                        });
                        created = cluster.store.create(&rs_type, &ns, rs).ok();
                        break;
                    }
                    match created {
                        Some(rs) => rs,
                        None => continue,
                    }
                }
            };
            // The Deployment carries its newest revision (sync.go `getNewReplicaSet`).
            let rev = revision(&new_rs).to_string();
            if d.pointer(&format!(
                "/metadata/annotations/{}",
                REVISION.replace('/', "~1")
            ))
            .and_then(Value::as_str)
                != Some(&rev)
                && let Some(rt) = cluster.store.find("apps", "deployments")
            {
                let _ = cluster
                    .store
                    .modify(&rt, &ns, &name, Part::Whole, false, |c| {
                        let mut v = c.cloned().unwrap_or_default();
                        annotate(&mut v, REVISION, &rev);
                        Ok(v)
                    });
            }
            let old_pods: i64 = sets.iter().map(|rs| status_count(rs, "replicas")).sum();
            let new_target;
            let mut old_targets: Vec<(Arc<Value>, i64)> = Vec::new();
            if recreate {
                // recreate.go: old sets to 0, the new one scaled up once their Pods are gone.
                old_targets = sets.iter().map(|rs| (rs.clone(), 0)).collect();
                let old_wanted: i64 = sets.iter().map(|rs| replicas(rs)).sum();
                new_target = if old_pods == 0 && old_wanted == 0 {
                    desired
                } else {
                    replicas(&new_rs).min(desired)
                };
            } else {
                // rolling.go reconcileNewReplicaSet: up to desired + maxSurge Pods in all.
                let new_now = replicas(&new_rs);
                let old_wanted: i64 = sets.iter().map(|rs| replicas(rs)).sum();
                new_target = if new_now >= desired {
                    desired
                } else {
                    (new_now + (desired + surge - old_wanted - new_now).max(0)).min(desired)
                };
                // A sync that scaled the new set up stops there (rolloutRolling).
                if new_target <= new_now {
                    old_targets = scale_down_old(&sets, &new_rs, desired, unavailable);
                }
            }
            for (rs, target) in old_targets {
                scale_replica_set(cluster, &rs, target, desired, surge);
            }
            scale_replica_set(cluster, &new_rs, new_target, desired, surge);
        }
    }
}

/// rolling.go `reconcileOldReplicaSets`: old sets go down while `desired - maxUnavailable` Pods
/// stay available, the new set's unavailable ones counted against it; unhealthy old Pods go
/// first (`cleanupUnhealthyReplicas`), then available ones, oldest set first.
fn scale_down_old(
    old: &[Arc<Value>],
    new_rs: &Value,
    desired: i64,
    max_unavailable: i64,
) -> Vec<(Arc<Value>, i64)> {
    let mut by_age = old.to_vec();
    by_age.sort_by_key(|rs| revision(rs));
    let mut targets: Vec<(Arc<Value>, i64)> =
        by_age.iter().map(|rs| (rs.clone(), replicas(rs))).collect();
    let min_available = desired - max_unavailable;
    let all: i64 = targets.iter().map(|(_, n)| n).sum::<i64>() + replicas(new_rs);
    let new_unavailable = replicas(new_rs) - status_count(new_rs, "availableReplicas");
    let mut budget = all - min_available - new_unavailable;
    if budget <= 0 {
        return targets;
    }
    for (rs, target) in targets.iter_mut() {
        let unhealthy = (*target - status_count(rs, "availableReplicas")).max(0);
        let cut = unhealthy.min(budget);
        *target -= cut;
        budget -= cut;
    }
    let available: i64 = by_age
        .iter()
        .map(|rs| status_count(rs, "availableReplicas"))
        .sum::<i64>()
        + status_count(new_rs, "availableReplicas");
    let mut budget = (available - min_available).max(0);
    for (_, target) in targets.iter_mut() {
        let cut = (*target).min(budget);
        *target -= cut;
        budget -= cut;
    }
    targets
}

/// Sets a ReplicaSet's replicas and the deployment's sizes it carries (`SetReplicasAnnotations`).
fn scale_replica_set(cluster: &SimCluster, rs: &Value, target: i64, desired: i64, surge: i64) {
    let annotation = |k: &str| {
        rs.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if replicas(rs) == target
        && annotation(DESIRED_REPLICAS) == Some(desired.to_string())
        && annotation(MAX_REPLICAS) == Some((desired + surge).to_string())
    {
        return;
    }
    let Some(rt) = cluster.store.find("apps", "replicasets") else {
        return;
    };
    let ns = text(rs, "/metadata/namespace");
    let name = text(rs, "/metadata/name");
    let _ = cluster
        .store
        .modify(&rt, ns, name, Part::Whole, false, |c| {
            let mut v = c.cloned().unwrap_or_default();
            v["spec"]["replicas"] = json!(target);
            annotate(&mut v, DESIRED_REPLICAS, &desired.to_string());
            annotate(&mut v, MAX_REPLICAS, &(desired + surge).to_string());
            Ok(v)
        });
}

// ---------------------------------------------------------------------------------------------
// ReplicaSets → Pods
// ---------------------------------------------------------------------------------------------

/// The Pods a ReplicaSet controls that still count (`FilterActivePods`: not being deleted, not
/// finished).
fn active_pods<'a>(pods: &'a [Arc<Value>], rs: &Value) -> Vec<&'a Arc<Value>> {
    let uid = text(rs, "/metadata/uid");
    let ns = text(rs, "/metadata/namespace");
    pods.iter()
        .filter(|p| {
            text(p, "/metadata/namespace") == ns
                && controlled_by(p, uid)
                && !deleting(p)
                && !matches!(text(p, "/status/phase"), "Succeeded" | "Failed")
        })
        .collect()
}

fn pod_ready(p: &Value) -> bool {
    p.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
}

fn replica_sets(cluster: &SimCluster) {
    let o = Objects::of(cluster);
    let Some(pod_type) = cluster.store.find("", "pods") else {
        return;
    };
    let pods = o.list("", "pods", None);
    for rs in o.list("apps", "replicasets", None) {
        if deleting(&rs) {
            continue;
        }
        let ns = text(&rs, "/metadata/namespace");
        let name = text(&rs, "/metadata/name");
        let mut active = active_pods(&pods, &rs);
        let desired = replicas(&rs);
        let count = active.len() as i64;
        if count < desired {
            let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
            for _ in count..desired {
                let mut meta = template.get("metadata").cloned().unwrap_or(json!({}));
                if !meta.is_object() {
                    meta = json!({});
                }
                meta["generateName"] = json!(format!("{name}-"));
                meta["namespace"] = json!(ns);
                meta["ownerReferences"] = json!([controller_ref("apps/v1", "ReplicaSet", &rs)]);
                let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                    "spec": template.get("spec").cloned().unwrap_or(json!({}))});
                let _ = cluster.store.create(&pod_type, ns, pod);
            }
        } else if count > desired {
            // getPodsToDelete / ActivePods ordering: unscheduled, then pending, then not ready,
            // then the newest first.
            active.sort_by_key(|p| {
                (
                    !text(p, "/spec/nodeName").is_empty(),
                    text(p, "/status/phase") == "Running",
                    pod_ready(p),
                    std::cmp::Reverse(text(p, "/metadata/creationTimestamp").to_string()),
                )
            });
            for p in active.iter().take((count - desired) as usize) {
                o.delete("", "pods", ns, text(p, "/metadata/name"));
            }
        }
    }
}

/// ReplicaSet status from its Pods (`replica_set_utils.go` `calculateStatus`; `replicas` is
/// always written, the other counts are omitted when zero).
fn replica_set_status(cluster: &SimCluster) {
    let o = Objects::of(cluster);
    let pods = o.list("", "pods", None);
    for rs in o.list("apps", "replicasets", None) {
        let active = active_pods(&pods, &rs);
        let labels = rs
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .unwrap_or(json!({}));
        let fully_labeled =
            active
                .iter()
                .filter(|p| {
                    labels.as_object().into_iter().flatten().all(|(k, v)| {
                        p.pointer("/metadata/labels").and_then(|l| l.get(k)) == Some(v)
                    })
                })
                .count();
        let ready = active.iter().filter(|p| pod_ready(p)).count();
        let mut status = Map::new();
        status.insert("replicas".into(), json!(active.len()));
        for (field, n) in [
            ("fullyLabeledReplicas", fully_labeled as i64),
            ("readyReplicas", ready as i64),
            // minReadySeconds is not simulated: a ready Pod is available.
            ("availableReplicas", ready as i64),
            (
                "observedGeneration",
                int(&rs, "/metadata/generation").unwrap_or(0),
            ),
        ] {
            if n != 0 {
                status.insert(field.into(), json!(n));
            }
        }
        if let Some(conditions) = rs.pointer("/status/conditions") {
            status.insert("conditions".into(), conditions.clone());
        }
        o.set_status(
            "apps",
            "replicasets",
            text(&rs, "/metadata/namespace"),
            text(&rs, "/metadata/name"),
            Value::Object(status),
        );
    }
}

/// A Deployment condition (`deployment_util.go` `NewDeploymentCondition` /
/// `SetDeploymentCondition`): `lastTransitionTime` kept while the status stays, `lastUpdateTime`
/// moved when the reason or message change.
fn deployment_condition(
    previous: Option<&Value>,
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
) -> Value {
    let status_text = if status { "True" } else { "False" };
    let old = previous
        .and_then(Value::as_array)
        .and_then(|list| list.iter().find(|c| text(c, "/type") == kind));
    let t = json!(now());
    let (updated, transitioned) = match old {
        Some(c) if text(c, "/status") == status_text => {
            let transitioned = c.get("lastTransitionTime").cloned().unwrap_or(t.clone());
            if text(c, "/reason") == reason && text(c, "/message") == message {
                (c.get("lastUpdateTime").cloned().unwrap_or(t), transitioned)
            } else {
                (t, transitioned)
            }
        }
        _ => (t.clone(), t),
    };
    json!({"type": kind, "status": status_text, "lastUpdateTime": updated,
        "lastTransitionTime": transitioned, "reason": reason, "message": message})
}

/// Deployment status from its ReplicaSets (`sync.go` `calculateStatus`, conditions from
/// `progress.go` and `deployment_util.go`).
fn deployment_status(cluster: &SimCluster) {
    let o = Objects::of(cluster);
    let all_sets = o.list("apps", "replicasets", None);
    for d in o.list("apps", "deployments", None) {
        let ns = text(&d, "/metadata/namespace");
        let uid = text(&d, "/metadata/uid");
        let template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let sets: Vec<&Arc<Value>> = all_sets
            .iter()
            .filter(|rs| text(rs, "/metadata/namespace") == ns && controlled_by(rs, uid))
            .collect();
        let Some(new_rs) = sets
            .iter()
            .find(|rs| same_template(rs.pointer("/spec/template"), &template))
        else {
            continue;
        };
        let desired = replicas(&d);
        let sum = |f: &str| sets.iter().map(|rs| status_count(rs, f)).sum::<i64>();
        let total = sum("replicas");
        let ready = sum("readyReplicas");
        let available = sum("availableReplicas");
        let updated = status_count(new_rs, "replicas");
        let wanted_total: i64 = sets.iter().map(|rs| replicas(rs)).sum();
        let unavailable = (wanted_total - available).max(0);
        let generation = int(&d, "/metadata/generation").unwrap_or(1);
        let (_, max_unavailable) = fenceposts(&d, desired);
        let max_unavailable = if desired == 0 { 0 } else { max_unavailable };
        let previous = d.pointer("/status/conditions");
        let available_condition = if available >= desired - max_unavailable {
            deployment_condition(
                previous,
                "Available",
                true,
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        } else {
            deployment_condition(
                previous,
                "Available",
                false,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        };
        let rs_name = text(new_rs, "/metadata/name");
        // DeploymentComplete: every replica updated and available, none left over.
        let complete = updated == desired && total == desired && available == desired;
        let progressing = if complete {
            deployment_condition(
                previous,
                "Progressing",
                true,
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            )
        } else {
            deployment_condition(
                previous,
                "Progressing",
                true,
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{rs_name}\" is progressing."),
            )
        };
        let mut status = Map::new();
        status.insert("observedGeneration".into(), json!(generation));
        for (field, n) in [
            ("replicas", total),
            ("updatedReplicas", updated),
            ("readyReplicas", ready),
            ("availableReplicas", available),
            ("unavailableReplicas", unavailable),
        ] {
            // All `omitempty` int32s in apps/v1 DeploymentStatus.
            if n != 0 {
                status.insert(field.into(), json!(n));
            }
        }
        status.insert(
            "conditions".into(),
            json!([available_condition, progressing]),
        );
        o.set_status(
            "apps",
            "deployments",
            ns,
            text(&d, "/metadata/name"),
            Value::Object(status),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduler and kubelet
// ---------------------------------------------------------------------------------------------

/// The worker a Pod runs on, in the shape of the cloud's node names, and its address.
fn node_for(cluster: &SimCluster, pod: &str) -> (String, String) {
    let d = digest(&[&cluster.name, "worker", pod]);
    let i = usize::from(d[0] % 3);
    let infra = format!("{}-x7k2p", cluster.name);
    match cluster.provider {
        // ROSA: EC2 private DNS names of the machine network 10.0.0.0/16.
        Provider::Aws => {
            let (a, b) = ([140u8, 172, 205][i], [12u8, 87, 143][i]);
            (
                format!("ip-10-0-{a}-{b}.ec2.internal"),
                format!("10.0.{a}.{b}"),
            )
        }
        // ARO: `<infra>-worker-<region><zone>-<suffix>` in the worker subnet.
        Provider::Azure => (
            format!(
                "{infra}-worker-eastus{}-{}",
                i + 1,
                ["q8tcm", "lw6zn", "9v2kd"][i]
            ),
            format!("10.0.2.{}", 4 + i),
        ),
        Provider::Gcp => (
            format!(
                "{infra}-worker-{}-{}.c.{}.internal",
                ["a", "b", "c"][i],
                ["7xq2m", "kd8wz", "p4tvn"][i],
                cluster.name
            ),
            format!("10.0.128.{}", 2 + i),
        ),
    }
}

/// `qos.go` `GetPodQOS`: BestEffort without any request or limit, Guaranteed when every
/// container limits cpu and memory and requests what it limits, Burstable otherwise.
fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| spec.get(*k).and_then(Value::as_array).into_iter().flatten())
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let requests = c.pointer("/resources/requests").and_then(Value::as_object);
        let limits = c.pointer("/resources/limits").and_then(Value::as_object);
        for resource in ["cpu", "memory"] {
            let limit = limits.and_then(|l| l.get(resource));
            // Defaulting copies a limit into an absent request.
            let request = requests.and_then(|r| r.get(resource)).or(limit);
            any |= request.is_some() || limit.is_some();
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// How long after its containers start a Pod turns Ready: its slowest readiness probe's
/// `initialDelaySeconds` (probes succeed at their first try here); none → at once.
fn readiness_delay(spec: &Value) -> Option<Duration> {
    spec.get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("readinessProbe"))
        .map(|p| {
            Duration::from_secs(
                p.get("initialDelaySeconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            )
        })
        .max()
}

/// Which step of its start a Pod is at, read from its status.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    New,
    Creating,
    Running,
    Ready,
}

fn stage(p: &Value) -> Stage {
    if text(p, "/spec/nodeName").is_empty() || p.pointer("/status/podIP").is_none() {
        return Stage::New;
    }
    match (text(p, "/status/phase"), pod_ready(p)) {
        ("Running", true) => Stage::Ready,
        ("Running", false) => Stage::Running,
        _ => Stage::Creating,
    }
}

impl Workloads {
    fn pods(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let Some(rt) = cluster.store.find("", "pods") else {
            return;
        };
        for p in Objects::of(cluster).list("", "pods", None) {
            if deleting(&p) || matches!(text(&p, "/status/phase"), "Succeeded" | "Failed") {
                continue;
            }
            let ns = text(&p, "/metadata/namespace").to_string();
            let name = text(&p, "/metadata/name").to_string();
            let key = format!(
                "pod/{}/{ns}/{name}/{}",
                cluster.name,
                text(&p, "/metadata/uid")
            );
            let spec = p.get("spec").cloned().unwrap_or(json!({}));
            let target = match stage(&p) {
                Stage::New => Stage::Creating,
                Stage::Creating => {
                    if !self
                        .timers
                        .due(&format!("{key}/start"), world.delay(START_DELAY), next)
                    {
                        continue;
                    }
                    self.timers.forget(&format!("{key}/start"));
                    match readiness_delay(&spec) {
                        None => Stage::Ready,
                        Some(_) => Stage::Running,
                    }
                }
                Stage::Running => {
                    let delay = readiness_delay(&spec).unwrap_or_default();
                    if !self
                        .timers
                        .due(&format!("{key}/ready"), world.delay(delay), next)
                    {
                        continue;
                    }
                    self.timers.forget(&format!("{key}/ready"));
                    Stage::Ready
                }
                Stage::Ready => continue,
            };
            let (node, host_ip) = node_for(cluster, &name);
            let pod_ip = pod_ip(&[&cluster.name, &ns, &name]);
            let _ = cluster
                .store
                .modify(&rt, &ns, &name, Part::Whole, false, |c| {
                    let mut v = c.cloned().unwrap_or_default();
                    if text(&v, "/spec/nodeName").is_empty() {
                        v["spec"]["nodeName"] = json!(node);
                    }
                    v["status"] = kubelet_status(&v, &host_ip, &pod_ip, target);
                    Ok(v)
                });
        }
    }
}

/// The status the scheduler and kubelet give a Pod at `stage` (`generate.go`: conditions
/// PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled).
fn kubelet_status(pod: &Value, host_ip: &str, pod_ip: &str, stage: Stage) -> Value {
    let previous = pod.pointer("/status").cloned().unwrap_or(json!({}));
    let t = now();
    let start_time = previous
        .get("startTime")
        .cloned()
        .unwrap_or_else(|| json!(t));
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| text(c, "/name")).collect();
    let ready = stage == Stage::Ready;
    let running = stage >= Stage::Running;
    let pod_name = text(pod, "/metadata/name");
    let mut statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let cname = text(c, "/name");
            let image = text(c, "/image");
            let id = hex(&digest(&[pod_name, text(pod, "/metadata/uid"), cname]));
            let image_digest = hex(&digest(&[image]));
            let repository = image.split('@').next().unwrap_or(image);
            let repository = match repository.rsplit_once(':') {
                Some((repo, tag)) if !tag.contains('/') => repo,
                _ => repository,
            };
            let old = previous
                .get("containerStatuses")
                .and_then(Value::as_array)
                .and_then(|l| l.iter().find(|s| text(s, "/name") == cname));
            let mut s = json!({"name": cname, "image": image, "ready": ready, "restartCount": 0,
                "started": running, "lastState": {}});
            if running {
                let started_at = old
                    .and_then(|o| o.pointer("/state/running/startedAt").cloned())
                    .unwrap_or_else(|| json!(t));
                s["state"] = json!({"running": {"startedAt": started_at}});
                s["imageID"] = json!(format!("{repository}@sha256:{image_digest}"));
                s["containerID"] = json!(format!("{RUNTIME}://{id}"));
            } else {
                s["state"] = json!({"waiting": {"reason": "ContainerCreating"}});
                s["imageID"] = json!("");
            }
            s
        })
        .collect();
    statuses.sort_by(|a, b| text(a, "/name").cmp(text(b, "/name")));
    let previous_conditions = previous.get("conditions").cloned();
    let cond = |kind: &str, status: bool, reason: &str, message: &str| {
        let mut c = super::condition(previous_conditions.as_ref(), kind, status, reason, message);
        if let Some(m) = c.as_object_mut() {
            // Kubelet conditions carry no reason or message when true; `lastProbeTime` null.
            if status {
                m.remove("reason");
                m.remove("message");
            }
            m.insert("lastProbeTime".into(), Value::Null);
        }
        c
    };
    let unready = format!("containers with unready status: [{}]", names.join(" "));
    let conditions = json!([
        cond("PodReadyToStartContainers", true, "", ""),
        cond("Initialized", true, "", ""),
        cond("Ready", ready, "ContainersNotReady", &unready),
        cond("ContainersReady", ready, "ContainersNotReady", &unready),
        cond("PodScheduled", true, "", ""),
    ]);
    let mut status = json!({
        "phase": if running { "Running" } else { "Pending" },
        "conditions": conditions,
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": start_time,
        "containerStatuses": statuses,
        "qosClass": qos_class(pod.get("spec").unwrap_or(&Value::Null)),
    });
    // Init containers ran to completion before the app containers started.
    let init: Vec<Value> = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            json!({"name": text(c, "/name"), "image": text(c, "/image"), "ready": true,
                "restartCount": 0, "started": false, "lastState": {},
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": start_time, "finishedAt": start_time}}})
        })
        .collect();
    if !init.is_empty() {
        status["initContainerStatuses"] = json!(init);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hashes_look_like_kubernetes_ones() {
        let t = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}});
        let h = template_hash(&t, 0);
        assert!((1..=10).contains(&h.len()), "{h}");
        assert!(
            h.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)),
            "{h}"
        );
        assert_eq!(h, template_hash(&t, 0));
        assert_ne!(h, template_hash(&t, 1));
    }

    #[test]
    fn fenceposts_follow_the_rolling_update_defaults() {
        let d = json!({"spec": {"replicas": 4}});
        assert_eq!(fenceposts(&d, 4), (1, 1));
        let d = json!({"spec": {"replicas": 1}});
        // 25% of 1: surge rounds up to 1, unavailable down to 0.
        assert_eq!(fenceposts(&d, 1), (1, 0));
        let d =
            json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}}});
        assert_eq!(fenceposts(&d, 3), (0, 1));
        let d = json!({"spec": {"strategy": {"type": "Recreate"}}});
        assert_eq!(fenceposts(&d, 3), (0, 0));
    }

    #[test]
    fn qos_classes() {
        assert_eq!(
            qos_class(&json!({"containers": [{"name": "a"}]})),
            "BestEffort"
        );
        let g = json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"containers": [{"resources": {"requests": {"cpu": "100m"}}}]});
        assert_eq!(qos_class(&b), "Burstable");
    }
}
