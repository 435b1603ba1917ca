//! The address lookup (LBS) the SDKs make before they open their WebSocket (protocol §1.2):
//! `GET /getaddr?vid=APPID`, also in the absolute form a client sends through an HTTP proxy,
//! answered with `{"web": [[host, port]]}` and CORS headers.

use super::Endpoint;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

fn cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    response
}

/// `GET /getaddr?vid=APPID`.
pub(crate) async fn getaddr(
    State(endpoint): State<Arc<Endpoint>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(vid) = query.get("vid").filter(|v| !v.is_empty()) else {
        log::warn!("legacy web LBS: a getaddr request without vid; answered 400");
        return cors((StatusCode::BAD_REQUEST, "getaddr needs ?vid=APPID").into_response());
    };
    let Some((host, port)) = endpoint.advertised() else {
        log::error!("legacy web LBS: no address to hand out yet; answered 503");
        return cors((StatusCode::SERVICE_UNAVAILABLE, "no address to hand out").into_response());
    };
    log::debug!("legacy web LBS: {vid} -> {host}:{port}");
    // An App ID this server does not serve still gets an address: its login then fails the
    // way the SDKs report failures; an LBS error would leave the Web SDKs hanging (§1.2).
    let body = serde_json::json!({ "web": [[host, port]] }).to_string();
    cors(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `OPTIONS` on any path: a CORS preflight.
pub(crate) async fn preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}
