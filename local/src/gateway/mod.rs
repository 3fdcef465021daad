//! The HTTP gateway: serves every HttpApi route of the template on one address, turning each
//! request into an API Gateway v2 event for the function's registered handler and its
//! response back into HTTP — with API Gateway's CORS handling, 10 MB payload limit, 404/405
//! for unknown routes, and a request id on every response.

pub(crate) mod cors;
mod encoding;
mod event;
mod problem;
pub(crate) mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header, request::Parts};
use mediashare::Ctx;
use mediashare::registry::HttpRoute;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::costs::{CostLog, InvocationCost};
use crate::ids;
use crate::invoke::invoke;
use crate::shutdown::Shutdown;
use cors::Cors;
use event::EventInput;
use problem::problem;
use routes::{RouteMatch, RouteTable};

/// API Gateway's request payload limit.
pub(crate) const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// The function behind a route.
#[derive(Clone, Debug)]
pub(crate) struct HttpTarget {
    /// Registry name.
    pub binary: String,
    /// The handler; `None` when the registry has no function of that name (501).
    pub handler: Option<HttpRoute>,
    /// The function's `Timeout`.
    pub timeout: Duration,
    /// The function's name and ARN (for the Lambda context).
    pub function_name: String,
    /// The function's ARN.
    pub function_arn: String,
    /// `MemorySize` in MB.
    pub memory_mb: i32,
}

/// Everything the gateway needs to answer requests.
pub(crate) struct Gateway {
    pub routes: RouteTable<HttpTarget>,
    pub cors: Option<Cors>,
    pub ctx: &'static Ctx,
    pub api_id: String,
    pub account_id: String,
    pub local_authority: String,
    /// Where each invocation's DynamoDB requests are recorded.
    pub costs: CostLog,
}

