//! The traffic primitives: weighted splits and mirrors across local subsets and imported services,
//! load sent through a mesh's ingress Route, and what the traffic did (report, request graph).
//!
//! Istio accepts a VirtualService whose weights do not add up, or which names a subset no
//! DestinationRule defines, and then drops traffic at runtime. fedrun refuses both before anything
//! is applied, and checks that an imported host is really imported into the mesh.
//!
//! `load` sends requests with [`crate::loadgen`] (the Route is the application's front door, not
//! the API server's) and reads where they went from the mesh's Prometheus through the kube layer
//! ([`crate::kube::prometheus`]); `graph` reads the same metrics. Rendering is in
//! [`crate::report::traffic`].

use rhai::{Array, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};
use serde_json::{Value, json};

use super::Env;
use super::cluster::Cluster;
use super::mesh::Mesh;
use crate::kube::{ClusterClient, KubeError, prometheus};
use crate::loadgen::{self, LoadPlan, Resolver};
use crate::report::traffic::{Graph, Latency, LoadReport, destinations};
use crate::script::{PrimitiveError, located, to_dynamic};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

const MEMBER_OF: &str = "maistra.io/member-of";

/// One destination of a split, validated.
#[derive(Debug, PartialEq)]
enum Destination {
    Subset(String),
    Host(String),
}

fn local_host(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

fn refuse(cluster: &Cluster, message: String) -> Box<EvalAltResult> {
    PrimitiveError::new(message)
        .with_cluster(cluster.name())
        .into()
}

/// Reads `#{ subset, weight }`, `#{ host, weight }` or `#{ peer, service, weight }` (the imported
/// service `<service>.<namespace>.svc.<peer>-imports.local`).
fn parse_route(
    route: &rhai::Dynamic,
    namespace: &str,
) -> std::result::Result<(Destination, i64), String> {
    let map = route
        .clone()
        .try_cast::<Map>()
        .ok_or("each route must be a map such as #{ subset: \"v1\", weight: 80 }")?;
    let text = |k: &str| map.get(k).and_then(|v| v.clone().into_string().ok());
    let weight = match map.get("weight") {
        Some(w) if w.is_int() => w.as_int().unwrap_or(0),
        Some(w) => return Err(format!("weight {w} must be an integer percentage")),
        None => return Err("every route needs a `weight`".into()),
    };
    if !(0..=100).contains(&weight) {
        return Err(format!("weight {weight} is not between 0 and 100"));
    }
    if let Some(k) = map
        .keys()
        .find(|k| !["subset", "host", "peer", "service", "weight"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown route key `{k}` (known: subset, host, peer + service, weight)"
        ));
    }
    let destination = match (text("subset"), text("host"), text("peer"), text("service")) {
        (Some(s), None, None, None) => Destination::Subset(s),
        (None, Some(h), None, None) => Destination::Host(h),
        (None, None, Some(p), Some(s)) => {
            Destination::Host(format!("{s}.{namespace}.svc.{p}-imports.local"))
        }
        _ => {
            return Err(
                "a route names exactly one of `subset`, `host`, or `peer` with `service`".into(),
            );
        }
    };
    Ok((destination, weight))
}

