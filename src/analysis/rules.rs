//! The rules of one object at a time (the link rules, which need both sides, are in [`super::link`]).

use std::sync::OnceLock;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::Value;

use super::link::Finding;
use super::{Inventory, Object, Severity, text};
use crate::prims::mesh::{DISCOVERY_PORT, EGRESS_FOR, INGRESS_FOR};
use crate::suggest::{closest, did_you_mean};

/// `servicemeshpeer ns/name`: how findings name objects.
fn object_name(o: &Object) -> String {
    let ns = o.namespace();
    if ns.is_empty() {
        format!("{} {}", o.kind.to_lowercase(), o.name())
    } else {
        format!("{} {ns}/{}", o.kind.to_lowercase(), o.name())
    }
}

fn finding(
    rule: &'static str,
    severity: Severity,
    o: &Object,
    field: impl Into<String>,
    problem: String,
    fix: String,
) -> Finding {
    Finding {
        rule,
        severity,
        cluster: o.cluster.clone(),
        object: object_name(o),
        field: field.into(),
        problem,
        fix,
    }
}

/// A ServiceMeshPeer named after no mesh the analysis saw.
pub(super) fn unknown_peer(inventory: &Inventory, smp: &Object) -> Finding {
    let known: Vec<&str> = inventory.meshes().iter().map(|m| m.name()).collect();
    let hint = did_you_mean(&closest(smp.name(), known.iter().copied()));
    finding(
        "peer-name",
        Severity::Warning,
        smp,
        "metadata.name",
        format!(
            "no mesh named {} among the {} read (meshes: {}){}: a ServiceMeshPeer is named after the peer's mesh, which names its ExportedServiceSet for this mesh the same way; with another name the peer's exports never reach this mesh",
            smp.name(),
            if inventory.live { "clusters" } else { "files" },
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
            hint.map(|h| format!("; {h}")).unwrap_or_default()
        ),
        if inventory.live {
            "check every cluster of the federation is in the kubeconfig, or rename the ServiceMeshPeer after the peer's ServiceMeshControlPlane".into()
        } else {
            "lint the peer mesh's manifests too, or rename the ServiceMeshPeer after the peer's ServiceMeshControlPlane".into()
        },
    )
}

/// The gateways a ServiceMeshPeer names carry the federation label for that peer and serve
/// discovery on 8188 (maistra/istio-operator's federation gateway defaults; the walkthrough's
/// SMCPs): without the label the operator does not configure them for the peer, without the
/// port the discovery watch is refused.
pub(super) fn federation_gateways(mesh: &Object, smp: &Object) -> Vec<Finding> {
    let mut out = Vec::new();
    let peer = smp.name();
    for (field, kind, label, port_name) in [
        (
            "ingress",
            "additionalIngress",
            INGRESS_FOR,
            "https-discovery",
        ),
        ("egress", "additionalEgress", EGRESS_FOR, "http-discovery"),
    ] {
        let name = text(&smp.value, &format!("/spec/gateways/{field}/name"));
        let Some(gateway) = mesh
            .value
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(|g| g.get(name))
        else {
            // Not one of the control plane's gateways: link::diagnose reports it.
            continue;
        };
        let at = format!("spec.gateways.{kind}.{name}.service");
        let labelled = gateway
            .pointer("/service/metadata/labels")
            .and_then(|l| l.get(label))
            .and_then(Value::as_str);
        if labelled != Some(peer) {
            out.push(finding(
                "gateway-label",
                Severity::Error,
                mesh,
                format!("{at}.metadata.labels"),
                format!(
                    "gateway {name}, which ServiceMeshPeer {peer} uses as its {field}, is not labelled {label}: {peer}{}: the operator does not set it up for the peer and discovery through it fails",
                    labelled.map(|l| format!(" (it says {l})")).unwrap_or_default()
                ),
                format!(
                    "oc -n {ns} patch smcp {mesh_name} --type merge -p '{{\"spec\":{{\"gateways\":{{\"{kind}\":{{\"{name}\":{{\"service\":{{\"metadata\":{{\"labels\":{{\"{label}\":\"{peer}\"}}}}}}}}}}}}}}}}' (mesh::control_plane with peers: [\"{peer}\"] does it)",
                    ns = mesh.namespace(),
                    mesh_name = mesh.name()
                ),
            ));
        }
        let ports = gateway
            .pointer("/service/ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let discovery = ports.iter().any(|p| {
            p.get("port").and_then(Value::as_i64) == Some(DISCOVERY_PORT)
                && text(p, "/name") == port_name
        });
        if !discovery {
            out.push(finding(
                "gateway-port",
                Severity::Error,
                mesh,
                format!("{at}.ports"),
                format!(
                    "gateway {name} has no port {DISCOVERY_PORT} named {port_name}: the discovery traffic for {peer} has no way through it (the peer shows 503 Service Unavailable)"
                ),
                format!(
                    "add {{port: {DISCOVERY_PORT}, name: {port_name}}} to its service.ports (mesh::control_plane with peers: [\"{peer}\"] does it)"
                ),
            ));
        }
    }
    out
}

