//! The gateway's own error responses, as `application/problem+json`.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::json;

/// A problem document for `status`, with the request id for the logs.
pub(crate) fn problem(status: StatusCode, detail: &str, request_id: &str) -> Response<Body> {
    let title = status.canonical_reason().unwrap_or("Error");
    let document = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "requestId": request_id,
    });
    let mut response = Response::new(Body::from(document.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}
