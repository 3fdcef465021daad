//! Lambda `user-resend-email`: POST /api/users/resend-email — send a fresh verification code (see mediashare::api::accounts::resend_email).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_RESEND_EMAIL)
}
