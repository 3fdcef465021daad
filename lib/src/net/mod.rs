//! The HTTP client of every AWS client: HTTP/1.1 over hyper 1, TLS by rustls on ring, a small
//! per-origin connection pool.
//!
//! Why not the SDK's `default-https-client`: it always links HTTP/2 (h2, about 0.45 MB, plus
//! hyper-util's pooled client) though DynamoDB, S3, SQS and SES are all spoken over HTTP/1.1
//! here, and on aws-lc it carries a second crypto library. Binary size is cold-start time
//! (docs/benchmarks.md, "Cold start and size"). What it does instead is the part of that client
//! the SDK relies on: connect and read timeouts from the SDK's settings, system trust roots
//! loaded on the first HTTPS connection (not at init), connection reuse, and errors classified
//! so the SDK's retry policy can tell a transient I/O failure from a bad request. Not done: HTTP
//! proxies (a function reaches AWS endpoints directly or through VPC endpoints), and a read
//! timeout per read: the SDK's read timeout bounds the wait for the response head, its operation
//! timeouts the rest.

mod connect;
mod pool;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

pub use connect::TrustRoots;
use connect::{Origin, connect};
use pool::Pool;

/// An [`HttpClient`] for the AWS SDK clients (see the module documentation).
#[derive(Clone)]
pub struct Http1Client {
    pool: Arc<Pool>,
    roots: Arc<TrustRoots>,
}

impl fmt::Debug for Http1Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Http1Client")
    }
}

impl Http1Client {
    /// A client trusting the system's root certificates (read on the first HTTPS connection).
    pub fn new() -> Self {
        Self::with_roots(TrustRoots::system())
    }

    /// A client trusting `roots` only.
    pub fn with_roots(roots: TrustRoots) -> Self {
        Self { pool: Arc::new(Pool::default()), roots: Arc::new(roots) }
    }

    /// The connector for requests with these timeouts (what the SDK asks for per operation).
    pub fn connector(&self, connect_timeout: Option<Duration>, read_timeout: Option<Duration>) -> Connector {
        Connector { client: self.clone(), connect_timeout, read_timeout }
    }
}

impl Default for Http1Client {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient for Http1Client {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        // Cheap (three words); the pool it shares is what persists across requests.
        SharedHttpConnector::new(self.connector(settings.connect_timeout(), settings.read_timeout()))
    }
}

/// Sends requests through the client's pool with fixed timeouts.
#[derive(Clone, Debug)]
pub struct Connector {
    client: Http1Client,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let this = self.clone();
        HttpConnectorFuture::new(async move { this.send(request).await })
    }
}

impl Connector {
    async fn send(&self, mut request: http::Request<SdkBody>) -> Result<HttpResponse, ConnectorError> {
        let origin = Origin::of(request.uri()).map_err(|e| ConnectorError::user(e.into()))?;
        origin.prepare(&mut request);
        let mut sender = match self.client.pool.take(&origin) {
            Some(sender) => sender,
            None => {
                let connecting = connect(&origin, &self.client.roots);
                within(self.connect_timeout, "connect", connecting).await??
            }
        };
        let response = within(self.read_timeout, "read", sender.send_request(request)).await?.map_err(classify)?;
        // Back to the pool once the response body has been read (HTTP/1.1: one at a time).
        self.client.pool.recycle(origin, sender);
        HttpResponse::try_from(response.map(SdkBody::from_body_1_x)).map_err(|e| ConnectorError::other(e.into(), None))
    }
}

/// `future`, failed as a timeout after `limit` (when there is one).
async fn within<T>(
    limit: Option<Duration>,
    what: &'static str,
    future: impl Future<Output = T>,
) -> Result<T, ConnectorError> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, future)
            .await
            .map_err(|_| ConnectorError::timeout(format!("HTTP {what} timed out after {limit:?}").into())),
        None => Ok(future.await),
    }
}

/// The SDK retries `io` and `timeout` errors (transient) and never `user` errors.
fn classify(error: hyper::Error) -> ConnectorError {
    if error.is_timeout() {
        ConnectorError::timeout(error.into())
    } else if error.is_user() {
        ConnectorError::user(error.into())
    } else if error.is_closed() || error.is_canceled() || error.is_incomplete_message() || has_io_source(&error) {
        // The server closed a reused connection, or the network failed mid-request.
        ConnectorError::io(error.into())
    } else {
        ConnectorError::other(error.into(), None)
    }
}

fn has_io_source(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|e| e.is::<std::io::Error>())
}

#[cfg(test)]
mod tests;
