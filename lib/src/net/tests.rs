//! The client against small local servers: plain HTTP (reuse, concurrency, the request line
//! and `Host`), TLS with a certificate the client trusts and one it does not, and timeouts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// A keep-alive HTTP/1.1 server answering `hello` after `delay`; it records each request head.
struct Server {
    port: u16,
    accepted: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(delay: Duration, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (a, h) = (accepted.clone(), heads.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                a.fetch_add(1, Ordering::SeqCst);
                let (h, tls) = (h.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(tcp).await {
                                serve(stream, delay, h).await;
                            }
                        }
                        None => serve(tcp, delay, h).await,
                    }
                });
            }
        });
        Self { port, accepted, heads }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, delay: Duration, heads: Arc<Mutex<Vec<String>>>) {
    let mut buffer = Vec::new();
    loop {
        let mut chunk = [0u8; 1024];
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buffer.extend_from_slice(&chunk[..n]);
        while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            heads.lock().unwrap().push(head);
            tokio::time::sleep(delay).await;
            if stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello").await.is_err() {
                return;
            }
        }
    }
}

fn get(url: &str) -> HttpRequest {
    HttpRequest::try_from(http::Request::get(url).body(SdkBody::empty()).unwrap()).unwrap()
}

async fn body_of(response: HttpResponse) -> String {
    let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body()).collect().await.unwrap();
    String::from_utf8(bytes.into_bytes().to_vec()).unwrap()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn reuses_a_connection_and_opens_more_for_concurrent_requests() {
    let server = Server::start(Duration::from_millis(0), None).await;
    let client = Http1Client::new();
    let connector = client.connector(Some(Duration::from_secs(2)), Some(Duration::from_secs(2)));
    let url = format!("http://127.0.0.1:{}/table?x=1", server.port);
    let origin = Origin::of(&url.parse().unwrap()).unwrap();

    let first = connector.call(get(&url)).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(body_of(first).await, "hello");
    until("the connection back in the pool", || client.pool.idle(&origin) == 1).await;
    let second = connector.call(get(&url)).await.unwrap();
    assert_eq!(body_of(second).await, "hello");
    assert_eq!(server.accepted(), 1, "the second request reused the first connection");

    let head = server.heads.lock().unwrap()[0].clone();
    assert!(head.starts_with("GET /table?x=1 HTTP/1.1\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains(&format!("\r\nhost: 127.0.0.1:{}", server.port)), "{head}");

    // Three at once while the server takes its time: each needs a connection of its own.
    let slow = Server::start(Duration::from_millis(150), None).await;
    let url = format!("http://127.0.0.1:{}/", slow.port);
    let calls = (0..3).map(|_| connector.call(get(&url)));
    for response in futures_util::future::join_all(calls).await {
        assert_eq!(body_of(response.unwrap()).await, "hello");
    }
    assert_eq!(slow.accepted(), 3);
}

#[tokio::test]
async fn tls_verifies_the_server_against_the_trusted_roots() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let config =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![cert.clone()], key).unwrap();
    let server = Server::start(Duration::ZERO, Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await;
    let url = format!("https://localhost:{}/secure", server.port);

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let trusting = Http1Client::with_roots(TrustRoots::only(roots)).connector(None, None);
    let response = trusting.call(get(&url)).await.unwrap();
    assert_eq!(body_of(response).await, "hello");
    assert!(server.heads.lock().unwrap()[0].to_ascii_lowercase().contains(&format!("host: localhost:{}", server.port)));

    // Same server, a client that does not trust its certificate: refused before any request.
    let sceptic = Http1Client::with_roots(TrustRoots::only(rustls::RootCertStore::empty())).connector(None, None);
    let error = sceptic.call(get(&url)).await.unwrap_err();
    assert!(error.is_io(), "{error:?}");
    assert_eq!(server.heads.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_retryable_errors() {
    let silent = Server::start(Duration::from_secs(30), None).await;
    let connector = Http1Client::new().connector(Some(Duration::from_secs(2)), Some(Duration::from_millis(200)));
    let started = Instant::now();
    let error = connector.call(get(&format!("http://127.0.0.1:{}/", silent.port))).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing listens on a port just released.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let error = connector.call(get(&format!("http://127.0.0.1:{port}/"))).await.unwrap_err();
    assert!(error.is_io(), "{error:?}");

    let error = connector.call(get("ftp://example.com/")).await.unwrap_err();
    assert!(error.is_user(), "{error:?}");
}
