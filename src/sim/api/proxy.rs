//! The API server's service proxy, `/api/v1/namespaces/<ns>/services/<name>[:port]/proxy/<path>`,
//! for the one service the simulator can answer for: a mesh's Prometheus, serving the Prometheus
//! HTTP API subset fedrun uses (`/api/v1/query`) over the mesh's `istio_requests_total`.
//!
//! As kube-apiserver does, a missing Service is a 404 `Status` and a Service without ready
//! endpoints a 503 `Status` ("no endpoints available for service"), so clients see the same
//! failures as on a real cluster when the mesh's Prometheus is not running.

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Query, json_response};
use crate::duration::unix_now;
use crate::sim::cluster::SimCluster;
use crate::sim::controllers::Objects;
use crate::sim::status::ApiError;

/// `name`, `name:port`, `http:name:port` → the Service name.
fn service_name(spec: &str) -> &str {
    let mut parts = spec.split(':');
    let first = parts.next().unwrap_or(spec);
    if matches!(first, "http" | "https") {
        parts.next().unwrap_or(first)
    } else {
        first
    }
}

fn unavailable(message: String) -> Response {
    json_response(
        503,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": "ServiceUnavailable", "code": 503}),
    )
}

/// Serves a proxied request; `rest` is the path after `proxy/`, `query` the URL query merged with
/// a form body (Prometheus accepts both).
pub fn serve(
    cluster: &SimCluster,
    method: &Method,
    namespace: &str,
    spec: &str,
    rest: &[&str],
    query: &Query,
) -> Response {
    let name = service_name(spec);
    let objects = Objects::of(cluster);
    let Some(svc) = objects.get("", "services", namespace, name) else {
        return match cluster.store.find("", "services") {
            Some(rt) => ApiError::not_found(&rt, name).into_response(),
            None => ApiError::no_such_path("services").into_response(),
        };
    };
    let ready = objects
        .get("", "endpoints", namespace, name)
        .and_then(|ep| ep.get("subsets").and_then(Value::as_array).cloned())
        .is_some_and(|subsets| {
            subsets.iter().any(|s| {
                s.get("addresses")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            })
        });
    if !ready {
        return unavailable(format!("no endpoints available for service \"{name}\""));
    }
    let is_prometheus = name == "prometheus"
        || svc.pointer("/metadata/labels/app").and_then(Value::as_str) == Some("prometheus");
    if !is_prometheus {
        return unavailable(format!(
            "the simulator proxies only a mesh's Prometheus, not service \"{name}\""
        ));
    }
    if !matches!(*method, Method::GET | Method::POST) {
        return ApiError::method_not_allowed(method.as_str()).into_response();
    }
    match rest {
        ["api", "v1", "query"] => {
            let Some(promql) = query.get("query") else {
                return prometheus_error(400, "bad_data", "missing parameter \"query\"".into());
            };
            let at = match query.get("time").map(|t| t.parse::<f64>()) {
                None => unix_now(),
                Some(Ok(t)) if t.is_finite() => t,
                Some(_) => {
                    return prometheus_error(
                        400,
                        "bad_data",
                        format!("invalid parameter \"time\": {:?}", query.get("time")),
                    );
                }
            };
            match cluster.telemetry.query(namespace, promql, at) {
                Ok(samples) => {
                    let result: Vec<Value> = samples
                        .into_iter()
                        .map(
                            |(labels, v)| json!({"metric": labels, "value": [at, format_value(v)]}),
                        )
                        .collect();
                    json_response(
                        200,
                        &json!({"status": "success", "data": {"resultType": "vector", "result": result}}),
                    )
                }
                Err(e) => prometheus_error(400, "bad_data", e),
            }
        }
        ["-", "ready" | "healthy"] => "Prometheus Server is Ready.\n".into_response(),
        _ => prometheus_error(
            404,
            "not_found",
            format!(
                "the simulated Prometheus serves /api/v1/query only, not /{}",
                rest.join("/")
            ),
        ),
    }
}

/// Prometheus prints sample values as strings, integers without a fraction.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn prometheus_error(code: u16, kind: &str, message: String) -> Response {
    json_response(
        code,
        &json!({"status": "error", "errorType": kind, "error": message}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_specs_name_the_service() {
        assert_eq!(service_name("prometheus:9090"), "prometheus");
        assert_eq!(service_name("http:prometheus:9090"), "prometheus");
        assert_eq!(service_name("prometheus"), "prometheus");
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.5), "0.5");
    }
}
