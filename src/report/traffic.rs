//! What traffic did, as data and as text: the report of a load run and the request graph of a
//! mesh, built from `istio_requests_total` samples. Rendering only: the samples are read by the
//! kube layer (`kube::prometheus`), the requests sent by `loadgen`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::kube::prometheus::Sample;

/// Latency figures in milliseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Requests to the target service that reached one destination (workload, cluster, mesh) with
/// one response code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Destination {
    pub service: String,
    pub workload: String,
    pub namespace: String,
    pub cluster: String,
    pub mesh: String,
    pub code: String,
    pub requests: u64,
    /// Percent of all the target service's requests in the window.
    pub share: f64,
}

/// Requests and share per destination cluster.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Share {
    pub requests: u64,
    pub share: f64,
    /// Requests by response code.
    pub codes: BTreeMap<String, u64>,
}

/// The report `traffic::load` returns (as a map) and prints.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LoadReport {
    pub url: String,
    pub count: u64,
    pub duration_s: f64,
    /// Achieved requests per second.
    pub rate: f64,
    pub codes: BTreeMap<String, u64>,
    pub errors: BTreeMap<String, u64>,
    pub latency_ms: Latency,
    #[serde(default)]
    pub sample: String,
    /// The service whose destinations are reported (all services when absent).
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub by_destination: Option<Vec<Destination>>,
    #[serde(default)]
    pub by_cluster: Option<BTreeMap<String, Share>>,
    /// Where the destinations come from, or why they are missing.
    #[serde(default)]
    pub telemetry: String,
}

fn label<'a>(s: &'a Sample, k: &str) -> &'a str {
    s.labels
        .get(k)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or("unknown")
}

fn percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / total as f64).round() / 10.0
    }
}

/// Destinations from samples grouped by destination service, workload, namespace, cluster, mesh
/// and response code; largest first.
pub fn destinations(samples: &[Sample]) -> (Vec<Destination>, BTreeMap<String, Share>) {
    let total: u64 = samples.iter().map(|s| s.value.round() as u64).sum();
    let mut out: Vec<Destination> = samples
        .iter()
        .filter(|s| s.value.round() as u64 > 0)
        .map(|s| {
            let requests = s.value.round() as u64;
            Destination {
                service: label(s, "destination_service_name").to_string(),
                workload: label(s, "destination_workload").to_string(),
                namespace: label(s, "destination_workload_namespace").to_string(),
                cluster: label(s, "destination_cluster").to_string(),
                mesh: label(s, "destination_mesh").to_string(),
                code: label(s, "response_code").to_string(),
                requests,
                share: percent(requests, total),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then(a.workload.cmp(&b.workload))
    });
    let mut clusters: BTreeMap<String, Share> = BTreeMap::new();
    for d in &out {
        let c = clusters.entry(d.cluster.clone()).or_insert(Share {
            requests: 0,
            share: 0.0,
            codes: BTreeMap::new(),
        });
        c.requests += d.requests;
        *c.codes.entry(d.code.clone()).or_default() += d.requests;
    }
    for c in clusters.values_mut() {
        c.share = percent(c.requests, total);
    }
    (out, clusters)
}

fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    out
}

impl LoadReport {
    /// The report as a few lines and a table of destinations.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "load {}: {} requests in {:.2}s ({:.0}/s)",
            self.url, self.count, self.duration_s, self.rate
        );
        let codes: Vec<String> = self
            .codes
            .iter()
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        let _ = writeln!(
            out,
            "  codes: {}",
            if codes.is_empty() {
                "none".into()
            } else {
                codes.join(", ")
            }
        );
        if !self.errors.is_empty() {
            let errors: Vec<String> = self
                .errors
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect();
            let _ = writeln!(out, "  errors: {}", errors.join(", "));
        }
        let l = &self.latency_ms;
        let _ = writeln!(
            out,
            "  latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
            l.p50, l.p90, l.p99, l.max
        );
        match &self.by_destination {
            Some(rows) if !rows.is_empty() => {
                let what = self.service.as_deref().unwrap_or("every service");
                let _ = writeln!(out, "  {what} by destination ({}):", self.telemetry);
                let mut cells = vec![vec![
                    "SERVICE".into(),
                    "WORKLOAD".into(),
                    "CLUSTER".into(),
                    "MESH".into(),
                    "CODE".into(),
                    "REQUESTS".into(),
                    "SHARE".into(),
                ]];
                cells.extend(rows.iter().map(|d| {
                    vec![
                        d.service.clone(),
                        d.workload.clone(),
                        d.cluster.clone(),
                        d.mesh.clone(),
                        d.code.clone(),
                        d.requests.to_string(),
                        format!("{:.1}%", d.share),
                    ]
                }));
                out.push_str(&table(&cells));
            }
            Some(_) => {
                let _ = writeln!(
                    out,
                    "  no requests recorded in the window ({})",
                    self.telemetry
                );
            }
            None => {
                let _ = writeln!(out, "  destinations unknown: {}", self.telemetry);
            }
        }
        out.trim_end().to_string()
    }
}

