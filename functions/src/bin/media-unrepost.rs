//! Lambda `media-unrepost`: DELETE /api/medias/{url}/reposts — undo a repost (see mediashare::api::medias::unrepost).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_UNREPOST)
}
