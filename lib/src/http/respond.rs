//! The one place where a route's result becomes an HTTP response: problems for errors, full
//! error chains to the log (never to the client), a request id on every response.

use std::future::Future;

use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use super::{ApiError, ApiResult, Reply, Req};
use crate::ctx::Ctx;

/// Runs `route` for `request` and renders its result.
pub async fn respond<F, Fut>(ctx: &'static Ctx, request: Request, route: F) -> Response<Body>
where
    F: FnOnce(&'static Ctx, Req) -> Fut,
    Fut: Future<Output = ApiResult<Reply>>,
{
    let req = Req::new(ctx, request);
    let request_id = req.request_id().to_owned();
    let (method, path) = (req.inner().method().to_string(), req.inner().uri().path().to_owned());
    render(request_id, method, path, route(ctx, req)).await
}

/// [`respond`] for a route that needs no context (it gets the bare request).
pub async fn respond_static<F, Fut>(request: Request, route: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = ApiResult<Reply>>,
{
    let request_id = super::request::request_id_of(&request);
    let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
    render(request_id, method, path, route(request)).await
}

async fn render(
    request_id: String,
    method: String,
    path: String,
    result: impl Future<Output = ApiResult<Reply>>,
) -> Response<Body> {
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path);
    async move {
        let started = std::time::Instant::now();
        let mut response = match result.await {
            Ok(reply) => reply.into_response(),
            Err(error) => problem_response(&error, &request_id),
        };
        if let Ok(v) = request_id.parse() {
            response.headers_mut().insert("x-request-id", v);
        }
        tracing::info!(status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "done");
        response
    }
    .instrument(span)
    .await
}

fn problem_response(error: &ApiError, request_id: &str) -> Response<Body> {
    let (status, problem) = error.to_problem(request_id);
    if status.is_server_error() {
        tracing::error!(error = %error_chain(error), "request failed");
    } else {
        tracing::info!(status = status.as_u16(), detail = %problem.detail, "refused");
    }
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let mut res = Response::new(Body::Text(body));
    *res.status_mut() = status;
    res.headers_mut().insert("content-type", lambda_http::http::HeaderValue::from_static("application/problem+json"));
    res
}

/// `error: cause: cause…` for the log.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
