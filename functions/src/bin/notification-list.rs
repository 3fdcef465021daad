//! Lambda `notification-list`: GET /api/notifications — the caller's notifications (see mediashare::api::notifications::list).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::NOTIFICATION_LIST)
}
