//! Lambda `follow-create`: POST /api/follows/{username} — follow a user (see mediashare::api::follows::follow).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::FOLLOW_CREATE)
}