/// The rules that need no link: service sets, exports, schemas, operators, control planes.
pub(super) fn all(inventory: &Inventory) -> Vec<(String, Finding)> {
    let mut out = Vec::new();
    for mesh in inventory.meshes() {
        let (cluster, ns) = (mesh.cluster.as_str(), mesh.namespace());
        let peers: Vec<&str> = inventory
            .in_namespace(cluster, ns, "ServiceMeshPeer")
            .map(Object::name)
            .collect();
        for kind in ["ExportedServiceSet", "ImportedServiceSet"] {
            for set in inventory.in_namespace(cluster, ns, kind) {
                if !peers.contains(&set.name()) {
                    let hint = did_you_mean(&closest(set.name(), peers.iter().copied()));
                    out.push((
                        mesh.name().to_string(),
                        finding(
                            "service-set-name",
                            Severity::Error,
                            set,
                            "metadata.name",
                            format!(
                                "{kind} {} names no ServiceMeshPeer of mesh {} (peers: {}){}: Maistra pairs a service set with the peer of the same name, so {}",
                                set.name(),
                                mesh.name(),
                                if peers.is_empty() { "none".to_string() } else { peers.join(", ") },
                                hint.map(|h| format!("; {h}")).unwrap_or_default(),
                                if kind == "ExportedServiceSet" { "nothing is exported to any peer" } else { "nothing is imported" }
                            ),
                            format!("name it after the peer mesh (peer::{} does)", if kind == "ExportedServiceSet" { "export" } else { "import" }),
                        ),
                    ));
                }
            }
        }
        if inventory.live {
            out.extend(
                exports_without_service(inventory, mesh)
                    .into_iter()
                    .map(|f| (mesh.name().to_string(), f)),
            );
            if let Some(f) = not_ready(mesh) {
                out.push((mesh.name().to_string(), f));
            }
        }
    }
    if inventory.live {
        for csv in inventory.of_kind("ClusterServiceVersion") {
            // OLM copies a CSV into every namespace its OperatorGroup targets; the original
            // speaks for all (operator-framework/operator-lifecycle-manager `olm.copiedFrom`).
            let copied = csv
                .value
                .pointer("/metadata/labels/olm.copiedFrom")
                .is_some();
            let phase = text(&csv.value, "/status/phase");
            if !copied && phase != "Succeeded" {
                out.push((
                    format!("cluster {}", csv.cluster),
                    finding(
                        "operator-phase",
                        Severity::Error,
                        csv,
                        "status.phase",
                        format!(
                            "operator {} is {}{}: until it Succeeds, the objects it serves (control planes, peers) are not reconciled",
                            csv.name(),
                            if phase.is_empty() { "without a phase" } else { phase },
                            match text(&csv.value, "/status/message") {
                                "" => String::new(),
                                m => format!(" ({m})"),
                            }
                        ),
                        format!(
                            "oc -n {} describe csv {} (mesh::operators waits for it)",
                            csv.namespace(),
                            csv.name()
                        ),
                    ),
                ));
            }
        }
    } else {
        for object in &inventory.objects {
            out.extend(
                unknown_fields(object)
                    .into_iter()
                    .map(|f| (group_of_file_object(inventory, object), f)),
            );
        }
    }
    out
}

