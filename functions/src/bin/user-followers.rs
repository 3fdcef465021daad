//! Lambda `user-followers`: GET /api/users/{username}/followers — who follows the user (see mediashare::api::follows::followers).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_FOLLOWERS)
}
