//! The Kubernetes-compatible HTTP API of one simulated cluster, as an axum `Router`.
//!
//! The router knows nothing of TLS, tokens or faults (see `sim::serve`), so tests can drive it
//! in-process and the same router serves kubectl and kube-rs over HTTPS. Resource paths are parsed
//! by hand rather than with route patterns because the API's shape depends on the registry at
//! request time: a path exists only while its kind is served.

mod body;
mod discovery;
mod list_options;
mod objects;
mod openapi;
mod paging;
pub mod projects;
mod proxy;
mod scale;
mod table;
mod watch;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::cluster::SimCluster;
use super::controllers::openshift::{MARKETPLACE_NAMESPACE, PACKAGES_GROUP};
use super::resources::ResourceType;
use super::status::ApiError;

/// Largest request body accepted; larger ones get 413 (kube-apiserver's limit is 3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// The API of one cluster.
pub fn router(cluster: Arc<SimCluster>) -> Router {
    Router::new().fallback(dispatch).with_state(cluster)
}

/// What a resource path names.
#[derive(Debug)]
pub(crate) struct Target {
    pub rt: Arc<ResourceType>,
    /// The version in the path: objects are returned in it.
    pub version: String,
    /// `None`: all namespaces (or a cluster-scoped type).
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

pub(crate) type Query = HashMap<String, String>;

async fn dispatch(State(cluster): State<Arc<SimCluster>>, request: Request) -> Response {
    // Reading the counters is not counted, so that a benchmark's before/after difference is exact.
    if request.method() == Method::GET && request.uri().path() == "/metrics" {
        return metrics(&cluster);
    }
    cluster.requests.fetch_add(1, Ordering::Relaxed);
    tracing::trace!(target: "fedrun::sim::requests", cluster = %cluster.name, method = %request.method(), uri = %request.uri(), "request");
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = parts.method.clone();

    let fixed = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["version"]) => Some(discovery::version().into_response()),
        (Method::GET, ["healthz" | "livez" | "readyz"]) => Some("ok".into_response()),
        (Method::GET, ["api"]) => Some(discovery::core_versions(&cluster, &parts.headers)),
        (Method::GET, ["apis"]) => Some(discovery::groups(&cluster, &parts.headers)),
        (Method::GET, ["apis", group]) => Some(discovery::group(&cluster, group)),
        (Method::GET, ["api", "v1"]) => Some(discovery::resources(&cluster, "", "v1")),
        (Method::GET, ["apis", group, version]) => {
            Some(discovery::resources(&cluster, group, version))
        }
        (Method::GET, ["openapi", "v3"]) => Some(openapi::root(&cluster)),
        (Method::GET, ["openapi", "v3", rest @ ..]) => Some(openapi::group_version(&cluster, rest)),
        _ => None,
    };
    if let Some(response) = fixed {
        return response;
    }

    // Projects are a view over namespaces, served by their own handlers as on OpenShift.
    if let ["apis", projects::GROUP, "v1", rest @ ..] = segments.as_slice()
        && !rest.is_empty()
        && cluster.store.find(projects::GROUP, "projects").is_some()
    {
        return match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => projects::serve(&cluster, &method, rest, &parts.headers, &body, &query),
            Err(_) => ApiError::bad_request(format!(
                "the request body is larger than the limit of {MAX_BODY} bytes"
            ))
            .into_response(),
        };
    }

    // The service proxy: only a mesh's Prometheus answers (see `proxy`).
    if let [
        "api",
        "v1",
        "namespaces",
        ns,
        "services",
        spec,
        "proxy",
        rest @ ..,
    ] = segments.as_slice()
    {
        let mut query = query;
        if method == Method::POST
            && let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await
        {
            query.extend(parse_query(&String::from_utf8_lossy(&body)));
        }
        return proxy::serve(&cluster, &method, ns, spec, rest, &query);
    }

    let mut target = match resolve(&cluster, &segments) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    // OLM's package server (operator-lifecycle-manager `pkg/package-server/provider/registry.go`)
    // serves get/list/watch only, and lists the global catalogs' packages in every namespace.
    // Approximated: the items keep the catalog's namespace instead of taking the requested one.
    if target.rt.group == PACKAGES_GROUP {
        if method != Method::GET {
            return ApiError::method_not_allowed(method.as_str()).into_response();
        }
        if target.namespace.is_some() {
            target.namespace = Some(MARKETPLACE_NAMESPACE.to_string());
        }
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError {
                code: 413,
                reason: "RequestEntityTooLarge",
                message: format!("the request body is larger than the limit of {MAX_BODY} bytes"),
                details: None,
            }
            .into_response();
        }
    };
    // `<deployment>/scale` answers and takes an autoscaling/v1 Scale (see `scale`).
    if target.subresource.as_deref() == Some("scale") {
        return scale::serve(&cluster, &method, &target, &parts.headers, &body, &query)
            .unwrap_or_else(IntoResponse::into_response);
    }
    let result = match (method.as_str(), &target.name) {
        // A collection GET is a list or, with `watch=true`, a watch; both read and validate their
        // options as kube-apiserver does (see `list_options`).
        ("GET", None) => match list_options::ListOptions::from_query(&query) {
            Err(invalid) => return invalid.into_response(),
            Ok(options) if options.watch => {
                return watch::serve(&cluster, &target, &query, &options);
            }
            Ok(_) => objects::list(&cluster, &target, &parts.headers, &query),
        },
        ("GET", Some(_)) => objects::get(&cluster, &target, &parts.headers, &query),
        ("POST", None) => objects::create(&cluster, &target, &parts.headers, &body, &query),
        ("PUT", Some(_)) => objects::update(&cluster, &target, &parts.headers, &body, &query),
        ("PATCH", Some(_)) => objects::patch(&cluster, &target, &parts.headers, &body, &query),
        ("DELETE", Some(_)) => objects::delete(&cluster, &target, &query, &body),
        ("DELETE", None) => objects::delete_collection(&cluster, &target, &query, &body),
        (m, _) => Err(ApiError::method_not_allowed(m)),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Maps `/api/v1/...` and `/apis/<group>/<version>/...` onto a served type.
fn resolve(cluster: &SimCluster, segments: &[&str]) -> Result<Target, ApiError> {
    let not_found = || ApiError::no_such_path(&format!("/{}", segments.join("/")));
    let (group, version, rest) = match segments {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(not_found()),
    };
    // `namespaces/<ns>/status` is the namespace's own subresource, not a kind named "status".
    let (namespace, plural, name, sub) = match rest {
        ["namespaces", ns, sub @ ("status" | "finalize")] if group.is_empty() => {
            (None, "namespaces", Some(*ns), Some(*sub))
        }
        ["namespaces", ns, plural, tail @ ..] => (
            Some(*ns),
            *plural,
            tail.first().copied(),
            tail.get(1).copied(),
        ),
        [plural, tail @ ..] => (None, *plural, tail.first().copied(), tail.get(1).copied()),
        [] => return Err(not_found()),
    };
    let tail_len = match rest {
        ["namespaces", _, "status" | "finalize"] if group.is_empty() => 0,
        ["namespaces", _, _, tail @ ..] => tail.len(),
        [_, tail @ ..] => tail.len(),
        [] => 0,
    };
    if tail_len > 2 {
        return Err(not_found());
    }
    let rt = cluster
        .store
        .resource(group, version, plural)
        .ok_or_else(not_found)?;
    if namespace.is_some() && !rt.namespaced {
        return Err(not_found());
    }
    if namespace.is_none() && rt.namespaced && name.is_some() {
        return Err(not_found());
    }
    if let Some(sub) = sub {
        let known = (sub == "status" && rt.status_subresource)
            || (sub == "scale" && rt.scale_subresource())
            || (sub == "finalize" && rt.plural == "namespaces");
        if !known {
            return Err(not_found());
        }
    }
    Ok(Target {
        rt,
        version: version.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: sub.map(str::to_string),
    })
}

/// Query pairs; kube-rs sends empty pairs (`?&force=true`), which are skipped.
/// `GET /metrics`: the cluster's counters in the Prometheus text format (behind the bearer token
/// like every other path). Counters only grow; compare two readings to measure one run.
fn metrics(cluster: &SimCluster) -> Response {
    let name = cluster.name.replace(['\\', '"'], "_");
    let objects: usize = cluster.store.counts().values().sum();
    let mut text = format!(
        "# HELP fedrun_sim_requests_total API requests served by the simulated cluster (GET /metrics excluded).\n\
         # TYPE fedrun_sim_requests_total counter\n\
         fedrun_sim_requests_total{{cluster=\"{name}\"}} {}\n\
         # HELP fedrun_sim_objects Objects stored by the simulated cluster.\n\
         # TYPE fedrun_sim_objects gauge\n\
         fedrun_sim_objects{{cluster=\"{name}\"}} {objects}\n",
        cluster.request_count()
    );
    if let Some((rss, peak)) = process_memory() {
        text.push_str(&format!(
            "# HELP fedrun_sim_process_resident_bytes Resident memory of the simulator process.\n\
             # TYPE fedrun_sim_process_resident_bytes gauge\n\
             fedrun_sim_process_resident_bytes {rss}\n\
             # HELP fedrun_sim_process_peak_resident_bytes Peak resident memory of the simulator process.\n\
             # TYPE fedrun_sim_process_peak_resident_bytes gauge\n\
             fedrun_sim_process_peak_resident_bytes {peak}\n"
        ));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The process's resident and peak resident memory in bytes (Linux `/proc/self/status`).
fn process_memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn parse_query(query: &str) -> Query {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn is_true(query: &Query, key: &str) -> bool {
    matches!(query.get(key).map(String::as_str), Some("true" | "1"))
}

/// A JSON response with the given status code.
pub(crate) fn json_response(code: u16, value: &Value) -> Response {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(value.to_string()))
        .unwrap_or_else(|_| ApiError::internal("failed to build response").into_response())
}

pub(crate) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_skips_empty_pairs() {
        let q = parse_query("&labelSelector=app%3Dx&fieldManager=kubectl+apply&&force=true");
        assert_eq!(q["labelSelector"], "app=x");
        assert_eq!(q["fieldManager"], "kubectl apply");
        assert!(is_true(&q, "force"));
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
