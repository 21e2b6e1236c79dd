use super::*;

#[test]
fn dump() {
    if let Ok(path) = std::env::var("FEDRUN_DUMP_ISTIO_CRDS") {
        std::fs::write(path, serde_json::to_string_pretty(&crds()).unwrap()).unwrap();
    }
}
