//! RFC 9457 problem details: the single mapping from errors to HTTP responses.

use lambda_http::http::StatusCode;
use serde::Serialize;

use crate::domain::{DomainError, FieldError};
use crate::store::StoreError;

/// A route's error. Store failures arrive wrapped in the domain error and become 500s.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The caller's fault, a domain rule, or an unexpected failure underneath.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Domain(DomainError::Store(e))
    }
}

/// The body of a problem response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened, for a human.
    pub detail: String,
    /// Field-level validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorDoc>>,
    /// Request id of a 500, to quote when reporting it.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One invalid field (schema twin of [`FieldError`]).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorDoc {
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl From<FieldError> for FieldErrorDoc {
    fn from(e: FieldError) -> Self {
        Self { field: e.field, message: e.message }
    }
}

impl ApiError {
    /// Status and problem body. `request_id` is shown only for 500s.
    pub fn to_problem(&self, request_id: &str) -> (StatusCode, Problem) {
        let (status, slug, title, detail, errors) = match self {
            ApiError::Domain(e) => match e {
                DomainError::Invalid(fields) => (
                    StatusCode::BAD_REQUEST,
                    "validation",
                    "Invalid request",
                    fields.iter().map(|f| format!("{} {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
                    Some(fields.iter().cloned().map(FieldErrorDoc::from).collect()),
                ),
                DomainError::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request", d.clone(), None),
                DomainError::Unauthenticated(d) => {
                    (StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", d.clone(), None)
                }
                DomainError::Forbidden(d) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", d.clone(), None),
                DomainError::Unverified => (
                    StatusCode::FORBIDDEN,
                    "email-unverified",
                    "Email address not verified",
                    "verify your email address first: use the code we emailed you \
                     (POST /api/users/{username}/verify/{code}) or ask for a new one \
                     (POST /api/users/resend-email)"
                        .into(),
                    None,
                ),
                DomainError::NotFound(what) => {
                    (StatusCode::NOT_FOUND, "not-found", "Not found", format!("{what} not found"), None)
                }
                DomainError::Conflict(d) => (StatusCode::CONFLICT, "conflict", "Conflict", d.clone(), None),
                DomainError::Gone(d) => (StatusCode::GONE, "gone", "Gone", d.clone(), None),
                DomainError::TooLarge(d) => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Payload too large", d.clone(), None)
                }
                DomainError::UnsupportedMediaType(d) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Unsupported media type",
                    d.clone(),
                    None,
                ),
                DomainError::TooManyRequests(d) => {
                    (StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", d.clone(), None)
                }
                DomainError::Internal(_) | DomainError::Store(_) => internal(),
            },
        };
        let request_id = (status == StatusCode::INTERNAL_SERVER_ERROR).then(|| request_id.to_owned());
        let problem = Problem {
            kind: format!("https://mediashare.example/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
            request_id,
        };
        (status, problem)
    }
}

type Parts = (StatusCode, &'static str, &'static str, String, Option<Vec<FieldErrorDoc>>);

fn internal() -> Parts {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "something went wrong on our side; quote the request id if you report it".into(),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_stay_in_the_log() {
        let e = ApiError::Domain(DomainError::Internal("dynamodb exploded: secret".into()));
        let (status, p) = e.to_problem("req-1");
        assert_eq!(status, 500);
        assert!(!p.detail.contains("secret"));
        assert_eq!(p.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn validation_names_fields() {
        let e = ApiError::from(DomainError::invalid("username", "is reserved"));
        let (status, p) = e.to_problem("r");
        assert_eq!(status, 400);
        assert_eq!(p.errors.unwrap()[0].field, "username");
        assert!(p.request_id.is_none());
    }
}
