//! Lambda `media-like`: POST /api/medias/{url}/likes — like a media (see mediashare::api::medias::like).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_LIKE)
}