/// The mesh whose namespace holds a file's object, else its namespace.
fn group_of_file_object(inventory: &Inventory, o: &Object) -> String {
    inventory
        .meshes()
        .iter()
        .find(|m| m.namespace() == o.namespace())
        .map(|m| m.name().to_string())
        .unwrap_or_else(|| o.namespace().to_string())
}

/// An SMCP whose `Ready` condition is not True (maistra/api `servicemeshcontrolplane_types.go`).
fn not_ready(mesh: &Object) -> Option<Finding> {
    let ready = mesh
        .value
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| text(c, "/type") == "Ready")?;
    (text(ready, "/status") != "True").then(|| {
        finding(
            "mesh-ready",
            Severity::Warning,
            mesh,
            "status.conditions",
            format!(
                "control plane {} is not Ready ({}): its gateways and istiod may not serve the federation yet",
                mesh.name(),
                text(ready, "/message")
            ),
            format!(
                "oc -n {} get smcp {} -o jsonpath='{{.status.readiness}}' (mesh::wait_ready waits for it)",
                mesh.namespace(),
                mesh.name()
            ),
        )
    })
}

/// Export rules that select no Service of the cluster: the peer imports nothing for them.
fn exports_without_service(inventory: &Inventory, mesh: &Object) -> Vec<Finding> {
    let mut out = Vec::new();
    let services: Vec<&Object> = inventory
        .of_kind("Service")
        .filter(|s| s.cluster == mesh.cluster)
        .collect();
    let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
    for ess in inventory.in_namespace(&mesh.cluster, mesh.namespace(), "ExportedServiceSet") {
        let rules = ess
            .value
            .pointer("/spec/exportRules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let (selector, hit) = match text(rule, "/type") {
                "NameSelector" => {
                    let ns = text(rule, "/nameSelector/namespace");
                    let name = text(rule, "/nameSelector/name");
                    (
                        format!("nameSelector {ns}/{name}"),
                        services
                            .iter()
                            .any(|s| matches(ns, s.namespace()) && matches(name, s.name())),
                    )
                }
                "LabelSelector" => {
                    let ns = text(rule, "/labelSelector/namespace");
                    let labels = rule
                        .pointer("/labelSelector/selector/matchLabels")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    (
                        format!("labelSelector in {ns} {}", Value::Object(labels.clone())),
                        services.iter().any(|s| {
                            matches(ns, s.namespace())
                                && labels.iter().all(|(k, v)| {
                                    s.value.pointer("/metadata/labels").and_then(|l| l.get(k))
                                        == Some(v)
                                })
                        }),
                    )
                }
                _ => continue,
            };
            if !hit {
                out.push(finding(
                    "export-no-service",
                    Severity::Warning,
                    ess,
                    format!("spec.exportRules[{i}]"),
                    format!(
                        "the {selector} of export rule {i} matches no Service on cluster {}: the peer {} has nothing to import for it",
                        ess.cluster,
                        ess.name()
                    ),
                    "check the namespace and name or labels against `oc get services -A --show-labels`".into(),
                ));
            }
        }
    }
    out
}

/// The CustomResourceDefinitions of the kinds fedrun knows (src/types), generated once: each
/// generation derives every schema, which is slow.
fn known_crds() -> &'static [CustomResourceDefinition] {
    static CRDS: OnceLock<Vec<CustomResourceDefinition>> = OnceLock::new();
    CRDS.get_or_init(|| {
        [
            crate::types::federation::crds(),
            crate::types::maistra::crds(),
            crate::types::olm::crds(),
            crate::types::istio::crds(),
        ]
        .into_iter()
        .flatten()
        .collect()
    })
}

/// The schema of a kind at an apiVersion (else its stored version's).
fn schema_of(kind: &str, api_version: &str) -> Option<Value> {
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    let crd = known_crds().iter().find(|c| c.spec.names.kind == kind)?;
    let served = crd
        .spec
        .versions
        .iter()
        .find(|v| v.name == version)
        .or_else(|| crd.spec.versions.iter().find(|v| v.storage))?;
    let schema = served.schema.as_ref()?.open_api_v3_schema.as_ref()?;
    serde_json::to_value(schema).ok()
}

