//! `GET /docs` (Swagger UI), `GET /docs/openapi.json` and the UI's assets under `/docs/…`.
//! The assets are the files the page loads, taken from the `utoipa-swagger-ui-vendored` archive
//! at build time and stored gzip-compressed (`build.rs`): nothing is fetched at build or run
//! time, and they add about 0.5 MB to the binary instead of Swagger UI's 11 MB `dist/`. They are
//! sent compressed to clients that accept gzip (every browser), decompressed for the others.

use std::io::Read;
use std::sync::OnceLock;

use lambda_http::{Body, Request, Response};

use super::openapi;
use crate::domain::DomainError;
use crate::http::{ApiResult, Reply};

const SPEC_URL: &str = "/docs/openapi.json";

/// `(file name, content type, gzip bytes)` of every asset.
const ASSETS: &[(&str, &str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/swagger_ui.rs"));

fn spec() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(|| openapi::document().to_json().unwrap_or_default())
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip` or `*`, not with `q=0`).
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.unwrap_or("").split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, DomainError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| DomainError::Internal(format!("embedded asset: {e}")))?;
    Ok(out)
}

/// Serves the UI, the document and the assets. It needs no context: the `docs` binary builds
/// no AWS client (registry `http_static`).
pub async fn serve(request: Request) -> Response<Body> {
    crate::http::respond_static(request, |request| async move { asset(&request) }).await
}

/// `GET /docs` — the Swagger UI page (served by [`serve`]; this item documents the route).
#[utoipa::path(get, path = "/docs", tag = "docs", operation_id = "serve",
    responses((status = 200, description = "Swagger UI (HTML)", content_type = "text/html")))]
pub fn page() {}

fn asset(request: &Request) -> ApiResult<Reply> {
    let path = request.uri().path().trim_end_matches('/').to_owned();
    if path == SPEC_URL {
        return Ok(Reply::bytes(200, "application/json", Body::Text(spec().to_owned())));
    }
    let file = match path.as_str() {
        "/docs" => "index.html",
        other => other.strip_prefix("/docs/").unwrap_or(""),
    };
    let &(_, content_type, gzip) =
        ASSETS.iter().find(|(name, _, _)| *name == file).ok_or(DomainError::NotFound("document"))?;
    let accept_encoding = request.headers().get("accept-encoding").and_then(|v| v.to_str().ok());
    let reply = if accepts_gzip(accept_encoding) {
        Reply::bytes(200, content_type, Body::Binary(gzip.to_vec())).header("content-encoding", "gzip")
    } else if content_type.starts_with("image/") {
        Reply::bytes(200, content_type, Body::Binary(gunzip(gzip)?))
    } else {
        let text = String::from_utf8(gunzip(gzip)?).map_err(|e| DomainError::Internal(e.to_string()))?;
        Reply::bytes(200, content_type, Body::Text(text))
    };
    Ok(reply.header("vary", "accept-encoding").header("cache-control", "public, max-age=3600"))
}

/// `GET /docs/openapi.json` — the OpenAPI 3.1 document (served by [`serve`]; this item
/// documents the route).
#[utoipa::path(get, path = "/docs/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub fn openapi_json() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip(Some("gzip, deflate, br")));
        assert!(accepts_gzip(Some("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn every_asset_the_page_loads_is_embedded_and_decompresses() {
        let page = String::from_utf8(gunzip(ASSETS[0].2).unwrap()).unwrap();
        assert_eq!(ASSETS[0].0, "index.html");
        for (name, _, gzip) in ASSETS.iter().skip(1) {
            assert!(page.contains(&format!("\"/docs/{name}\"")), "index.html does not load {name}");
            assert!(!gunzip(gzip).unwrap().is_empty(), "{name} is empty");
        }
        let total: usize = ASSETS.iter().map(|(_, _, gzip)| gzip.len()).sum();
        assert!(total < 700_000, "{total} bytes of compressed assets");
    }
}
