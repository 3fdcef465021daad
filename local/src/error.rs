//! The runner's one error type.

use std::path::PathBuf;

/// Anything that stops a local stack from starting (or a provisioning step from finishing).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The template file could not be read.
    #[error("cannot read template {path}: {source}")]
    ReadTemplate {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The template is not valid YAML.
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// The template is YAML but not a template this runner understands.
    #[error("template: {0}")]
    Template(String),
    /// An intrinsic function could not be resolved.
    #[error("cannot resolve {at}: {reason}")]
    Resolve {
        /// Where in the template (resource, property or variable).
        at: String,
        /// Why.
        reason: String,
    },
    /// A template parameter override is unknown or not allowed.
    #[error("parameter {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: String,
        /// Why it was refused.
        reason: String,
    },
    /// Two functions set the same environment variable to different values.
    #[error(
        "environment variable {name} differs between functions ({first} vs {second}); one local context cannot serve both"
    )]
    ConflictingEnvironment {
        /// The variable.
        name: String,
        /// The first function that set it.
        first: String,
        /// The function that set it differently.
        second: String,
    },
    /// A secret reference for a variable the library cannot generate a local value for.
    #[error("no local value can be generated for secret variable {0}")]
    UnknownSecret(String),
    /// The local secrets file is unreadable or malformed.
    #[error("secrets file {path}: {reason}")]
    SecretsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A template function does not match the registry of the library.
    #[error("function {logical_id} (binary {binary}): {reason}")]
    Function {
        /// The template logical id.
        logical_id: String,
        /// `Metadata.BuildProperties.Binary`.
        binary: String,
        /// What is wrong.
        reason: String,
    },
    /// A call to the emulator (or AWS) failed.
    #[error("{action}: {message}")]
    Aws {
        /// What was being done, e.g. `create table t1-table`.
        action: String,
        /// The error chain, flattened.
        message: String,
    },
    /// The resolved environment is not a valid configuration for the library.
    #[error("configuration: {0}")]
    Config(#[from] mediashare::config::ConfigError),
    /// The library context could not be built.
    #[error("context: {0}")]
    Init(#[from] mediashare::ctx::InitError),
    /// The HTTP listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A deadline passed while waiting for a resource to become ready.
    #[error("timed out waiting for {0}")]
    Timeout(String),
}

impl RunnerError {
    /// A template error with a formatted message.
    pub(crate) fn template(message: impl Into<String>) -> Self {
        Self::Template(message.into())
    }

    /// A resolution error at `at`.
    pub(crate) fn resolve(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Resolve { at: at.into(), reason: reason.into() }
    }

    /// An AWS error, keeping the whole source chain in the message.
    pub(crate) fn aws(action: impl Into<String>, error: &(dyn std::error::Error + 'static)) -> Self {
        Self::Aws { action: action.into(), message: error_chain(error) }
    }
}

/// `error: cause: cause…` on one line (SDK errors hide the useful part in their sources).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    let mut depth = 0;
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    text
}