/// Subsets the DestinationRules of `service` define.
async fn subsets(
    client: &ClusterClient,
    namespace: &str,
    service: &str,
) -> std::result::Result<Vec<String>, KubeError> {
    let rules = client
        .list("destinationrule", Some(namespace), None, None)
        .await?;
    let host = local_host(service, namespace);
    Ok(rules
        .iter()
        .filter(|dr| {
            dr.pointer("/spec/host")
                .and_then(Value::as_str)
                .is_some_and(|h| h == service || h == host || h == format!("{service}.{namespace}"))
        })
        .flat_map(|dr| {
            dr.pointer("/spec/subsets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string))
        .collect())
}

/// Hostnames imported into the mesh whose control plane is in `mesh_namespace`, else into the
/// mesh `namespace` is a member of.
async fn imported_hosts(
    client: &ClusterClient,
    mesh_namespace: Option<&str>,
    namespace: &str,
) -> std::result::Result<Vec<String>, KubeError> {
    let mesh_namespace = match mesh_namespace {
        Some(ns) => ns.to_string(),
        None => {
            let ns = client.get("namespace", None, namespace).await?;
            let label = format!("/metadata/labels/{}", MEMBER_OF.replace('/', "~1"));
            match ns.pointer(&label).and_then(Value::as_str) {
                Some(mesh) => mesh.to_string(),
                None => return Ok(Vec::new()),
            }
        }
    };
    let sets = client
        .list("importedserviceset", Some(&mesh_namespace), None, None)
        .await?;
    Ok(sets
        .iter()
        .flat_map(|s| {
            s.pointer("/status/importedServices")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|s| {
            s.pointer("/localService/hostname")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect())
}

/// Where a split or mirror applies: the cluster, and the mesh when the playbook named it.
struct RouteTarget {
    cluster: Cluster,
    mesh_namespace: Option<String>,
}

impl RouteTarget {
    fn of(target: &rhai::Dynamic, what: &str) -> Result<RouteTarget> {
        if let Some(mesh) = target.clone().try_cast::<Mesh>() {
            return Ok(RouteTarget {
                cluster: mesh.cluster,
                mesh_namespace: Some(mesh.namespace),
            });
        }
        match target.clone().try_cast::<Cluster>() {
            Some(cluster) => Ok(RouteTarget {
                cluster,
                mesh_namespace: None,
            }),
            None => Err(PrimitiveError::new(format!(
                "{what} expects a Mesh or a Cluster, not {}",
                target.type_name()
            ))
            .into()),
        }
    }
}

impl Env {
    /// Checks routes against the weights rule, the DestinationRules and the mesh's imports.
    fn destinations(
        &self,
        target: &RouteTarget,
        namespace: &str,
        service: &str,
        routes: &Array,
    ) -> Result<Vec<(Destination, i64)>> {
        let cluster = &target.cluster;
        if routes.is_empty() {
            return Err(refuse(
                cluster,
                format!("traffic::split of {service}: no routes given"),
            ));
        }
        let parsed: Vec<(Destination, i64)> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                parse_route(r, namespace).map_err(|e| {
                    refuse(
                        cluster,
                        format!("traffic::split of {service}, route {}: {e}", i + 1),
                    )
                })
            })
            .collect::<Result<_>>()?;
        let total: i64 = parsed.iter().map(|(_, w)| w).sum();
        if total != 100 {
            let weights: Vec<String> = parsed.iter().map(|(_, w)| w.to_string()).collect();
            return Err(refuse(
                cluster,
                format!(
                    "traffic::split of {service}: weights {} add up to {total}, not 100",
                    weights.join(" + ")
                ),
            ));
        }
        let local: Vec<&String> = parsed
            .iter()
            .filter_map(|(d, _)| match d {
                Destination::Subset(s) => Some(s),
                Destination::Host(_) => None,
            })
            .collect();
        let foreign: Vec<&String> = parsed
            .iter()
            .filter_map(|(d, _)| match d {
                Destination::Host(h) if h.ends_with("-imports.local") => Some(h),
                _ => None,
            })
            .collect();
        // What the checks need, read at once.
        let client = &cluster.client;
        let (known, imported) = self.call(
            cluster,
            futures::future::try_join(
                async {
                    if local.is_empty() {
                        return Ok(Vec::new());
                    }
                    subsets(client, namespace, service).await
                },
                async {
                    if foreign.is_empty() {
                        return Ok(Vec::new());
                    }
                    imported_hosts(client, target.mesh_namespace.as_deref(), namespace).await
                },
            ),
        )?;
        if let Some(s) = local.iter().find(|s| !known.contains(s)) {
            let hint = if known.is_empty() {
                "no DestinationRule defines subsets for it".to_string()
            } else {
                format!("defined: {}", known.join(", "))
            };
            return Err(refuse(
                cluster,
                format!("traffic::split of {service}: unknown subset {s:?} ({hint})"),
            ));
        }
        if let Some(h) = foreign.iter().find(|h| !imported.contains(h)) {
            // Imports show in a status the federation writes once connected: a plan notes it.
            if client.plan().is_some() {
                client.record_note(
                    crate::plan::Action::Unknown,
                    format!("whether {h} is imported (the ImportedServiceSet's status)"),
                );
                return Ok(parsed);
            }
            let hint = if imported.is_empty() {
                "the mesh imports nothing yet".to_string()
            } else {
                format!("imported: {}", imported.join(", "))
            };
            return Err(refuse(
                cluster,
                format!("traffic::split of {service}: {h} is not imported into this mesh ({hint})"),
            ));
        }
        Ok(parsed)
    }

    fn split(
        &self,
        target: &RouteTarget,
        namespace: &str,
        service: &str,
        routes: &Array,
    ) -> Result<Map> {
        let host = local_host(service, namespace);
        let route: Vec<Value> = self
            .destinations(target, namespace, service, routes)?
            .into_iter()
            .map(|(d, weight)| match d {
                Destination::Subset(s) => {
                    json!({"destination": {"host": host, "subset": s}, "weight": weight})
                }
                Destination::Host(h) => json!({"destination": {"host": h}, "weight": weight}),
            })
            .collect();
        let vs = json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": service, "namespace": namespace},
            "spec": {"hosts": [host], "http": [{"route": route}]},
        });
        let applied = self.apply_objects(&target.cluster, vec![vs], None)?;
        Ok(applied
            .first()
            .map(|o| crate::script::to_dynamic(o).cast())
            .unwrap_or_default())
    }

    fn mirror(
        &self,
        target: &RouteTarget,
        namespace: &str,
        service: &str,
        to: &str,
        percent: i64,
    ) -> Result<Map> {
        let cluster = &target.cluster;
        if !(0..=100).contains(&percent) {
            return Err(refuse(
                cluster,
                format!("traffic::mirror of {service}: percent {percent} is not between 0 and 100"),
            ));
        }
        let host = local_host(service, namespace);
        let client = &cluster.client;
        let mesh_namespace = target.mesh_namespace.as_deref();
        if to.ends_with("-imports.local")
            && !self
                .call(cluster, imported_hosts(client, mesh_namespace, namespace))?
                .iter()
                .any(|h| h == to)
        {
            return Err(refuse(
                cluster,
                format!("traffic::mirror of {service}: {to} is not imported into this mesh"),
            ));
        }
        let vs = json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": service, "namespace": namespace},
            "spec": {"hosts": [host], "http": [{
                "route": [{"destination": {"host": host}, "weight": 100}],
                "mirror": {"host": to},
                "mirrorPercentage": {"value": percent as f64},
            }]},
        });
        let applied = self.apply_objects(cluster, vec![vs], None)?;
        Ok(applied
            .first()
            .map(|o| crate::script::to_dynamic(o).cast())
            .unwrap_or_default())
    }
}

