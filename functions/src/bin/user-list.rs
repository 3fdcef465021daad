//! Lambda `user-list`: GET /api/users — list users (see mediashare::api::users::list).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_LIST)
}
