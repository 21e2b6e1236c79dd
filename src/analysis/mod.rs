//! Federation analysis: one set of rules over the objects of several meshes, read from live
//! clusters (`fedrun doctor`) or from manifest files (`fedrun lint`).
//!
//! The objects are grouped by cluster and mesh (a mesh is a ServiceMeshControlPlane; its
//! namespace holds its ServiceMeshPeers, service sets and CA ConfigMaps). Links between meshes
//! come from the ServiceMeshPeers, named after the mesh they peer with. [`link`] explains why a
//! link is down from both sides' configuration (the same checks `peer::wait_connected` reports
//! when it times out); [`rules`] adds the checks of one object at a time. What is live only
//! (statuses, load balancer addresses, the root CAs the walkthrough creates by command) is
//! checked only on objects read from a cluster. Sits below `prims` except for their constants.

pub mod link;
pub mod report;
mod rules;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::manifest::{field_position, parse_field_path};
use link::{Finding, LinkState, Side};

/// How bad a finding is. An error keeps a link down; a warning may, or will later; info only
/// tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a manifest's object was written: its file, the file's text, and its place among the
/// file's documents.
#[derive(Clone, Debug)]
pub struct Source {
    pub file: String,
    pub text: Arc<str>,
    pub document: usize,
}

/// One object: its cluster (the kubeconfig context's name, or `files` for manifests), its kind
/// (list items of built-in kinds carry none), and where it was written when it came from a file.
#[derive(Clone, Debug)]
pub struct Object {
    pub cluster: String,
    pub kind: String,
    pub value: Value,
    pub source: Option<Source>,
}

impl Object {
    pub fn namespace(&self) -> &str {
        text(&self.value, "/metadata/namespace")
    }

    pub fn name(&self) -> &str {
        text(&self.value, "/metadata/name")
    }
}

/// The objects the rules run over. `live`: read from clusters, so statuses are real.
#[derive(Debug, Default)]
pub struct Inventory {
    pub live: bool,
    pub objects: Vec<Object>,
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl Inventory {
    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    fn in_namespace<'a>(
        &'a self,
        cluster: &'a str,
        namespace: &'a str,
        kind: &'a str,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        self.of_kind(kind)
            .filter(move |o| o.cluster == cluster && o.namespace() == namespace)
    }

    fn meshes(&self) -> Vec<&Object> {
        self.of_kind("ServiceMeshControlPlane").collect()
    }

    /// One mesh's side of its link with `other`, as [`link::diagnose`] reads it.
    fn side(&self, mesh: &Object, other: &str) -> Side {
        let (cluster, ns) = (mesh.cluster.as_str(), mesh.namespace());
        let values = |kind| {
            self.in_namespace(cluster, ns, kind)
                .map(|o| o.value.clone())
                .collect()
        };
        Side {
            cluster: cluster.to_string(),
            mesh: mesh.name().to_string(),
            namespace: ns.to_string(),
            smcp: mesh.value.clone(),
            peer: self
                .in_namespace(cluster, ns, "ServiceMeshPeer")
                .find(|p| p.name() == other)
                .map(|p| p.value.clone()),
            services: values("Service"),
            configmaps: values("ConfigMap"),
            live: self.live,
        }
    }

    /// The object a finding names (`servicemeshpeer ns/name` on its cluster).
    fn find(&self, cluster: &str, object: &str) -> Option<&Object> {
        let (kind, rest) = object.split_once(' ')?;
        let (ns, name) = rest.split_once('/').unwrap_or(("", rest));
        self.objects.iter().find(|o| {
            o.cluster == cluster
                && o.kind.eq_ignore_ascii_case(kind)
                && o.namespace() == ns
                && o.name() == name
        })
    }
}

/// Where a finding's field is written in a file: path, line, column (1-based).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// A finding with the link (or mesh, or cluster) it is about and, for files, where it is written.
#[derive(Clone, Debug)]
pub struct Located {
    pub finding: Finding,
    /// `a-mesh ↔ b-mesh`, or one mesh's name, or `cluster rosa`.
    pub group: String,
    pub location: Option<Location>,
}

/// A link between two meshes and, live, what Maistra's status says of it.
#[derive(Clone, Debug, Serialize)]
pub struct LinkSummary {
    pub group: String,
    pub meshes: [String; 2],
    pub clusters: [String; 2],
    /// Up both ways on both sides (`discoveryStatus`); `None` for files.
    pub connected: Option<bool>,
    /// Services each side exports to the other (ExportedServiceSet `status.exportedServices`).
    pub exported: [usize; 2],
    /// Services each side imports and resolved (ImportedServiceSet `status.importedServices`).
    pub imported: [usize; 2],
}

/// What the rules found.
#[derive(Debug, Default)]
pub struct Analysis {
    pub links: Vec<LinkSummary>,
    pub findings: Vec<Located>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.finding.severity == Severity::Error)
    }

    /// The findings of one group.
    pub fn of_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Located> + 'a {
        self.findings.iter().filter(move |f| f.group == group)
    }
}

