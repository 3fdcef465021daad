//! Lambda `media-get`: GET /api/medias/{url} — one media (see mediashare::api::medias::get).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_GET)
}
