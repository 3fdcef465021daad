//! Lambda `follow-delete`: DELETE /api/follows/{username} — unfollow a user (see mediashare::api::follows::unfollow).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::FOLLOW_DELETE)
}
