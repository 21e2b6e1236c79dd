//! Patches as clients send them (JSON merge, strategic merge, JSON patch) applied to a
//! Deployment-like object: never a panic, and a failed patch leaves the object as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(patch) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let target = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "envoy"}]}}}});
    let mut merged = target.clone();
    fedrun::sim::patch::merge_patch(&mut merged, &patch);
    let mut strategic = target.clone();
    if fedrun::sim::patch::strategic_merge_patch(&mut strategic, &patch).is_err() {
        assert_eq!(strategic, target, "a refused strategic merge patch changed the object");
    }
    let mut patched = target.clone();
    if fedrun::sim::patch::json_patch(&mut patched, &patch).is_err() {
        assert_eq!(patched, target, "a refused JSON patch changed the object");
    }
});
