//! Structured logs: JSON lines on Lambda (CloudWatch reads them as fields), human-readable when
//! `LOG_FORMAT=text`. Filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are no-ops.
pub fn init(function_name: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let text = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "text");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let installed =
        if text { builder.try_init() } else { builder.json().flatten_event(true).with_current_span(true).try_init() };
    if installed.is_ok() {
        tracing::info!(function = function_name, cold_start = true, "initialised");
    }
}
