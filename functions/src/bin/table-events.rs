//! Lambda `table-events`: DynamoDB stream of the table — background erasure, fan-out, notifications (see mediashare::events::table::handle).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::TABLE_EVENTS)
}
