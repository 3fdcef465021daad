//! `GET /docs` (Swagger UI), `GET /docs/openapi.json` and the UI's assets under `/docs/…`.
//! The assets are compiled into the binary from the `utoipa-swagger-ui-vendored` crate:
//! nothing is fetched at build or run time.

use std::sync::{Arc, OnceLock};

use lambda_http::Body;

use super::openapi;
use crate::ctx::Ctx;
use crate::domain::DomainError;
use crate::http::{ApiResult, Reply, Req};

const SPEC_URL: &str = "/docs/openapi.json";

fn spec() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(|| openapi::document().to_json().unwrap_or_default())
}

fn asset(path: &str) -> Option<(Vec<u8>, String)> {
    let config = Arc::new(utoipa_swagger_ui::Config::from(SPEC_URL));
    utoipa_swagger_ui::serve(path, config).ok().flatten().map(|f| (f.bytes.into_owned(), f.content_type))
}

/// Serves the UI, the document and the assets.
#[utoipa::path(get, path = "/docs", tag = "docs",
    responses((status = 200, description = "Swagger UI (HTML)", content_type = "text/html")))]
pub async fn serve(_ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let path = req.inner().uri().path().trim_end_matches('/').to_owned();
    if path == SPEC_URL {
        return Ok(Reply::bytes(200, "application/json", Body::Text(spec().to_owned())));
    }
    let file = match path.as_str() {
        "/docs" => "index.html",
        other => other.strip_prefix("/docs/").unwrap_or(""),
    };
    let (bytes, content_type) = asset(file).ok_or(DomainError::NotFound("document"))?;
    let body = if file == "index.html" {
        // The page links its assets relative to itself; /docs has no trailing slash (the
        // stylesheet without `./` was a 404 at /index.css, seen by the browser test).
        let page = String::from_utf8_lossy(&bytes).replace("\"./", "\"/docs/");
        Body::Text(page.replace("href=\"index.css\"", "href=\"/docs/index.css\""))
    } else if content_type.starts_with("text/") || content_type.contains("javascript") || content_type.contains("json")
    {
        Body::Text(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        Body::Binary(bytes)
    };
    let content_type: &'static str = match content_type.as_str() {
        ct if ct.starts_with("text/html") => "text/html; charset=utf-8",
        ct if ct.starts_with("text/css") => "text/css; charset=utf-8",
        ct if ct.contains("javascript") => "application/javascript; charset=utf-8",
        ct if ct.contains("json") => "application/json",
        ct if ct.contains("png") => "image/png",
        _ => "application/octet-stream",
    };
    Ok(Reply::bytes(200, content_type, body).header("cache-control", "public, max-age=3600"))
}

/// `GET /docs/openapi.json` — the OpenAPI 3.1 document (served by [`serve`]).
#[utoipa::path(get, path = "/docs/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    serve(ctx, req).await
}
