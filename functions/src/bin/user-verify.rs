//! Lambda `user-verify`: POST /api/users/{username}/verify/{code} — confirm the email address (see mediashare::api::accounts::verify).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_VERIFY)
}