/// Fields the kind's schema does not have, as kube-apiserver's strict field validation names
/// them (`unknown field "spec.x"`: kubernetes/kubernetes
/// `staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning/algorithm.go`, whose
/// pruned paths the handlers in `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/` report). A real server refuses them under `kubectl apply` (strict by default since 1.27) or,
/// with validation off, drops them: a field in the wrong place silently does nothing.
fn unknown_fields(o: &Object) -> Vec<Finding> {
    let Some(schema) = schema_of(&o.kind, text(&o.value, "/apiVersion")) else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    if let Some(map) = o.value.as_object() {
        for (key, value) in map {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "status") {
                continue;
            }
            walk(
                value,
                schema.pointer(&format!("/properties/{key}")),
                key.clone(),
                &mut unknown,
            );
        }
    }
    unknown
        .into_iter()
        .map(|(path, known)| {
            let last = path.rsplit('.').next().unwrap_or(&path).to_string();
            let hint = did_you_mean(&closest(&last, known.iter().map(String::as_str)));
            finding(
                "unknown-field",
                Severity::Error,
                o,
                path.clone(),
                format!(
                    "strict decoding error: unknown field \"{path}\"{}: the API server refuses the object, or, with validation off, drops the field and its setting never takes effect",
                    hint.map(|h| format!(" ({h})")).unwrap_or_default()
                ),
                format!(
                    "write the field where the {} schema has it (`oc explain {}` lists them)",
                    o.kind,
                    explain_path(o, &path)
                ),
            )
        })
        .collect()
}

/// `oc explain`'s path to the object holding the field at `path` (explain takes no indexes).
fn explain_path(o: &Object, path: &str) -> String {
    let parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
    let mut out = o.kind.to_lowercase();
    for part in parent.split('.').filter(|p| !p.is_empty()) {
        out.push('.');
        out.push_str(part.split('[').next().unwrap_or(part));
    }
    out
}

