//! Lambda `user-search`: GET /api/users/search/{term} — search users (see mediashare::api::users::search).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_SEARCH)
}
