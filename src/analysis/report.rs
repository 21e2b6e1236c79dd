//! The analysis as people and tools read it: a table grouped by mesh pair, JSON, and SARIF 2.1.0
//! (OASIS `sarif-v2.1.0-os`, the format GitHub code scanning takes).

use std::fmt::Write;

use serde_json::{Value, json};

use super::{Analysis, LinkSummary, Located, Severity};

/// Every rule, with what it checks (SARIF's `tool.driver.rules`).
pub const RULES: &[(&str, &str)] = &[
    (
        "peer-missing",
        "Each mesh of a pair has a ServiceMeshPeer for the other",
    ),
    (
        "peer-name",
        "A ServiceMeshPeer is named after the peer's mesh",
    ),
    (
        "remote-address",
        "spec.remote.addresses holds the peer's ingress LoadBalancer address, not a placeholder",
    ),
    (
        "remote-port",
        "spec.remote ports are ports of the peer's ingress gateway",
    ),
    (
        "ingress-gateway",
        "The peer's control plane has an ingress gateway for this mesh",
    ),
    (
        "ingress-address",
        "The peer's ingress gateway has a LoadBalancer address",
    ),
    (
        "client-id",
        "clientID names the peer's egress gateway identity",
    ),
    (
        "trust-domain",
        "trustDomain equals the peer's control plane trust domain",
    ),
    (
        "ca-configmap",
        "The certificateChain ConfigMap exists and holds the peer's current root",
    ),
    ("ca-root", "Each mesh has published its root CA"),
    (
        "gateway-name",
        "The gateways a ServiceMeshPeer names are gateways of its control plane",
    ),
    (
        "gateway-label",
        "Federation gateways carry the ingress-for / egress-for label of their peer",
    ),
    (
        "gateway-port",
        "Federation gateways serve discovery on 8188",
    ),
    (
        "service-set-name",
        "ExportedServiceSets and ImportedServiceSets are named after a peer",
    ),
    (
        "export-no-service",
        "Export rules match at least one Service",
    ),
    ("unknown-field", "Objects hold only fields their schema has"),
    (
        "operator-phase",
        "Operators' ClusterServiceVersions are Succeeded",
    ),
    ("mesh-ready", "Control planes are Ready"),
    ("link-down", "Maistra reports the link connected both ways"),
];

/// Where a finding is: `file:line:col`, or `cluster/object`.
fn place(f: &Located) -> String {
    match &f.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => format!("cluster {}, {}", f.finding.cluster, f.finding.object),
    }
}

fn link_line(link: &LinkSummary, live: bool) -> String {
    let names = format!(
        "{} ({}) ↔ {} ({})",
        link.meshes[0], link.clusters[0], link.meshes[1], link.clusters[1]
    );
    if live {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let exported = link.exported[0] + link.exported[1];
        let imported = link.imported[0] + link.imported[1];
        format!(
            "{names}: healthy, connected both ways; {exported} service{} exported, {imported} imported",
            plural(exported)
        )
    } else {
        format!("{names}: no problem found")
    }
}

/// The table: each link (healthy in one line, else its findings), then the other groups.
pub fn text(analysis: &Analysis, live: bool) -> String {
    let mut out = String::new();
    let finding = |out: &mut String, f: &Located| {
        let _ = writeln!(
            out,
            "  {:<7} {}: {} [{}]\n          {}\n          fix: {}",
            f.finding.severity.as_str(),
            place(f),
            f.finding.field,
            f.finding.rule,
            f.finding.problem,
            f.finding.fix
        );
    };
    for link in &analysis.links {
        let found: Vec<&Located> = analysis.of_group(&link.group).collect();
        if found.is_empty() {
            let _ = writeln!(out, "{}", link_line(link, live));
        } else {
            let _ = writeln!(out, "{}:", link.group);
            for f in found {
                finding(&mut out, f);
            }
        }
    }
    let mut others: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.group.as_str())
        .filter(|g| !analysis.links.iter().any(|l| l.group == *g))
        .collect();
    others.sort();
    others.dedup();
    for group in others {
        let _ = writeln!(out, "{group}:");
        for f in analysis.of_group(group) {
            finding(&mut out, f);
        }
    }
    if analysis.links.is_empty() && analysis.findings.is_empty() {
        let _ = writeln!(out, "no federation link found (no ServiceMeshPeer)");
    }
    let count = |s: Severity| {
        analysis
            .findings
            .iter()
            .filter(|f| f.finding.severity == s)
            .count()
    };
    if !analysis.findings.is_empty() {
        let _ = writeln!(
            out,
            "{} error(s), {} warning(s), {} info",
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        );
    }
    out
}

fn finding_json(f: &Located) -> Value {
    json!({
        "rule": f.finding.rule,
        "severity": f.finding.severity,
        "group": f.group,
        "cluster": f.finding.cluster,
        "object": f.finding.object,
        "field": f.finding.field,
        "location": f.location,
        "problem": f.finding.problem,
        "fix": f.finding.fix,
    })
}

/// `--output json`: the links and the findings.
pub fn json(analysis: &Analysis) -> Value {
    json!({
        "links": analysis.links.iter().map(|l| {
            let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
            v["healthy"] = json!(analysis.of_group(&l.group).next().is_none() && l.connected != Some(false));
            v
        }).collect::<Vec<_>>(),
        "findings": analysis.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "errors": analysis.has_errors(),
    })
}

/// `--output sarif`: one run whose results point at the files' lines (live findings carry the
/// object as a logical location instead).
pub fn sarif(analysis: &Analysis) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, text)| json!({"id": id, "shortDescription": {"text": text}}))
        .collect();
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|f| {
            let level = match f.finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let location = match &f.location {
                Some(l) => json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": l.file.replace('\\', "/")},
                        "region": {"startLine": l.line, "startColumn": l.column}
                    }
                }),
                None => json!({
                    "logicalLocations": [{
                        "fullyQualifiedName": format!("{}/{}", f.finding.cluster, f.finding.object),
                        "kind": "object"
                    }]
                }),
            };
            let mut result = json!({
                "ruleId": f.finding.rule,
                "level": level,
                "message": {"text": format!("{}: {} Fix: {}", f.finding.field, f.finding.problem, f.finding.fix)},
                "locations": [location],
            });
            if let Some(i) = RULES.iter().position(|(id, _)| *id == f.finding.rule) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fedrun",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    })
}