/// A workload with its place.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    pub id: String,
    pub workload: String,
    pub namespace: String,
    pub cluster: String,
    pub mesh: String,
}

/// Requests from one workload to another in the window.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub requests: u64,
    /// Requests answered 5xx.
    pub errors: u64,
    /// `errors / requests`, in percent.
    pub error_rate: f64,
}

/// The request graph of a mesh (what Kiali draws).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Graph {
    pub mesh: String,
    pub cluster: String,
    pub window: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Builds the graph from samples grouped by source and destination workload (with namespace,
    /// cluster and mesh) and response code.
    pub fn from_samples(mesh: &str, cluster: &str, window: &str, samples: &[Sample]) -> Graph {
        let node = |s: &Sample, side: &str| {
            let get = |k: &str| label(s, &format!("{side}_{k}")).to_string();
            let workload = get("workload");
            let namespace = get("workload_namespace");
            let cluster = get("cluster");
            let mesh = get("mesh");
            Node {
                id: format!("{workload}.{namespace}@{cluster}"),
                workload,
                namespace,
                cluster,
                mesh,
            }
        };
        let mut nodes = BTreeSet::new();
        let mut edges: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for s in samples {
            let n = s.value.round() as u64;
            if n == 0 {
                continue;
            }
            let (a, b) = (node(s, "source"), node(s, "destination"));
            let e = edges.entry((a.id.clone(), b.id.clone())).or_default();
            e.0 += n;
            if label(s, "response_code").starts_with('5') {
                e.1 += n;
            }
            nodes.insert(a);
            nodes.insert(b);
        }
        Graph {
            mesh: mesh.to_string(),
            cluster: cluster.to_string(),
            window: window.to_string(),
            nodes: nodes.into_iter().collect(),
            edges: edges
                .into_iter()
                .map(|((from, to), (requests, errors))| Edge {
                    from,
                    to,
                    requests,
                    errors,
                    error_rate: percent(errors, requests),
                })
                .collect(),
        }
    }

    fn describe(&self, id: &str) -> String {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| format!("{} ({}/{})", n.workload, n.cluster, n.mesh))
            .unwrap_or_else(|| id.to_string())
    }

    /// The edges as a table.
    pub fn render(&self) -> String {
        let mut out = format!(
            "request graph of {} ({}), last {}: {} workloads, {} edges\n",
            self.mesh,
            self.cluster,
            self.window,
            self.nodes.len(),
            self.edges.len()
        );
        if self.edges.is_empty() {
            out.push_str("  no requests recorded in the window\n");
            return out.trim_end().to_string();
        }
        let mut rows = vec![vec![
            "FROM".to_string(),
            "TO".into(),
            "REQUESTS".into(),
            "5XX".into(),
        ]];
        for e in &self.edges {
            rows.push(vec![
                self.describe(&e.from),
                self.describe(&e.to),
                e.requests.to_string(),
                format!("{:.1}%", e.error_rate),
            ]);
        }
        out.push_str(&table(&rows));
        out.trim_end().to_string()
    }

    /// Graphviz DOT: one cluster box per mesh, edges labelled with requests and error rate (red
    /// when some failed). `boxes: false` leaves out the mesh boxes (for layouts without them).
    pub fn to_dot(&self, boxes: bool) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = String::from("digraph mesh {\n  rankdir=LR;\n  node [shape=box];\n");
        let mut meshes: BTreeMap<(String, String), Vec<&Node>> = BTreeMap::new();
        for n in &self.nodes {
            meshes
                .entry((n.cluster.clone(), n.mesh.clone()))
                .or_default()
                .push(n);
        }
        for (i, ((cluster, mesh), nodes)) in meshes.iter().enumerate() {
            let indent = if boxes { "    " } else { "  " };
            if boxes {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{i} {{\n    label={};",
                    quote(&format!("{cluster}/{mesh}"))
                );
            }
            for n in nodes {
                let text = if boxes {
                    format!("{}\\n{}", n.workload, n.namespace)
                } else {
                    format!("{}\\n{}/{}", n.workload, n.cluster, n.mesh)
                };
                let _ = writeln!(
                    out,
                    "{indent}{} [label=\"{}\"];",
                    quote(&n.id),
                    text.replace('"', "'")
                );
            }
            if boxes {
                out.push_str("  }\n");
            }
        }
        for e in &self.edges {
            let colour = if e.errors > 0 { "red" } else { "black" };
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{} req, {:.1}% 5xx\", color={colour}];",
                quote(&e.from),
                quote(&e.to),
                e.requests,
                e.error_rate
            );
        }
        out.push_str("}\n");
        out
    }

    /// SVG laid out by layout-rs (pure Rust, no Graphviz binary), from the DOT without mesh
    /// boxes, which it does not draw. A layout failure is an error, never a crash.
    pub fn to_svg(&self) -> Result<String, String> {
        let dot = self.to_dot(false);
        std::panic::catch_unwind(move || {
            let mut parser = layout::gv::DotParser::new(&dot);
            let graph = parser.process()?;
            let mut builder = layout::gv::GraphBuilder::new();
            builder.visit_graph(&graph);
            let mut visual = builder.get();
            let mut svg = layout::backends::svg::SVGWriter::new();
            visual.do_it(false, false, false, &mut svg);
            Ok(svg.finalize())
        })
        .unwrap_or_else(|_| {
            Err("the SVG layout failed on this graph (the DOT file is still written)".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    #[test]
    fn destinations_add_up_by_cluster() {
        let s = [
            sample(
                &[
                    ("destination_workload", "details-v1"),
                    ("destination_cluster", "rosa"),
                    ("response_code", "200"),
                ],
                60.0,
            ),
            sample(
                &[
                    ("destination_workload", "details-v2"),
                    ("destination_cluster", "aro"),
                    ("response_code", "200"),
                ],
                20.0,
            ),
            sample(
                &[("destination_cluster", "unknown"), ("response_code", "503")],
                20.0,
            ),
        ];
        let (rows, clusters) = destinations(&s);
        assert_eq!(rows[0].workload, "details-v1");
        assert_eq!(rows[0].share, 60.0);
        assert_eq!(clusters["aro"].share, 20.0);
        assert_eq!(clusters["unknown"].codes["503"], 20);
    }

    #[test]
    fn graphs_render_as_text_dot_and_svg() {
        let s = [
            sample(
                &[
                    ("source_workload", "productpage-v1"),
                    ("source_cluster", "rosa"),
                    ("source_mesh", "prod"),
                    ("destination_workload", "details-v2"),
                    ("destination_cluster", "aro"),
                    ("destination_mesh", "stg"),
                    ("response_code", "200"),
                ],
                8.0,
            ),
            sample(
                &[
                    ("source_workload", "productpage-v1"),
                    ("source_cluster", "rosa"),
                    ("source_mesh", "prod"),
                    ("destination_workload", "details-v2"),
                    ("destination_cluster", "aro"),
                    ("destination_mesh", "stg"),
                    ("response_code", "503"),
                ],
                2.0,
            ),
        ];
        let g = Graph::from_samples("prod", "rosa", "5m", &s);
        assert_eq!(g.nodes.len(), 2);
        assert_eq!(g.edges[0].requests, 10);
        assert_eq!(g.edges[0].error_rate, 20.0);
        assert!(g.render().contains("details-v2 (aro/stg)"));
        let dot = g.to_dot(true);
        assert!(
            dot.contains("subgraph cluster_0") && dot.contains("color=red"),
            "{dot}"
        );
        let svg = g.to_svg().unwrap();
        assert!(svg.contains("<svg"), "{svg}");
    }
}
