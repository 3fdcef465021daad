//! The request as a route sees it: typed path parameters, a size-limited JSON body, page
//! parameters and the authenticated caller, each a one-liner that fails with the right problem.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use super::page::{DEFAULT_LIMIT, MAX_LIMIT, PageRequest};
use crate::auth::Caller;
use crate::ctx::Ctx;
use crate::domain::{DomainError, FieldError, Username};

/// Largest JSON body a route accepts. Real content (files) never passes through the API.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// A request plus the context it runs in.
pub struct Req {
    ctx: &'static Ctx,
    inner: Request,
    request_id: String,
}

/// The id of `request`: API Gateway's, else Lambda's, else a fresh one.
pub fn request_id_of(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(c)) => c.request_id.clone(),
        _ => None,
    }
    .or_else(|| request.lambda_context_ref().map(|c| c.request_id.clone()))
    .unwrap_or_else(|| crate::auth::random::id(16))
}

/// Values that can come from a path segment.
pub trait PathParam: Sized {
    /// Parses the (already URL-decoded) segment.
    fn parse_param(raw: &str) -> Result<Self, String>;
}

impl PathParam for Username {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Username::parse(raw)
    }
}

impl PathParam for String {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Ok(raw.to_owned())
    }
}

impl Req {
    /// Wraps a Lambda request.
    pub fn new(ctx: &'static Ctx, inner: Request) -> Self {
        let request_id = request_id_of(&inner);
        Self { ctx, inner, request_id }
    }

    /// The id of this request (API Gateway's, else Lambda's).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The underlying request.
    pub fn inner(&self) -> &Request {
        &self.inner
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The path parameter `name`, parsed; 400 naming it when invalid.
    pub fn path<T: PathParam>(&self, name: &str) -> Result<T, DomainError> {
        let params = self.inner.path_parameters_ref();
        let raw = params.and_then(|p| p.first(name)).ok_or_else(|| DomainError::invalid(name, "is required"))?;
        T::parse_param(raw).map_err(|m| DomainError::invalid(name, m))
    }

    /// A query-string parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        self.inner.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_owned)
    }

    /// `?limit=` and `?cursor=`, validated.
    pub fn page(&self) -> Result<PageRequest, DomainError> {
        let limit = match self.query("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| DomainError::invalid("limit", format!("must be 1 to {MAX_LIMIT}")))?,
        };
        let cursor = self.query("cursor").filter(|c| !c.is_empty());
        Ok(PageRequest { limit, cursor })
    }

    /// The body as JSON of type `T`: 415 unless JSON, 413 past [`MAX_JSON_BODY`], 400 naming
    /// the field when it does not fit `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DomainError> {
        let bytes: &[u8] = match self.inner.body() {
            Body::Empty => b"",
            Body::Text(t) => t.as_bytes(),
            Body::Binary(b) => b,
            _ => b"",
        };
        if bytes.len() > MAX_JSON_BODY {
            return Err(DomainError::TooLarge(format!("the body must be at most {MAX_JSON_BODY} bytes")));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(DomainError::BadRequest("a JSON body is required".into()));
        }
        let is_json = self
            .header("content-type")
            .map(|ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
            .unwrap_or(true);
        if !is_json {
            return Err(DomainError::UnsupportedMediaType("send the body as application/json".into()));
        }
        serde_json::from_slice(bytes).map_err(json_problem)
    }

    /// The authenticated caller, verified or not (401 when absent or invalid).
    pub async fn caller(&self) -> Result<Caller, DomainError> {
        Caller::authenticate(self.ctx, self).await?.ok_or_else(|| {
            DomainError::Unauthenticated("send `Authorization: Bearer <access token>` or `X-Api-Key: <key>`".into())
        })
    }

    /// The authenticated caller with a verified email address (403 otherwise).
    pub async fn verified_caller(&self) -> Result<Caller, DomainError> {
        let caller = self.caller().await?;
        if !caller.user.verified {
            return Err(DomainError::Unverified);
        }
        Ok(caller)
    }

    /// The caller when credentials are sent (invalid ones are still a 401), else `None`.
    pub async fn optional_caller(&self) -> Result<Option<Caller>, DomainError> {
        Caller::authenticate(self.ctx, self).await
    }
}

/// Turns a serde error into a 400, naming the field when serde says which.
fn json_problem(e: serde_json::Error) -> DomainError {
    let msg = e.to_string();
    let field = |marker: &str| msg.split(marker).nth(1).and_then(|rest| rest.split('`').next()).map(str::to_owned);
    let clean = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    if let Some(f) = field("missing field `") {
        return DomainError::Invalid(vec![FieldError::new(f, "is required")]);
    }
    if let Some(f) = field("unknown field `") {
        return DomainError::Invalid(vec![FieldError::new(f, "is not a known field")]);
    }
    if e.is_data() {
        return DomainError::BadRequest(format!("the body does not have the expected shape: {clean}"));
    }
    DomainError::BadRequest(format!("the body is not valid JSON: {clean}"))
}