/// Collects `(path, fields the schema has there)` for each field of `value` `schema` lacks.
fn walk(value: &Value, schema: Option<&Value>, path: String, out: &mut Vec<(String, Vec<String>)>) {
    let Some(schema) = schema else {
        return;
    };
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, child) in map {
                let at = format!("{path}.{key}");
                match (properties.and_then(|p| p.get(key)), additional) {
                    (Some(s), _) => walk(child, Some(s), at, out),
                    (None, Some(s)) => walk(child, Some(s), at, out),
                    (None, None) if properties.is_some() && !preserve => out.push((
                        at,
                        properties
                            .map(|p| p.keys().cloned().collect())
                            .unwrap_or_default(),
                    )),
                    (None, None) => {}
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, schema.get("items"), format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Inventory, Object, analyze};
    use serde_json::{Value, json};

    fn object(cluster: &str, kind: &str, value: Value) -> Object {
        Object {
            cluster: cluster.into(),
            kind: kind.into(),
            value,
            source: None,
        }
    }

    /// A mesh `a-mesh` whose ServiceMeshPeer `b-mesh` names gateways that lack the federation
    /// label and discovery port, with a service set named after no peer and an export rule that
    /// matches no Service, and an operator still installing.
    fn inventory() -> Inventory {
        let smcp = json!({"metadata": {"name": "a-mesh", "namespace": "a-mesh"}, "spec": {"gateways": {
            "additionalIngress": {"b-ingress": {"service": {"metadata": {"labels": {"federation.maistra.io/ingress-for": "c-mesh"}},
                "ports": [{"port": 8188, "name": "https-discovery"}]}}},
            "additionalEgress": {"b-egress": {"service": {"metadata": {"labels": {"federation.maistra.io/egress-for": "b-mesh"}},
                "ports": [{"port": 15443, "name": "tls"}]}}}}}});
        let smp = json!({"metadata": {"name": "b-mesh", "namespace": "a-mesh"}, "spec": {
            "gateways": {"ingress": {"name": "b-ingress"}, "egress": {"name": "b-egress"}}}});
        let ess = json!({"metadata": {"name": "b-mesh", "namespace": "a-mesh"}, "spec": {"exportRules": [
            {"type": "NameSelector", "nameSelector": {"namespace": "shop", "name": "details"}},
            {"type": "NameSelector", "nameSelector": {"namespace": "shop", "name": "*"}}]}});
        let iss = json!({"metadata": {"name": "b-msh", "namespace": "a-mesh"}, "spec": {}});
        Inventory {
            live: true,
            objects: vec![
                object("x", "ServiceMeshControlPlane", smcp),
                object("x", "ServiceMeshPeer", smp),
                object("x", "ExportedServiceSet", ess),
                object("x", "ImportedServiceSet", iss),
                object(
                    "x",
                    "Service",
                    json!({"metadata": {"name": "reviews", "namespace": "shop"}}),
                ),
                object(
                    "x",
                    "ClusterServiceVersion",
                    json!({"metadata": {"name": "servicemeshoperator.v2.5.0", "namespace": "openshift-operators"},
                    "status": {"phase": "Installing", "message": "waiting for install components"}}),
                ),
                object(
                    "x",
                    "ClusterServiceVersion",
                    json!({"metadata": {"name": "servicemeshoperator.v2.5.0", "namespace": "shop",
                    "labels": {"olm.copiedFrom": "openshift-operators"}}, "status": {"phase": "Installing"}}),
                ),
            ],
        }
    }

    #[test]
    fn each_object_rule_names_its_object_and_field() {
        let analysis = analyze(&inventory());
        let mut found: Vec<(&str, &str, &str)> = analysis
            .findings
            .iter()
            .map(|f| {
                (
                    f.finding.rule,
                    f.finding.object.as_str(),
                    f.finding.field.as_str(),
                )
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                (
                    "ca-configmap",
                    "servicemeshpeer a-mesh/b-mesh",
                    "spec.security.certificateChain.name"
                ),
                (
                    "export-no-service",
                    "exportedserviceset a-mesh/b-mesh",
                    "spec.exportRules[0]"
                ),
                (
                    "gateway-label",
                    "servicemeshcontrolplane a-mesh/a-mesh",
                    "spec.gateways.additionalIngress.b-ingress.service.metadata.labels"
                ),
                (
                    "gateway-port",
                    "servicemeshcontrolplane a-mesh/a-mesh",
                    "spec.gateways.additionalEgress.b-egress.service.ports"
                ),
                (
                    "operator-phase",
                    "clusterserviceversion openshift-operators/servicemeshoperator.v2.5.0",
                    "status.phase"
                ),
                (
                    "peer-name",
                    "servicemeshpeer a-mesh/b-mesh",
                    "metadata.name"
                ),
                (
                    "service-set-name",
                    "importedserviceset a-mesh/b-msh",
                    "metadata.name"
                ),
            ],
            "{:#?}",
            analysis.findings
        );
        assert!(analysis.has_errors());
        let iss = analysis
            .findings
            .iter()
            .find(|f| f.finding.rule == "service-set-name")
            .unwrap();
        assert!(
            iss.finding.problem.contains("did you mean `b-mesh`?"),
            "{}",
            iss.finding.problem
        );
    }

    #[test]
    fn unknown_fields_are_named_as_strict_validation_names_them() {
        let ess = json!({"apiVersion": "federation.maistra.io/v1", "kind": "ExportedServiceSet",
            "metadata": {"name": "b-mesh", "namespace": "a-mesh"},
            "spec": {"exportRules": [{"type": "LabelSelector", "labelSelector": {"namespace": "shop",
                "aliases": [{"alias": {"namespace": "p", "name": "d"}}], "alias": {"namespace": "p"}}}]}});
        let found = super::unknown_fields(&object("files", "ExportedServiceSet", ess));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].field, "spec.exportRules[0].labelSelector.alias");
        assert!(
            found[0].problem.starts_with(
                "strict decoding error: unknown field \"spec.exportRules[0].labelSelector.alias\""
            ),
            "{}",
            found[0].problem
        );
        assert!(
            found[0]
                .fix
                .contains("oc explain exportedserviceset.spec.exportRules.labelSelector"),
            "{}",
            found[0].fix
        );
    }
}
