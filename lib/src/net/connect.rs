//! Opening a connection: TCP, then TLS for `https`, then the HTTP/1.1 handshake.

use std::sync::{Arc, OnceLock};

use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Where a request goes: what a pooled connection can be reused for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute `http`/`https` URI.
    pub fn of(uri: &http::Uri) -> Result<Self, String> {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            other => return Err(format!("unsupported URI scheme {other:?} in {uri}")),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| format!("no host in {uri}"))?;
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Self { https, host: host.to_owned(), port })
    }

    fn is_default_port(&self) -> bool {
        self.port == if self.https { 443 } else { 80 }
    }

    /// Makes `request` what an HTTP/1.1 server expects: a `Host` header (the one SigV4
    /// signed: the authority, without a default port) and an origin-form target.
    pub fn prepare(&self, request: &mut http::Request<SdkBody>) {
        if !request.headers().contains_key(http::header::HOST) {
            let host = if self.is_default_port() { self.host.clone() } else { format!("{}:{}", self.host, self.port) };
            if let Ok(value) = http::HeaderValue::try_from(host) {
                request.headers_mut().insert(http::header::HOST, value);
            }
        }
        let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
        if let Ok(uri) = target.parse() {
            *request.uri_mut() = uri;
        }
    }
}

/// The certificates a server's chain must lead to.
pub struct TrustRoots {
    source: RootsSource,
    config: OnceLock<Result<Arc<ClientConfig>, String>>,
}

enum RootsSource {
    System,
    Given(RootCertStore),
}

impl TrustRoots {
    /// The system's roots (as `rustls-native-certs` finds them), read on first use.
    pub fn system() -> Self {
        Self { source: RootsSource::System, config: OnceLock::new() }
    }

    /// Exactly these roots.
    pub fn only(roots: RootCertStore) -> Self {
        Self { source: RootsSource::Given(roots), config: OnceLock::new() }
    }

    fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        self.config
            .get_or_init(|| {
                let roots = match &self.source {
                    RootsSource::Given(roots) => roots.clone(),
                    RootsSource::System => {
                        let found = rustls_native_certs::load_native_certs();
                        let mut roots = RootCertStore::empty();
                        let (added, _) = roots.add_parsable_certificates(found.certs);
                        if added == 0 {
                            return Err(format!("no usable system root certificates ({:?})", found.errors));
                        }
                        roots
                    }
                };
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let mut config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Ok(Arc::new(config))
            })
            .clone()
    }
}

/// A new HTTP/1.1 connection to `origin`; its I/O runs on a task of its own.
pub async fn connect(origin: &Origin, roots: &TrustRoots) -> Result<SendRequest<SdkBody>, ConnectorError> {
    // `Uri::host` keeps an IPv6 literal's brackets; the socket address must not.
    let host = origin.host.trim_start_matches('[').trim_end_matches(']');
    let tcp = TcpStream::connect((host, origin.port)).await.map_err(|e| ConnectorError::io(e.into()))?;
    // Requests are small and latency-bound: do not wait to coalesce segments.
    let _ = tcp.set_nodelay(true);
    if !origin.https {
        return handshake(tcp).await;
    }
    let config = roots.client_config().map_err(|e| ConnectorError::other(e.into(), None))?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| ConnectorError::user(e.into()))?;
    // A refused certificate is an I/O error here, as in the SDK's own client.
    let tls = TlsConnector::from(config).connect(name, tcp).await.map_err(|e| ConnectorError::io(e.into()))?;
    handshake(tls).await
}

async fn handshake<T>(io: T) -> Result<SendRequest<SdkBody>, ConnectorError>
where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(io)).await.map_err(super::classify)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "HTTP connection closed with an error");
        }
    });
    Ok(sender)
}
