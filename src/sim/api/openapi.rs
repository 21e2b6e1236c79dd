//! A minimal OpenAPI v3 document set: just enough for kubectl's default `--validate=strict`.
//!
//! kubectl refuses to `apply`/`create -f` when it cannot download OpenAPI. With v3 present it only
//! checks that each kind's PATCH operation declares the `fieldValidation` query parameter and then
//! leaves validation to the server, so no schemas are published.

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::json_response;
use crate::sim::cluster::SimCluster;
use crate::sim::status::ApiError;

/// `GET /openapi/v3`: one entry per served group/version.
pub fn root(cluster: &SimCluster) -> Response {
    let registry = cluster.store.registry();
    let mut paths = Map::new();
    for (group, versions) in registry.groups() {
        for v in versions {
            let key = if group.is_empty() {
                format!("api/{v}")
            } else {
                format!("apis/{group}/{v}")
            };
            let hash = digest(&document(cluster, &group, &v).to_string());
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}),
            );
        }
    }
    json_response(200, &json!({"paths": paths}))
}

/// `GET /openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`.
pub fn group_version(cluster: &SimCluster, rest: &[&str]) -> Response {
    let (group, version) = match rest {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => {
            return ApiError::no_such_path(&format!("/openapi/v3/{}", rest.join("/")))
                .into_response();
        }
    };
    let doc = document(cluster, group, version);
    if doc["paths"].as_object().is_none_or(Map::is_empty) {
        return ApiError::no_such_path(&format!("/openapi/v3/{}", rest.join("/"))).into_response();
    }
    json_response(200, &doc)
}

fn document(cluster: &SimCluster, group: &str, version: &str) -> Value {
    let registry = cluster.store.registry();
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let mut paths = Map::new();
    for t in registry.in_group_version(group, version) {
        let path = if t.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", t.plural)
        } else {
            format!("{prefix}/{}/{{name}}", t.plural)
        };
        let patch = json!({
            "operationId": format!("patch{}", t.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": t.kind},
            "parameters": [
                {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}}
            ],
            "responses": {"200": {"description": "OK"}}
        });
        paths.insert(path, json!({"patch": patch}));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4+fedrun-sim"},
        "paths": paths,
        "components": {"schemas": {}}
    })
}

/// A content hash so clients' OpenAPI caches notice when CRDs change what is served.
fn digest(text: &str) -> String {
    let h = text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("{h:016X}")
}
