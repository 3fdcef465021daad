//! Lambda `user-followings`: GET /api/users/{username}/followings — whom the user follows (see mediashare::api::follows::followings).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_FOLLOWINGS)
}
