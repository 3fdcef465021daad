//! Lambda `timeline-home`: GET /api/timeline/home — home timeline (fan-out entries merged with big accounts' feeds) (see mediashare::api::timeline::home).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::TIMELINE_HOME)
}
