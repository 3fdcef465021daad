//! The domain error: what went wrong in terms a caller understands. Mapped to HTTP in exactly
//! one place (`http::problem`).

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field (camelCase, as in the request body or path).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Failures a caller can act on, plus `Internal` for everything else.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// One or more fields are invalid (400).
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// Malformed request that is not about one field (400).
    #[error("{0}")]
    BadRequest(String),
    /// No or bad credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// The email address must be verified first (403).
    #[error("verify your email address first")]
    Unverified,
    /// The resource does not exist (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The resource existed but is gone (410).
    #[error("{0}")]
    Gone(String),
    /// The body is too large (413).
    #[error("{0}")]
    TooLarge(String),
    /// Wrong content type (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Slow down (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// An unexpected failure; the chain goes to the log, never to the client (500).
    #[error("internal error: {0}")]
    Internal(String),
    /// Storage failed unexpectedly (500).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl DomainError {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}
