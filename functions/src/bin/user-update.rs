//! Lambda `user-update`: PUT /api/users/{username} — update a user (see mediashare::api::users::update).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_UPDATE)
}
