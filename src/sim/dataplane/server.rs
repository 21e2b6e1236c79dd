//! The data plane's HTTP listener: one plain-HTTP port on 127.0.0.1 for the whole simulator,
//! serving every mesh's ingress Route by the request's Host header, as OpenShift's router serves
//! every Route of a cluster on one address.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::DataPlane;

/// The router of the data plane listener.
pub fn router(plane: Arc<DataPlane>) -> Router {
    Router::new().fallback(serve).with_state(plane)
}

async fn serve(State(plane): State<Arc<DataPlane>>, request: Request) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().host().map(str::to_string))
        .unwrap_or_default();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let reply = plane.handle(&host, &path);
    let status = StatusCode::from_u16(reply.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, format!("{}\n", reply.body)).into_response();
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("istio-envoy"));
    response
}
