//! Request bodies: decoding (JSON, YAML, kubectl's protobuf) and the four kinds of PATCH.
//! Server-side apply itself, with field ownership and conflicts, is `sim::fieldmanager`.

use axum::http::HeaderMap;
use serde_json::Value;

use super::content_type;
use crate::sim::patch;
use crate::sim::protobuf;
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;

/// The object in a POST or PUT body.
pub fn decode_object(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let ct = content_type(headers);
    let value = match ct.as_str() {
        protobuf::CONTENT_TYPE => protobuf::decode(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding protobuf body: {e}")))?,
        "application/yaml" | "application/x-yaml" => decode_yaml(body)?,
        "application/json" | "" => decode_json(body)?,
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a Kubernetes object (a JSON object)",
        ));
    }
    Ok(value)
}

fn decode_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding JSON body: {e}")))
}

fn decode_yaml(body: &[u8]) -> Result<Value, ApiError> {
    serde_yaml::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML body: {e}")))
}

/// Applies a PATCH body of the given content type to `current`, returning the desired object.
pub fn apply_patch(
    rt: &ResourceType,
    current: &Value,
    ct: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let mut target = current.clone();
    match ct {
        "application/merge-patch+json" => patch::merge_patch(&mut target, &decode_json(body)?),
        "application/json-patch+json" => patch::json_patch(&mut target, &decode_json(body)?)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        "application/strategic-merge-patch+json" => {
            if !rt.strategic_merge {
                return Err(ApiError {
                    code: 415,
                    reason: "UnsupportedMediaType",
                    message: format!(
                        "strategic merge patch format is not supported for {}",
                        rt.qualified_plural()
                    ),
                    details: None,
                });
            }
            patch::strategic_merge_patch(&mut target, &decode_json(body)?)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
        }
        other => return Err(ApiError::unsupported_media_type(other)),
    }
    Ok(target)
}

/// Decodes a server-side apply body (YAML or JSON).
pub fn decode_applied(body: &[u8]) -> Result<Value, ApiError> {
    let value = decode_yaml(body)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration must be an object",
        ));
    }
    Ok(value)
}