/// `a ↔ b`, the same for both orders.
pub fn pair(a: &str, b: &str) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("{x} ↔ {y}")
}

/// Runs every rule over the inventory.
pub fn analyze(inventory: &Inventory) -> Analysis {
    let mut out = Analysis::default();
    let mut found: Vec<(String, Finding)> = Vec::new();
    let meshes = inventory.meshes();
    let mut done = BTreeSet::new();
    for mesh in &meshes {
        for smp in inventory.in_namespace(&mesh.cluster, mesh.namespace(), "ServiceMeshPeer") {
            let other = smp.name();
            let a = inventory.side(mesh, other);
            match meshes.iter().find(|m| m.name() == other) {
                Some(peer_mesh) => {
                    let group = pair(mesh.name(), other);
                    if !done.insert(group.clone()) {
                        continue;
                    }
                    let b = inventory.side(peer_mesh, mesh.name());
                    let findings = link::diagnose(&a, Some(&b), other);
                    let link = summary(inventory, &group, &a, &b);
                    if link.connected == Some(false) && findings.is_empty() {
                        found.push((group.clone(), down(&a, &b)));
                    }
                    found.extend(findings.into_iter().map(|f| (group.clone(), f)));
                    out.links.push(link);
                }
                None => {
                    found.push((mesh.name().to_string(), rules::unknown_peer(inventory, smp)));
                    let group = mesh.name().to_string();
                    found.extend(
                        link::diagnose(&a, None, other)
                            .into_iter()
                            .map(|f| (group.clone(), f)),
                    );
                }
            }
            found.extend(
                rules::federation_gateways(mesh, smp)
                    .into_iter()
                    .map(|f| (group_of(mesh, smp, &meshes), f)),
            );
        }
    }
    found.extend(rules::all(inventory));
    out.findings = found
        .into_iter()
        .map(|(group, finding)| Located {
            location: locate(inventory, &finding),
            group,
            finding,
        })
        .collect();
    out
}

/// The group of a finding about `mesh`'s peer `smp`: the pair when the peer's mesh is known.
fn group_of(mesh: &Object, smp: &Object, meshes: &[&Object]) -> String {
    if meshes.iter().any(|m| m.name() == smp.name()) {
        pair(mesh.name(), smp.name())
    } else {
        mesh.name().to_string()
    }
}

/// What Maistra's status says of a link, and how many services go each way.
fn summary(inventory: &Inventory, group: &str, a: &Side, b: &Side) -> LinkSummary {
    let count = |side: &Side, other: &str, kind: &str, field: &str| {
        inventory
            .in_namespace(&side.cluster, &side.namespace, kind)
            .find(|o| o.name() == other)
            .and_then(|o| o.value.pointer(&format!("/status/{field}")))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter(|e| !text(e, "/localService/hostname").is_empty())
                    .count()
            })
            .unwrap_or(0)
    };
    let connected = inventory.live.then(|| {
        LinkState::of(a.peer.as_ref()).connected() && LinkState::of(b.peer.as_ref()).connected()
    });
    LinkSummary {
        group: group.to_string(),
        meshes: [a.mesh.clone(), b.mesh.clone()],
        clusters: [a.cluster.clone(), b.cluster.clone()],
        connected,
        exported: [
            count(a, &b.mesh, "ExportedServiceSet", "exportedServices"),
            count(b, &a.mesh, "ExportedServiceSet", "exportedServices"),
        ],
        imported: [
            count(a, &b.mesh, "ImportedServiceSet", "importedServices"),
            count(b, &a.mesh, "ImportedServiceSet", "importedServices"),
        ],
    }
}

/// A link Maistra reports down while both sides are configured consistently.
fn down(a: &Side, b: &Side) -> Finding {
    let (side, other) = if LinkState::of(a.peer.as_ref()).connected() {
        (b, a)
    } else {
        (a, b)
    };
    Finding {
        rule: "link-down",
        severity: Severity::Error,
        cluster: side.cluster.clone(),
        object: format!("servicemeshpeer {}/{}", side.namespace, other.mesh),
        field: "status.discoveryStatus".into(),
        problem: format!(
            "the link is down ({}) although both sides are configured consistently",
            LinkState::of(side.peer.as_ref()).describe(&other.mesh)
        ),
        fix: format!(
            "look at the federation gateways' pods (oc -n {} get pods) and the network between the clusters",
            side.namespace
        ),
    }
}

/// Where the finding's field is written, when its object came from a file.
fn locate(inventory: &Inventory, finding: &Finding) -> Option<Location> {
    let object = inventory.find(&finding.cluster, &finding.object)?;
    let source = object.source.as_ref()?;
    let (line, column) = parse_field_path(&finding.field)
        .and_then(|path| field_position(&source.text, source.document, &path))
        .unwrap_or((1, 1));
    Some(Location {
        file: source.file.clone(),
        line,
        column,
    })
}
