//! `/version` and API discovery, in both the legacy and the aggregated (v2) forms.
//!
//! kubectl asks for aggregated discovery first and accepts the legacy answer; kube-rs'
//! `Discovery::run` uses the legacy one and `run_aggregated` the other. Serving both keeps every
//! client on its fastest path.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json_response;
use crate::sim::cluster::SimCluster;
use crate::sim::resources::{Registry, ResourceType};
use crate::sim::status::ApiError;

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The verbs of the `status` and `scale` subresources.
const SUBRESOURCE_VERBS: [&str; 3] = ["get", "patch", "update"];

/// The Kubernetes version the simulator reports: it picks the kubectl minor version that the
/// machine's kubectl dispatcher runs, so keep it in the bundled range (1.27–1.33).
pub fn version() -> Response {
    json_response(
        200,
        &json!({
            "major": "1", "minor": "32", "gitVersion": "v1.32.4+fedrun-sim",
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.6", "compiler": "gc",
            "platform": "linux/amd64"
        }),
    )
}

fn wants_aggregated(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept.split(',').any(|t| {
                t.contains("as=APIGroupDiscoveryList")
                    && t.contains("v=v2")
                    && t.contains("g=apidiscovery.k8s.io")
            })
        })
}

fn aggregated(body: Value) -> Response {
    ([(header::CONTENT_TYPE, AGGREGATED)], body.to_string()).into_response()
}

/// `GET /api`.
pub fn core_versions(cluster: &SimCluster, headers: &HeaderMap) -> Response {
    if wants_aggregated(headers) {
        let registry = cluster.store.registry();
        return aggregated(discovery_list(&registry, |g| g.is_empty()));
    }
    json_response(
        200,
        &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
    )
}

/// `GET /apis`.
pub fn groups(cluster: &SimCluster, headers: &HeaderMap) -> Response {
    let registry = cluster.store.registry();
    if wants_aggregated(headers) {
        return aggregated(discovery_list(&registry, |g| !g.is_empty()));
    }
    let groups: Vec<Value> = registry
        .groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, versions)| group_document(&g, &versions))
        .collect();
    json_response(
        200,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

/// `GET /apis/<group>`.
pub fn group(cluster: &SimCluster, name: &str) -> Response {
    match cluster
        .store
        .registry()
        .groups()
        .into_iter()
        .find(|(g, _)| g == name && !g.is_empty())
    {
        Some((g, versions)) => {
            let mut doc = group_document(&g, &versions);
            doc["kind"] = json!("APIGroup");
            doc["apiVersion"] = json!("v1");
            json_response(200, &doc)
        }
        None => ApiError::no_such_path(&format!("/apis/{name}")).into_response(),
    }
}

fn group_document(group: &str, versions: &[String]) -> Value {
    let gv = |v: &String| json!({"groupVersion": format!("{group}/{v}"), "version": v});
    json!({
        "name": group,
        "versions": versions.iter().map(gv).collect::<Vec<_>>(),
        "preferredVersion": versions.first().map(gv).unwrap_or(Value::Null),
    })
}

/// `GET /api/v1` and `GET /apis/<group>/<version>`: an `APIResourceList`.
pub fn resources(cluster: &SimCluster, group: &str, version: &str) -> Response {
    let registry = cluster.store.registry();
    let types: Vec<&ResourceType> = registry.in_group_version(group, version).collect();
    if types.is_empty() {
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        return ApiError::no_such_path(&path).into_response();
    }
    let mut list = Vec::new();
    for t in types {
        list.push(json!({
            "name": t.plural, "singularName": t.singular, "namespaced": t.namespaced, "kind": t.kind,
            "verbs": VERBS, "shortNames": t.short_names, "categories": t.categories,
        }));
        // A subresource whose kind is of another group names it (kubernetes/kubernetes
        // staging/src/k8s.io/apiserver/pkg/endpoints/installer.go, from ScaleREST's
        // GroupVersionKind); entries come sorted by path, so scale before status.
        if t.scale_subresource() {
            list.push(json!({
                "name": format!("{}/scale", t.plural), "singularName": "", "namespaced": t.namespaced,
                "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": SUBRESOURCE_VERBS,
            }));
        }
        if t.status_subresource {
            list.push(json!({
                "name": format!("{}/status", t.plural), "singularName": "", "namespaced": t.namespaced,
                "kind": t.kind, "verbs": SUBRESOURCE_VERBS,
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json_response(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list}),
    )
}

/// The aggregated (`apidiscovery.k8s.io/v2`) form for the groups `include` selects.
fn discovery_list(registry: &Registry, include: impl Fn(&str) -> bool) -> Value {
    let items: Vec<Value> = registry
        .groups()
        .into_iter()
        .filter(|(g, _)| include(g))
        .map(|(g, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = registry
                        .in_group_version(&g, v)
                        .map(|t| {
                            let kind = json!({"group": g, "version": v, "kind": t.kind});
                            let mut r = json!({
                                "resource": t.plural, "responseKind": kind.clone(),
                                "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": t.singular, "verbs": VERBS,
                                "shortNames": t.short_names, "categories": t.categories,
                            });
                            let mut subresources = Vec::new();
                            if t.scale_subresource() {
                                subresources.push(json!({"subresource": "scale",
                                    "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                                    "verbs": SUBRESOURCE_VERBS}));
                            }
                            if t.status_subresource {
                                subresources.push(json!({"subresource": "status", "responseKind": kind, "verbs": SUBRESOURCE_VERBS}));
                            }
                            if !subresources.is_empty() {
                                r["subresources"] = Value::Array(subresources);
                            }
                            r
                        })
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            let mut item = json!({"metadata": {"creationTimestamp": null}, "versions": versions});
            if !g.is_empty() {
                item["metadata"]["name"] = json!(g);
            }
            item
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}
