//! The HttpApi `CorsConfiguration`, applied as API Gateway does: preflight `OPTIONS` requests
//! are answered by the gateway (204), and responses to requests carrying an allowed `Origin`
//! get `Access-Control-Allow-Origin` / `-Expose-Headers` (the function's own CORS headers are
//! replaced).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::Value as Json;

/// A resolved CORS configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cors {
    allow_origins: Vec<String>,
    allow_methods: Vec<String>,
    allow_headers: Vec<String>,
    expose_headers: Vec<String>,
    max_age: Option<u64>,
    allow_credentials: bool,
}

fn strings(value: Option<&Json>) -> Vec<String> {
    value
        .and_then(Json::as_array)
        .map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

impl Cors {
    /// From a resolved `CorsConfiguration` (`true` allows every origin, method and header).
    pub(crate) fn from_config(config: &Json) -> Option<Self> {
        match config {
            Json::Bool(true) => Some(Self {
                allow_origins: vec!["*".into()],
                allow_methods: vec!["*".into()],
                allow_headers: vec!["*".into()],
                ..Self::default()
            }),
            Json::Object(map) => Some(Self {
                allow_origins: strings(map.get("AllowOrigins")),
                allow_methods: strings(map.get("AllowMethods")),
                allow_headers: strings(map.get("AllowHeaders")),
                expose_headers: strings(map.get("ExposeHeaders")),
                max_age: map.get("MaxAge").and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))),
                allow_credentials: map.get("AllowCredentials").is_some_and(|v| v == true || v == "true"),
            }),
            _ => None,
        }
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, if it is allowed.
    fn allow_origin(&self, origin: &str) -> Option<String> {
        for allowed in &self.allow_origins {
            if allowed == "*" {
                return Some(if self.allow_credentials { origin.to_owned() } else { "*".to_owned() });
            }
            let fits = match allowed.split_once('*') {
                Some((prefix, suffix)) => {
                    origin.starts_with(prefix) && origin.ends_with(suffix) && origin.len() >= allowed.len() - 1
                }
                None => allowed.eq_ignore_ascii_case(origin),
            };
            if fits {
                return Some(origin.to_owned());
            }
        }
        None
    }

    /// Whether this request is a CORS preflight.
    pub(crate) fn is_preflight(method: &str, headers: &HeaderMap) -> bool {
        method == "OPTIONS"
            && headers.contains_key(header::ORIGIN)
            && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    }

    /// The gateway's own answer to a preflight.
    pub(crate) fn preflight(&self, request: &HeaderMap) -> (StatusCode, HeaderMap) {
        let mut out = HeaderMap::new();
        let origin = request.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let Some(allow_origin) = self.allow_origin(origin) else {
            return (StatusCode::NO_CONTENT, out);
        };
        let echo = |name: HeaderName| request.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let methods = if self.allow_methods.iter().any(|m| m == "*") {
            echo(header::ACCESS_CONTROL_REQUEST_METHOD)
        } else {
            self.allow_methods.join(",")
        };
        let headers = if self.allow_headers.iter().any(|h| h == "*") {
            echo(header::ACCESS_CONTROL_REQUEST_HEADERS)
        } else {
            self.allow_headers.join(",")
        };
        insert(&mut out, header::ACCESS_CONTROL_ALLOW_ORIGIN, &allow_origin);
        insert(&mut out, header::ACCESS_CONTROL_ALLOW_METHODS, &methods);
        insert(&mut out, header::ACCESS_CONTROL_ALLOW_HEADERS, &headers);
        if let Some(max_age) = self.max_age {
            insert(&mut out, header::ACCESS_CONTROL_MAX_AGE, &max_age.to_string());
        }
        if self.allow_credentials {
            insert(&mut out, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if allow_origin != "*" {
            insert(&mut out, header::VARY, "Origin");
        }
        (StatusCode::NO_CONTENT, out)
    }

    /// Adds the CORS headers of a normal response (when the request had an allowed `Origin`).
    pub(crate) fn decorate(&self, request: &HeaderMap, response: &mut HeaderMap) {
        for name in [
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        ] {
            response.remove(name);
        }
        let Some(origin) = request.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return;
        };
        let Some(allow_origin) = self.allow_origin(origin) else {
            return;
        };
        insert(response, header::ACCESS_CONTROL_ALLOW_ORIGIN, &allow_origin);
        if !self.expose_headers.is_empty() {
            insert(response, header::ACCESS_CONTROL_EXPOSE_HEADERS, &self.expose_headers.join(","));
        }
        if self.allow_credentials {
            insert(response, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if allow_origin != "*" {
            response.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cors() -> Cors {
        Cors::from_config(&json!({
            "AllowOrigins": ["*"],
            "AllowMethods": ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            "AllowHeaders": ["authorization", "content-type", "x-api-key"],
            "ExposeHeaders": ["x-request-id"],
            "MaxAge": 600
        }))
        .expect("cors")
    }

    fn request(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).expect("origin"));
        headers.insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("PUT"));
        headers
    }

    #[test]
    fn preflight_lists_the_configuration() {
        let (status, headers) = cors().preflight(&request("https://app.example"));
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_METHODS], "GET,POST,PUT,DELETE,OPTIONS");
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_HEADERS], "authorization,content-type,x-api-key");
        assert_eq!(headers[header::ACCESS_CONTROL_MAX_AGE], "600");
        assert!(Cors::is_preflight("OPTIONS", &request("https://a")));
    }

    #[test]
    fn responses_get_origin_and_exposed_headers_only_with_an_origin() {
        let mut response = HeaderMap::new();
        cors().decorate(&request("https://app.example"), &mut response);
        assert_eq!(response[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(response[header::ACCESS_CONTROL_EXPOSE_HEADERS], "x-request-id");
        let mut bare = HeaderMap::new();
        cors().decorate(&HeaderMap::new(), &mut bare);
        assert!(bare.is_empty());
    }

    #[test]
    fn listed_origins_are_echoed() {
        let cors = Cors::from_config(&json!({"AllowOrigins": ["https://*.example.com"]})).expect("cors");
        assert_eq!(cors.allow_origin("https://app.example.com").as_deref(), Some("https://app.example.com"));
        assert_eq!(cors.allow_origin("https://evil.test"), None);
    }
}
