//! What every benchmark starts with: a moto of its own on a free port and a local stack on it.
//! Included by the examples with `#[path = "shared/bench_stack.rs"] mod bench_stack;`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mediashare_local::{SecretsSource, Stack, StackOptions};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Starts moto (the project's `.venv`, `tools/moto_server.py`) on a free port and waits until it
/// answers: the child (killed when dropped) and its endpoint.
pub async fn moto() -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(root().join(".venv/bin/python"))
        .arg(root().join("tools/moto_server.py"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto starts (run `make tools` first)");
    let endpoint = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{endpoint}/moto-api/")).send().await.is_err() {
        assert!(Instant::now() < deadline, "moto did not answer within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, endpoint)
}

/// The template's stack `bench` on `endpoint`, HTTP on a free port, with `env` overridden.
pub async fn stack(endpoint: &str, env: BTreeMap<String, String>) -> Stack {
    Stack::start(StackOptions {
        stack_name: "bench".into(),
        template_path: root().join("template.yaml"),
        http_addr: "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        secrets: SecretsSource::Ephemeral,
        env_overrides: env,
        parameter_overrides: BTreeMap::new(),
        poll_wait: Duration::from_secs(1),
        endpoint_url: Some(endpoint.to_owned()),
    })
    .await
    .expect("stack starts")
}