/// Serves `gateway` on `listener` until `shutdown`.
pub(crate) fn spawn(listener: TcpListener, gateway: Gateway, mut shutdown: Shutdown) -> JoinHandle<()> {
    let app = axum::Router::new().fallback(handle).with_state(Arc::new(gateway));
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let served =
            axum::serve(listener, service).with_graceful_shutdown(async move { shutdown.stopped().await }).await;
        if let Err(e) = served {
            tracing::error!(error = %e, "HTTP server stopped");
        }
    })
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response<Body> {
    let started = Instant::now();
    let request_id = ids::uuid();
    let (parts, body) = request.into_parts();
    let (mut response, binary) = gateway.dispatch(&parts, body, peer, &request_id).await;
    if !response.headers().contains_key("x-request-id")
        && let Ok(value) = HeaderValue::from_str(&request_id)
    {
        response.headers_mut().insert("x-request-id", value);
    }
    let preflight = binary.is_none() && Cors::is_preflight(parts.method.as_str(), &parts.headers);
    if let (Some(cors), false) = (&gateway.cors, preflight) {
        cors.decorate(&parts.headers, response.headers_mut());
    }
    tracing::info!(
        method = %parts.method,
        path = parts.uri.path(),
        status = response.status().as_u16(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        function = binary.unwrap_or("-"),
        request_id = %request_id,
        "request"
    );
    response
}

impl Gateway {
    /// Answers one request; also returns the function that served it, if any.
    async fn dispatch<'g>(
        &'g self,
        parts: &Parts,
        body: Body,
        peer: SocketAddr,
        request_id: &str,
    ) -> (Response<Body>, Option<&'g str>) {
        let method = parts.method.as_str();
        let raw_path = parts.uri.path();
        if let Some(cors) = &self.cors
            && Cors::is_preflight(method, &parts.headers)
            && !self.routes.has_options_route(raw_path)
        {
            let (status, headers) = cors.preflight(&parts.headers);
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            return (response, None);
        }
        let (entry, path_parameters) = match self.routes.find(method, raw_path) {
            RouteMatch::Found(entry, params) => (entry, params),
            RouteMatch::MethodNotAllowed(allowed) => {
                let mut response = problem(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &format!("{method} is not allowed on {raw_path}"),
                    request_id,
                );
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                return (response, None);
            }
            RouteMatch::NotFound => {
                return (
                    problem(StatusCode::NOT_FOUND, &format!("no route for {method} {raw_path}"), request_id),
                    None,
                );
            }
        };
        let target = &entry.target;
        let binary = Some(target.binary.as_str());
        let Some(handler) = target.handler else {
            let detail = format!("function {} is not in the registry", target.binary);
            return (problem(StatusCode::NOT_IMPLEMENTED, &detail, request_id), binary);
        };
        let too_large = || problem(StatusCode::PAYLOAD_TOO_LARGE, "the request body exceeds 10 MB", request_id);
        let declared =
            parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_PAYLOAD as u64) {
            return (too_large(), binary);
        }
        let bytes = match axum::body::to_bytes(body, MAX_PAYLOAD).await {
            Ok(bytes) => bytes,
            Err(e) if is_length_limit(&e) => return (too_large(), binary),
            Err(e) => {
                return (
                    problem(StatusCode::BAD_REQUEST, &format!("cannot read the request body: {e}"), request_id),
                    binary,
                );
            }
        };
        let now = time::OffsetDateTime::now_utc();
        let event = event::build(&EventInput {
            method: &parts.method,
            uri: &parts.uri,
            version: parts.version,
            headers: &parts.headers,
            body: &bytes,
            source_ip: peer.ip(),
            local_authority: &self.local_authority,
            route_key: &entry.route_key,
            path_parameters: &path_parameters,
            request_id,
            api_id: &self.api_id,
            account_id: &self.account_id,
            now,
        });
        let request = match parse_event(&event) {
            Ok(mut request) => {
                request.extensions_mut().insert(lambda_context(target, request_id, now));
                request
            }
            Err(detail) => {
                tracing::warn!(request_id, %detail, "the event could not be turned into a request");
                return (problem(StatusCode::BAD_REQUEST, "malformed request", request_id), binary);
            }
        };
        let tallied = Box::pin(mediashare::store::metrics::tally(handler.call(self.ctx, request)));
        let response = match invoke(tallied, target.timeout).await {
            Ok((response, counts)) => {
                let response = into_http(response);
                tracing::debug!(function = %target.binary, request_id, dynamodb_requests = counts.total_requests(),
                    items_read = counts.items_read, "dynamodb cost");
                self.costs.record(InvocationCost {
                    function: target.binary.clone(),
                    status: response.status().as_u16(),
                    counts,
                });
                response
            }
            Err(e) => {
                tracing::error!(function = %target.binary, request_id, error = %e, "invocation failed");
                let status = match e {
                    crate::invoke::InvokeError::TimedOut(_) => StatusCode::GATEWAY_TIMEOUT,
                    crate::invoke::InvokeError::Crashed(_) => StatusCode::BAD_GATEWAY,
                };
                problem(status, "the function did not answer", request_id)
            }
        };
        (response, binary)
    }
}

/// Whether reading the body failed on the size limit (`http_body_util::LengthLimitError`).
fn is_length_limit(error: &axum::Error) -> bool {
    crate::error::error_chain(error).contains("length limit exceeded")
}

/// `lambda_http::request::from_str`, with a panic inside it turned into an error.
fn parse_event(event: &serde_json::Value) -> Result<lambda_http::Request, String> {
    let text = event.to_string();
    std::panic::catch_unwind(|| lambda_http::request::from_str(&text))
        .map_err(|_| "lambda_http panicked on the event".to_owned())?
        .map_err(|e| e.to_string())
}

/// The Lambda invocation context a handler would see on AWS.
fn lambda_context(
    target: &HttpTarget,
    request_id: &str,
    now: time::OffsetDateTime,
) -> lambda_http::lambda_runtime::Context {
    let deadline = ids::epoch_millis(now) + i64::try_from(target.timeout.as_millis()).unwrap_or(i64::MAX);
    let mut context = lambda_http::lambda_runtime::Context::default();
    context.request_id = request_id.to_owned();
    context.deadline = u64::try_from(deadline).unwrap_or_default();
    context.invoked_function_arn.clone_from(&target.function_arn);
    context.env_config = Arc::new(lambda_http::lambda_runtime::Config {
        function_name: target.function_name.clone(),
        memory: target.memory_mb,
        version: "$LATEST".to_owned(),
        log_stream: String::new(),
        log_group: format!("/aws/lambda/{}", target.function_name),
    });
    context
}

/// A handler's response as an HTTP response.
fn into_http(response: lambda_http::Response<lambda_http::Body>) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        other => other.as_ref().to_vec(),
    };
    Response::from_parts(parts, Body::from(bytes))
}
