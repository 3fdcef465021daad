//! `mediashare-local [serve|provision|keys]`: runs mediashare on this machine against an AWS
//! emulator (moto on 127.0.0.1:4566 unless `AWS_ENDPOINT_URL` says otherwise).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mediashare_local::{Crash, SecretsSource, Stack, StackOptions};

const USAGE: &str = "usage: mediashare-local [serve|provision|keys]

  serve       provision the template's resources, serve the HTTP API and run the event
              functions until Ctrl-C (default)
  provision   only create what is missing on the emulator, then exit
  keys        print a fresh JWT_SIGNING_KEYS value (for the secret of a deployment)

environment:
  AWS_ENDPOINT_URL   emulator endpoint (default http://127.0.0.1:4566)
  LOCAL_HTTP_ADDR    HTTP listen address (default 127.0.0.1:3000)
  LOCAL_STACK_NAME   stack name prefixing every resource (default mediashare-local)
  LOCAL_TEMPLATE     SAM template (default ./template.yaml)
  LOCAL_SECRETS_FILE generated local secrets (default .local/secrets.json)
  LOCAL_CRASH        fault injection, comma-separated function:nth:after_records (the nth
                     invocation of the function with more records handles that many, then
                     crashes without a response), e.g. mailer:1:2
  RUST_LOG, LOG_FORMAT=text|json";

/// Process-wide defaults, set before any thread exists.
const DEFAULT_ENV: &[(&str, &str)] = &[
    ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
    ("LOG_FORMAT", "text"),
];

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if command == "keys" {
        println!("{}", mediashare::auth::keys::generate_signing_keys_value());
        return ExitCode::SUCCESS;
    }
    if !matches!(command.as_str(), "serve" | "provision") {
        eprintln!("{USAGE}");
        return if matches!(command.as_str(), "-h" | "--help" | "help") {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    for (name, value) in DEFAULT_ENV {
        if std::env::var_os(name).is_none() {
            // SAFETY: single-threaded here — the runtime and its threads are created below.
            unsafe { std::env::set_var(name, value) };
        }
    }
    mediashare::telemetry::init("mediashare-local");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "mediashare-local failed");
            eprintln!("mediashare-local: {message}");
            ExitCode::FAILURE
        }
    }
}

fn options() -> Result<StackOptions, String> {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let addr = var("LOCAL_HTTP_ADDR", "127.0.0.1:3000");
    let http_addr: SocketAddr = addr.parse().map_err(|e| format!("LOCAL_HTTP_ADDR {addr:?}: {e}"))?;
    Ok(StackOptions {
        stack_name: var("LOCAL_STACK_NAME", "mediashare-local"),
        template_path: PathBuf::from(var("LOCAL_TEMPLATE", "template.yaml")),
        http_addr,
        secrets: SecretsSource::File(PathBuf::from(var("LOCAL_SECRETS_FILE", ".local/secrets.json"))),
        env_overrides: BTreeMap::new(),
        parameter_overrides: BTreeMap::new(),
        poll_wait: Duration::from_secs(20),
        endpoint_url: None,
    })
}

async fn run(command: &str) -> Result<(), String> {
    let opts = options()?;
    if command == "provision" {
        let physical = mediashare_local::provision(&opts).await.map_err(|e| e.to_string())?;
        const PROVISIONED: &[&str] =
            &["AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::SES::EmailIdentity"];
        for (id, resource) in physical.iter().filter(|(_, r)| PROVISIONED.contains(&r.kind.as_str())) {
            if let Some(reference) = &resource.reference {
                println!("{id:<24} {reference}");
            }
        }
        return Ok(());
    }
    let crashes: Vec<Crash> = match std::env::var("LOCAL_CRASH") {
        Ok(spec) if !spec.trim().is_empty() => spec
            .split(',')
            .map(|c| Crash::parse(c.trim()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("LOCAL_CRASH {e}"))?,
        _ => Vec::new(),
    };
    let stack = Stack::start(opts).await.map_err(|e| e.to_string())?;
    for crash in crashes {
        stack.faults().crash(crash);
    }
    println!("mediashare is running at {}", stack.base_url());
    println!("API docs: {}/docs", stack.base_url());
    wait_for_signal().await;
    println!("stopping…");
    stack.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let term = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
