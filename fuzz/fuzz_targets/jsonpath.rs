//! kubectl-style jsonpath templates (src/jsonpath.rs): parse, render and query never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn doc() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "istio-ca-root-cert", "namespace": "prod", "labels": {"a.b/c": "d"}},
            "data": {"root-cert.pem": "-----BEGIN CERTIFICATE-----", "n": "1"},
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "True", "n": 3},
                    {"type": "Reconciled", "status": "False", "n": -1.5}
                ],
                "ingress": [{"ip": "10.0.0.1"}, {"hostname": "a.elb.amazonaws.com"}],
                "nested": {"a": {"b": {"c": [1, [2, [3, null, true]]]}}}
            }
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = fedrun::jsonpath::Template::parse(text) {
        assert_eq!(t.source(), text);
        let _ = t.render(doc());
        let _ = t.query(doc());
    }
});
