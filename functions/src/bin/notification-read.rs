//! Lambda `notification-read`: POST /api/notifications/read — mark notifications read (see mediashare::api::notifications::mark_read).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::NOTIFICATION_READ)
}
