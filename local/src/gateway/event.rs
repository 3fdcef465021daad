//! HTTP request → API Gateway v2 (payload format 2.0) event, the JSON a Lambda behind an
//! HttpApi receives; `lambda_http` then parses it exactly as on AWS.

use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::http::{HeaderMap, Method, Uri, Version, header};
use base64::Engine as _;
use serde_json::{Map, Value as Json, json};
use time::OffsetDateTime;

use super::encoding::{is_text_content_type, query_parameters};
use crate::ids;

/// What the event is built from.
pub(crate) struct EventInput<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub version: Version,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub source_ip: IpAddr,
    pub local_authority: &'a str,
    pub route_key: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub account_id: &'a str,
    pub now: OffsetDateTime,
}

/// Whether `host` is a plausible authority (`lambda_http` builds a URL from it and would
/// panic on garbage).
fn plausible_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'))
}

/// Builds the event.
pub(crate) fn build(input: &EventInput<'_>) -> Json {
    let host = input
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| plausible_authority(h))
        .unwrap_or(input.local_authority)
        .to_owned();
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for name in input.headers.keys() {
        let values: Vec<String> =
            input.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
        if name == header::COOKIE {
            cookies.extend(
                values.iter().flat_map(|v| v.split(';')).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned),
            );
            continue;
        }
        headers.insert(name.as_str().to_owned(), Json::String(values.join(",")));
    }
    headers.insert("host".into(), Json::String(host.clone()));
    let forwarded_for = match headers.get("x-forwarded-for").and_then(Json::as_str) {
        Some(previous) => format!("{previous}, {}", input.source_ip),
        None => input.source_ip.to_string(),
    };
    headers.insert("x-forwarded-for".into(), Json::String(forwarded_for));
    headers.insert("x-forwarded-proto".into(), Json::String("http".into()));
    let port = host.rsplit_once(':').map_or("80", |(_, p)| p).to_owned();
    headers.insert("x-forwarded-port".into(), Json::String(port));

    let raw_path = input.uri.path();
    let raw_query = input.uri.query().unwrap_or_default();
    let user_agent = input.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let protocol = match input.version {
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    };
    let domain_prefix = host.split(['.', ':']).next().unwrap_or_default().to_owned();
    let mut event = json!({
        "version": "2.0",
        "routeKey": input.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": input.account_id,
            "apiId": input.api_id,
            "domainName": host,
            "domainPrefix": domain_prefix,
            "http": {
                "method": input.method.as_str(),
                "path": raw_path,
                "protocol": protocol,
                "sourceIp": input.source_ip.to_string(),
                "userAgent": user_agent,
            },
            "requestId": input.request_id,
            "routeKey": input.route_key,
            "stage": "$default",
            "time": ids::apigw_time(input.now),
            "timeEpoch": ids::epoch_millis(input.now),
        },
        "isBase64Encoded": false,
    });
    let Some(object) = event.as_object_mut() else {
        return event;
    };
    if !cookies.is_empty() {
        object.insert("cookies".into(), json!(cookies));
    }
    let query = query_parameters(raw_query);
    if !query.is_empty() {
        object.insert("queryStringParameters".into(), json!(query));
    }
    if !input.path_parameters.is_empty() {
        object.insert("pathParameters".into(), json!(input.path_parameters));
    }
    if !input.body.is_empty() {
        let content_type = input.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        match std::str::from_utf8(input.body) {
            Ok(text) if is_text_content_type(content_type) => {
                object.insert("body".into(), Json::String(text.to_owned()));
            }
            _ => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(input.body);
                object.insert("body".into(), Json::String(encoded));
                object.insert("isBase64Encoded".into(), Json::Bool(true));
            }
        }
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn event(uri: &str, headers: HeaderMap, body: &[u8]) -> Json {
        let uri: Uri = uri.parse().expect("uri");
        let params = BTreeMap::from([("username".to_owned(), "al ice".to_owned())]);
        build(&EventInput {
            method: &Method::POST,
            uri: &uri,
            version: Version::HTTP_11,
            headers: &headers,
            body,
            source_ip: "127.0.0.1".parse().expect("ip"),
            local_authority: "127.0.0.1:3000",
            route_key: "POST /api/users/{username}",
            path_parameters: &params,
            request_id: "req-1",
            api_id: "httpapi",
            account_id: "123456789012",
            now: time::macros::datetime!(2020-03-12 19:03:58 UTC),
        })
    }

    #[test]
    fn builds_a_payload_2_event_that_lambda_http_accepts() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.append("x-multi", HeaderValue::from_static("a"));
        headers.append("x-multi", HeaderValue::from_static("b"));
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        let event = event("/api/users/al%20ice?x=1&x=2&y=%2F", headers, br#"{"k":"v"}"#);
        assert_eq!(event["routeKey"], "POST /api/users/{username}");
        assert_eq!(event["rawPath"], "/api/users/al%20ice");
        assert_eq!(event["rawQueryString"], "x=1&x=2&y=%2F");
        assert_eq!(event["queryStringParameters"]["x"], "1,2");
        assert_eq!(event["queryStringParameters"]["y"], "/");
        assert_eq!(event["pathParameters"]["username"], "al ice");
        assert_eq!(event["headers"]["x-multi"], "a,b");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["body"], r#"{"k":"v"}"#);
        assert_eq!(event["isBase64Encoded"], false);
        assert_eq!(event["requestContext"]["time"], "12/Mar/2020:19:03:58 +0000");
        let request = lambda_http::request::from_str(&event.to_string()).expect("lambda_http parses it");
        assert_eq!(request.method(), "POST");
        assert_eq!(request.uri().path(), "/api/users/al%20ice");
        use lambda_http::RequestExt as _;
        assert_eq!(request.path_parameters().first("username"), Some("al ice"));
        assert_eq!(request.query_string_parameters().all("x"), Some(vec!["1", "2"]));
    }

    #[test]
    fn binary_bodies_are_base64() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        headers.insert(header::HOST, HeaderValue::from_static("bad host"));
        let event = event("/x", headers, &[0x89, 0x50, 0xff]);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "iVD/");
        assert_eq!(event["headers"]["host"], "127.0.0.1:3000");
        let request = lambda_http::request::from_str(&event.to_string()).expect("parse");
        assert_eq!(request.body().as_ref(), &[0x89, 0x50, 0xff]);
    }
}
