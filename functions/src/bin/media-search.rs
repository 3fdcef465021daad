//! Lambda `media-search`: GET /api/medias/search/{term} — search medias by word prefixes (see mediashare::api::medias::search).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_SEARCH)
}