/// `details` in `ns`, `details.ns`, a FQDN → the FQDN (as Istio reads VirtualService hosts).
fn qualify(host: &str, namespace: &str) -> String {
    match host.matches('.').count() {
        0 => local_host(host, namespace),
        1 => format!("{host}.svc.cluster.local"),
        _ => host.to_string(),
    }
}

const LOAD_KEYS: &[&str] = &[
    "url",
    "path",
    "requests",
    "concurrency",
    "rate",
    "duration",
    "timeout",
    "service",
];

/// Default request count when neither `requests` nor `duration` is given.
const DEFAULT_REQUESTS: u64 = 100;
const DEFAULT_CONCURRENCY: usize = 8;

impl Env {
    /// The mesh a traffic primitive targets: a Mesh, or a Cluster with exactly one control plane.
    fn target_mesh(&self, target: &rhai::Dynamic, what: &str) -> Result<Mesh> {
        if let Some(mesh) = target.clone().try_cast::<Mesh>() {
            return Ok(mesh);
        }
        let Some(cluster) = target.clone().try_cast::<Cluster>() else {
            return Err(PrimitiveError::new(format!(
                "{what} expects a Mesh or a Cluster, not {}",
                target.type_name()
            ))
            .into());
        };
        let smcps = self.call(&cluster, cluster.client.list("smcp", None, None, None))?;
        match smcps.as_slice() {
            [one] => Ok(Mesh {
                name: one
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                namespace: one
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                cluster,
                spec: None,
                members: None,
            }),
            [] => Err(refuse(
                &cluster,
                format!("{what}: no Service Mesh control plane on this cluster"),
            )),
            many => Err(refuse(
                &cluster,
                format!(
                    "{what}: the cluster has {} control planes ({}); pass the mesh instead",
                    many.len(),
                    many.iter()
                        .filter_map(|m| m.pointer("/metadata/namespace").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Reads and checks `traffic::load`'s options.
    fn load_plan(&self, mesh: &Mesh, opts: &Map) -> Result<(LoadPlan, Option<String>)> {
        let fail = |m: String| refuse(&mesh.cluster, format!("traffic::load: {m}"));
        if let Some(k) = opts.keys().find(|k| !LOAD_KEYS.contains(&k.as_str())) {
            return Err(fail(format!(
                "unknown option `{k}` (known: {})",
                LOAD_KEYS.join(", ")
            )));
        }
        let text = |k: &str| -> Result<Option<String>> {
            match opts.get(k) {
                None => Ok(None),
                Some(v) => v
                    .clone()
                    .into_string()
                    .map(Some)
                    .map_err(|_| fail(format!("`{k}` must be a string"))),
            }
        };
        let int = |k: &str, min: i64, max: i64| -> Result<Option<i64>> {
            match opts.get(k) {
                None => Ok(None),
                Some(v) => match v.as_int() {
                    Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(fail(format!(
                        "`{k}` must be an integer from {min} to {max}, not {v}"
                    ))),
                },
            }
        };
        let seconds = |k: &str| -> Result<Option<std::time::Duration>> {
            match opts.get(k) {
                None => Ok(None),
                Some(v) if v.is_int() => Ok(Some(std::time::Duration::from_secs(
                    v.as_int().unwrap_or(0).max(0) as u64,
                ))),
                Some(v) => {
                    let t = v
                        .clone()
                        .into_string()
                        .map_err(|_| fail(format!("`{k}` must be a duration such as \"30s\"")))?;
                    crate::duration::parse(&t)
                        .map(Some)
                        .map_err(|e| fail(format!("`{k}`: {e}")))
                }
            }
        };
        let requests = int("requests", 1, 100_000_000)?.map(|n| n as u64);
        let duration = seconds("duration")?;
        let concurrency =
            int("concurrency", 1, 10_000)?.map_or(DEFAULT_CONCURRENCY, |n| n as usize);
        let rate = match opts.get("rate") {
            None => None,
            Some(v) => {
                let r = v.as_float().ok().or(v.as_int().ok().map(|i| i as f64));
                match r {
                    Some(r) if r > 0.0 && r.is_finite() => Some(r),
                    _ => {
                        return Err(fail(format!(
                            "`rate` must be a positive number of requests per second, not {v}"
                        )));
                    }
                }
            }
        };
        let timeout = seconds("timeout")?.unwrap_or(std::time::Duration::from_secs(10));
        let path = text("path")?.unwrap_or_else(|| "/productpage".into());
        if !path.starts_with('/') {
            return Err(fail(format!("`path` must start with /, not {path:?}")));
        }
        let url = match text("url")? {
            Some(u) => u,
            None => {
                let route = self.call(
                    &mesh.cluster,
                    mesh.cluster.client.try_get(
                        "route",
                        Some(&mesh.namespace),
                        "istio-ingressgateway",
                    ),
                )?;
                let host = route
                    .as_ref()
                    .and_then(|r| r.pointer("/spec/host").and_then(Value::as_str))
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| {
                        fail(format!(
                            "mesh {} has no istio-ingressgateway Route with a host in {} (pass `url` instead)",
                            mesh.name, mesh.namespace
                        ))
                    })?;
                format!("http://{host}{path}")
            }
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e| fail(format!("invalid url {url:?}: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(fail(format!(
                "url {url:?} must be http:// or https:// with a host"
            )));
        }
        let requests = match (requests, duration) {
            (None, None) => Some(DEFAULT_REQUESTS),
            (r, _) => r,
        };
        Ok((
            LoadPlan {
                url: uri,
                requests,
                concurrency,
                rate,
                duration,
                timeout,
            },
            text("service")?,
        ))
    }

    /// The hosts requests to `service` may end at: its own, and every destination and mirror of
    /// the mesh VirtualServices for it (Istio labels a request with the host it was routed to).
    fn service_hosts(&self, mesh: &Mesh, service: &str) -> Result<Vec<String>> {
        let vss = self.call(
            &mesh.cluster,
            mesh.cluster.client.list("virtualservice", None, None, None),
        )?;
        let mut hosts = Vec::new();
        for vs in &vss {
            let ns = vs
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            let own: Vec<String> = vs
                .pointer("/spec/hosts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|h| h.split('.').next() == Some(service))
                .map(|h| qualify(h, ns))
                .collect();
            if own.is_empty() {
                continue;
            }
            hosts.extend(own);
            for rule in vs
                .pointer("/spec/http")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let targets = rule
                    .get("route")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.pointer("/destination/host"))
                    .chain(rule.pointer("/mirror/host"));
                hosts.extend(targets.filter_map(Value::as_str).map(|h| qualify(h, ns)));
            }
        }
        hosts.sort();
        hosts.dedup();
        Ok(hosts)
    }

    fn load(&self, target: &rhai::Dynamic, opts: &Map) -> Result<Map> {
        let mesh = self.target_mesh(target, "traffic::load")?;
        // A plan sends no traffic: the mesh it would go through may not exist yet.
        if mesh.cluster.client.plan().is_some() {
            mesh.cluster.client.record_note(
                crate::plan::Action::Skipped,
                format!("traffic::load through mesh {}", mesh.name),
            );
            let value = serde_json::to_value(LoadReport::default()).unwrap_or(Value::Null);
            return Ok(to_dynamic(&value).try_cast::<Map>().unwrap_or_default());
        }
        let (plan, service) = self.load_plan(&mesh, opts)?;
        let backend = self.backend()?;
        let resolver = Resolver::for_kubeconfig(backend.clusters.kubeconfig_path())
            .map_err(|e| refuse(&mesh.cluster, format!("traffic::load: {e}")))?;
        let hosts = match &service {
            Some(s) => Some(self.service_hosts(&mesh, s)?),
            None => None,
        };
        let label = format!(
            "load {} ({}{} concurrent)",
            plan.url,
            plan.requests
                .map(|n| format!("{n} requests, "))
                .unwrap_or_default(),
            plan.concurrency
        );
        let progress = self.ctx.reporter.progress(&label, plan.requests);
        let bar = progress.clone();
        let url = plan.url.to_string();
        let outcome = self
            .block_on(loadgen::run(
                plan,
                resolver,
                move || bar.inc(1),
                self.ctx.interrupt.clone(),
            ))?
            .map_err(|e| refuse(&mesh.cluster, format!("traffic::load: {e}")));
        progress.finish();
        let outcome = outcome?;
        self.ctx.check_interrupt()?;

        let seconds = outcome.elapsed.as_secs_f64();
        let mut report = LoadReport {
            url,
            count: outcome.count,
            duration_s: (seconds * 1000.0).round() / 1000.0,
            rate: if seconds > 0.0 {
                (outcome.count as f64 / seconds).round()
            } else {
                0.0
            },
            codes: outcome
                .codes
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect(),
            errors: outcome.errors.clone(),
            latency_ms: Latency {
                p50: round2(outcome.quantile(0.5)),
                p90: round2(outcome.quantile(0.9)),
                p99: round2(outcome.quantile(0.99)),
                max: round2(outcome.latencies_ms.last().copied().unwrap_or(0.0)),
            },
            sample: outcome.sample.clone().unwrap_or_default(),
            service: service.clone(),
            ..LoadReport::default()
        };
        // The window of the run, from its first request to now.
        let start = outcome
            .started
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64());
        let end = crate::duration::unix_now().max(start + seconds);
        let window_ms = ((end - start) * 1000.0).ceil() as u64 + 1;
        let matcher = match &hosts {
            Some(h) if !h.is_empty() => format!(
                ",destination_service=~\"{}\"",
                h.iter()
                    .map(|h| regex::escape(h))
                    .collect::<Vec<_>>()
                    .join("|")
                    .replace('\\', "\\\\")
            ),
            Some(_) => format!(
                ",destination_service_name=\"{}\"",
                service.as_deref().unwrap_or("")
            ),
            None => String::new(),
        };
        let query = format!(
            "sum by (destination_service_name, destination_workload, destination_workload_namespace, destination_cluster, destination_mesh, response_code) (increase(istio_requests_total{{reporter=\"source\"{matcher}}}[{window_ms}ms]))"
        );
        match self.block_on(prometheus::query(
            &mesh.cluster.client,
            &mesh.namespace,
            &query,
            Some(end),
        ))? {
            Ok(samples) => {
                let (rows, clusters) = destinations(&samples);
                report.by_destination = Some(rows);
                report.by_cluster = Some(clusters);
                report.telemetry = format!(
                    "istio_requests_total from {}/prometheus over {window_ms}ms",
                    mesh.namespace
                );
            }
            Err(e) => report.telemetry = format!("the mesh's Prometheus is not reachable: {e}"),
        }
        let value = serde_json::to_value(&report).unwrap_or(Value::Null);
        Ok(to_dynamic(&value).try_cast::<Map>().unwrap_or_default())
    }

    fn graph(&self, target: &rhai::Dynamic, window: &str) -> Result<Map> {
        let mesh = self.target_mesh(target, "traffic::graph")?;
        let graph = self
            .block_on(graph_of(
                &mesh.cluster.client,
                &mesh.namespace,
                &mesh.name,
                window,
            ))?
            .map_err(|e| refuse(&mesh.cluster, format!("traffic::graph: {e}")))?;
        let value = serde_json::to_value(&graph).unwrap_or(Value::Null);
        Ok(to_dynamic(&value).try_cast::<Map>().unwrap_or_default())
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The request graph of the mesh in `mesh_ns` over the last `window` (a duration, e.g. 5m),
/// from its Prometheus. Shared by `traffic::graph` and `fedrun graph`.
pub async fn graph_of(
    client: &crate::kube::ClusterClient,
    mesh_ns: &str,
    mesh_name: &str,
    window: &str,
) -> std::result::Result<Graph, String> {
    // The one duration syntax users type everywhere (`1h30m` too), sent to Prometheus in ms.
    let range = crate::duration::parse(window)
        .map_err(|e| format!("window {window:?}: {e}"))?
        .as_millis();
    if range == 0 {
        return Err(format!(
            "window {window:?} is empty: give a duration such as 5m"
        ));
    }
    let query = format!(
        "sum by (source_workload, source_workload_namespace, source_cluster, source_mesh, destination_workload, destination_workload_namespace, destination_cluster, destination_mesh, response_code) (increase(istio_requests_total[{range}ms]))"
    );
    let samples = prometheus::query(client, mesh_ns, &query, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Graph::from_samples(
        mesh_name,
        client.name(),
        window,
        &samples,
    ))
}

/// A report or graph map back to its text: `traffic::summary`, and how the REPL prints either.
/// Recognised by shape (the fields serde needs), so the value stays a plain map that scripts
/// index and `--output json` writes as it is.
pub fn summary(value: &Map) -> std::result::Result<String, String> {
    let dynamic: rhai::Dynamic = value.clone().into();
    if value.contains_key("edges") {
        rhai::serde::from_dynamic::<Graph>(&dynamic)
            .map(|g| g.render())
            .map_err(|e| format!("traffic::summary: not a graph from traffic::graph ({e})"))
    } else {
        rhai::serde::from_dynamic::<LoadReport>(&dynamic)
            .map(|r| r.render())
            .map_err(|e| format!("traffic::summary: not a report from traffic::load ({e})"))
    }
}

pub fn register(engine: &mut Engine) {
    let mut module = Module::new();
    FuncRegistration::new("split")
        .with_comments([
            "/// Splits the traffic to `service` in `namespace` by weight, with a VirtualService for its",
            "/// in-mesh host, on a cluster or in a mesh (a Mesh saves looking up the mesh `namespace` is a",
            "/// member of). Routes: `#{ subset: \"v1\", weight: 60 }` (a local subset, which a",
            "/// DestinationRule must define), `#{ host: \"details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local\", weight: 20 }`",
            "/// or `#{ peer: \"aro-stg-mesh\", service: \"details-v2\", weight: 20 }` (an imported service,",
            "/// which must be imported into the mesh). Weights are integers adding up to 100. Anything",
            "/// wrong is refused before anything is applied. Idempotent.",
        ])
        .with_params_info(["target: Cluster or Mesh", "namespace: &str", "service: &str", "routes: Array", "Map"])
        .set_into_module(&mut module, |call: NativeCallContext, target: rhai::Dynamic, namespace: &str, service: &str, routes: Array| {
            Env::with(&call, |e| e.split(&RouteTarget::of(&target, "traffic::split")?, namespace, service, &routes))
        });
    FuncRegistration::new("mirror")
        .with_comments([
            "/// Sends all traffic to `service` in `namespace` (on a cluster or in a mesh) locally and",
            "/// mirrors `percent` % of it to host `to` (e.g. an imported service, which must be imported",
            "/// into the mesh); mirrored responses are discarded.",
        ])
        .with_params_info([
            "target: Cluster or Mesh",
            "namespace: &str",
            "service: &str",
            "to: &str",
            "percent: i64",
            "Map",
        ])
        .set_into_module(
            &mut module,
            |call: NativeCallContext,
             target: rhai::Dynamic,
             namespace: &str,
             service: &str,
             to: &str,
             percent: i64| {
                Env::with(&call, |e| {
                    e.mirror(&RouteTarget::of(&target, "traffic::mirror")?, namespace, service, to, percent)
                })
            },
        );
    FuncRegistration::new("load")
        .with_comments([
            "/// Sends real HTTP requests to the mesh's `istio-ingressgateway` Route (or `opts.url`) and",
            "/// returns a report. `target`: a Mesh, or a Cluster with one control plane. Options:",
            "/// `path` (default \"/productpage\"), `requests` (default 100), `concurrency` (default 8),",
            "/// `rate` (requests per second, all workers together), `duration` (\"30s\": stop then, even",
            "/// before `requests`), `timeout` per request (default \"10s\"), `service` (whose",
            "/// destinations to report, e.g. \"details\"; every service when absent), `url`.",
            "/// The report: `url`, `count`, `duration_s`, `rate`, `codes` (by status), `errors` (by kind:",
            "/// connect, timeout, http, body), `latency_ms` {p50, p90, p99, max}, `sample` (the first",
            "/// body), and where the mesh's Prometheus answers through the API server's service proxy,",
            "/// `by_destination` (requests by service, workload, cluster, mesh and code, with `share`",
            "/// in %) and `by_cluster` for the window of the run; `telemetry` says where they come",
            "/// from or why they are missing. Print it with `print(traffic::summary(report))`.",
            "/// On simulated clusters the Route host resolves to the simulator's data plane.",
        ])
        .with_params_info(["target: Mesh | Cluster", "opts: Map", "Map"])
        .set_into_module(&mut module, |call: NativeCallContext, target: rhai::Dynamic, opts: Map| {
            Env::with(&call, |e| e.load(&target, &opts))
        });
    FuncRegistration::new("load")
        .with_comments([
            "/// `traffic::load(target, #{})`: 100 requests to /productpage, 8 at a time.",
        ])
        .with_params_info(["target: Mesh | Cluster", "Map"])
        .set_into_module(
            &mut module,
            |call: NativeCallContext, target: rhai::Dynamic| {
                Env::with(&call, |e| e.load(&target, &Map::new()))
            },
        );
    FuncRegistration::new("graph")
        .with_comments([
            "/// The request graph of the mesh over the last `window` (a duration: \"60s\", \"5m\", \"1h30m\"),",
            "/// from its Prometheus: `nodes` (id, workload, namespace, cluster, mesh) and `edges` (from,",
            "/// to, requests, errors = 5xx answers, error_rate in %). What Kiali draws, as data;",
            "/// `fedrun graph` prints it and writes DOT and SVG.",
        ])
        .with_params_info(["target: Mesh | Cluster", "window: &str", "Map"])
        .set_into_module(&mut module, |call: NativeCallContext, target: rhai::Dynamic, window: &str| {
            Env::with(&call, |e| e.graph(&target, window))
        });
    FuncRegistration::new("graph")
        .with_comments(["/// `traffic::graph(target, \"5m\")`."])
        .with_params_info(["target: Mesh | Cluster", "Map"])
        .set_into_module(
            &mut module,
            |call: NativeCallContext, target: rhai::Dynamic| {
                Env::with(&call, |e| e.graph(&target, "5m"))
            },
        );
    FuncRegistration::new("summary")
        .with_comments([
            "/// The text of a report from `traffic::load` (a few lines and a table of destinations)",
            "/// or of a graph from `traffic::graph` (a table of edges): `print(traffic::summary(r))`.",
        ])
        .with_params_info(["value: Map", "String"])
        .set_into_module(&mut module, |call: NativeCallContext, value: Map| {
            located(&call, || summary(&value).map_err(|m| PrimitiveError::new(m).into()))
        });
    engine.register_static_module("traffic", module.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(pairs: &[(&str, rhai::Dynamic)]) -> rhai::Dynamic {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).into(), v.clone());
        }
        m.into()
    }

    #[test]
    fn routes_parse_in_three_forms() {
        assert_eq!(
            parse_route(
                &route(&[("subset", "v1".into()), ("weight", 60.into())]),
                "ns"
            ),
            Ok((Destination::Subset("v1".into()), 60))
        );
        assert_eq!(
            parse_route(
                &route(&[
                    ("peer", "aro-stg-mesh".into()),
                    ("service", "details-v2".into()),
                    ("weight", 20.into())
                ]),
                "prod"
            ),
            Ok((
                Destination::Host("details-v2.prod.svc.aro-stg-mesh-imports.local".into()),
                20
            ))
        );
        assert!(
            parse_route(
                &route(&[("subset", "v1".into()), ("weight", 2.5.into())]),
                "ns"
            )
            .unwrap_err()
            .contains("integer")
        );
        assert!(
            parse_route(
                &route(&[
                    ("subset", "v1".into()),
                    ("host", "h".into()),
                    ("weight", 5.into())
                ]),
                "ns"
            )
            .is_err()
        );
        assert!(
            parse_route(&route(&[("subset", "v1".into())]), "ns")
                .unwrap_err()
                .contains("weight")
        );
    }
}
