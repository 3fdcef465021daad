//! Lambda `user-delete`: DELETE /api/users/{username} — delete an account (see mediashare::api::users::delete).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_DELETE)
}
