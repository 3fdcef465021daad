//! Lambda `user-timeline`: GET /api/users/{username}/timeline — an account's medias and reposts (see mediashare::api::timeline::user).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_TIMELINE)
}
