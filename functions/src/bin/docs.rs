//! Lambda `docs`: GET /docs, /docs/openapi.json, /docs/{proxy+} — Swagger UI (see mediashare::api::docs::serve).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::DOCS)
}
