//! Store failures: always unexpected (the caller's mistakes are `DomainError`s decided by the
//! store's methods), carrying the operation that failed for the log.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// An unexpected storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The AWS call failed.
    #[error("{op}: {message}")]
    Aws {
        /// What we were doing.
        op: &'static str,
        /// The SDK's description (code and message).
        message: String,
    },
    /// An item does not have the expected shape.
    #[error("corrupt item ({what})")]
    Corrupt {
        /// Which attribute or item.
        what: String,
    },
}

/// Adds the operation name to SDK errors.
pub trait OpContext<T> {
    /// Tags the error with `op`.
    fn op(self, op: &'static str) -> Result<T, StoreError>;
}

impl<T, E, R> OpContext<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    fn op(self, op: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| aws(op, e))
    }
}

/// An SDK error as a store error tagged with `op`.
pub fn aws<E, R>(op: &'static str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let message = match &e {
        SdkError::ServiceError(s) if s.err().code().is_some() => {
            let err = s.err();
            format!("{}: {}", err.code().unwrap_or_default(), err.message().unwrap_or(""))
        }
        other => aws_sdk_dynamodb::error::DisplayErrorContext(other).to_string(),
    };
    StoreError::Aws { op, message }
}

impl<T> OpContext<T> for Result<T, aws_sdk_dynamodb::error::BuildError> {
    fn op(self, op: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Aws { op, message: e.to_string() })
    }
}
