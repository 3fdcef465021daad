//! Lambda `user-get`: GET /api/users/{username} — public profile (see mediashare::api::users::get).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_GET)
}
