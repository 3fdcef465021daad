//! `AWS::SES::EmailIdentity` → SES v2 CreateEmailIdentity. On moto this is enough for
//! SendEmail from that address (or domain) to be accepted; real SES would send a
//! verification email instead.

use aws_sdk_sesv2::Client;

use crate::aws::error_code;
use crate::error::RunnerError;

/// Creates the identity unless it exists.
pub(crate) async fn ensure(client: &Client, identity: &str) -> Result<(), RunnerError> {
    if client.get_email_identity().email_identity(identity).send().await.is_ok() {
        return Ok(());
    }
    tracing::info!(identity, "creating email identity");
    match client.create_email_identity().email_identity(identity).send().await {
        Ok(_) => Ok(()),
        Err(e) if error_code(&e) == Some("AlreadyExistsException") => Ok(()),
        Err(e) => Err(RunnerError::aws(format!("create email identity {identity}"), &e)),
    }
}
