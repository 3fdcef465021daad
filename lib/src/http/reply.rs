//! Successful responses.

use lambda_http::http::{HeaderName, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A response a route wants to send.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Body,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// `status` with `value` as JSON.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
        Self::bytes(status, "application/json", Body::Text(body))
    }

    /// 200 with `value` as JSON.
    pub fn ok(value: &impl Serialize) -> Self {
        Self::json(200, value)
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self { status: StatusCode::NO_CONTENT, content_type: None, body: Body::Empty, headers: vec![] }
    }

    /// 302 to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::no_content().with_status(302).header("location", location)
    }

    /// Any body with its content type.
    pub fn bytes(status: u16, content_type: &'static str, body: Body) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            content_type: Some(content_type),
            body,
            headers: vec![],
        }
    }

    /// Replaces the status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = StatusCode::from_u16(status).unwrap_or(self.status);
        self
    }

    /// Adds a header (ignored when the value is not a valid header value).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Into a Lambda response.
    pub fn into_response(self) -> Response<Body> {
        let mut res = Response::new(self.body);
        *res.status_mut() = self.status;
        if let Some(ct) = self.content_type {
            res.headers_mut().insert("content-type", HeaderValue::from_static(ct));
        }
        for (k, v) in self.headers {
            res.headers_mut().append(k, v);
        }
        res
    }
}
