//! Lambda `media-repost`: POST /api/medias/{url}/reposts — repost a media (see mediashare::api::medias::repost).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_REPOST)
}
