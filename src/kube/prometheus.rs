//! Reading a mesh's Prometheus through the API server's service proxy, with the user's
//! credentials: the same path on real clusters (OSSM's `prometheus` Service in the control plane
//! namespace) and on the simulator.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ClusterClient, KubeError};

/// The mesh's Prometheus Service and port (OSSM 2.x names it so in the control plane namespace).
pub const SERVICE: &str = "prometheus";
pub const PORT: u16 = 9090;

/// One element of an instant vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Evaluates `promql` at Unix time `at` (now when `None`) on the Prometheus of the mesh whose
/// control plane is `mesh_ns`.
pub async fn query(
    client: &ClusterClient,
    mesh_ns: &str,
    promql: &str,
    at: Option<f64>,
) -> Result<Vec<Sample>, KubeError> {
    let mut path = format!("api/v1/query?query={}", encode(promql));
    if let Some(t) = at {
        path.push_str(&format!("&time={t:.3}"));
    }
    let text = client.proxy_get(mesh_ns, SERVICE, PORT, &path).await?;
    parse(&text).map_err(|message| KubeError::Client {
        cluster: client.name().to_string(),
        message: format!("Prometheus in {mesh_ns}: {message}"),
    })
}

/// Reads a `/api/v1/query` answer holding an instant vector.
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if v["status"] != "success" {
        return Err(format!(
            "query failed: {} {}",
            v["errorType"].as_str().unwrap_or(""),
            v["error"].as_str().unwrap_or("(no message)")
        ));
    }
    let result = v
        .pointer("/data/result")
        .and_then(Value::as_array)
        .ok_or("the answer has no data.result")?;
    result
        .iter()
        .map(|r| {
            let labels = r["metric"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let value = r
                .pointer("/value/1")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or("a sample has no numeric value")?;
            Ok(Sample { labels, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_and_errors_are_read() {
        let ok = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1.5,"42"]}]}}"#;
        assert_eq!(parse(ok).unwrap()[0].value, 42.0);
        let err = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert!(parse(err).unwrap_err().contains("parse error"));
        assert_eq!(encode("a b{c=\"d\"}"), "a%20b%7Bc%3D%22d%22%7D");
    }
}
