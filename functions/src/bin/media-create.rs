//! Lambda `media-create`: POST /api/medias — publish a media or a text post (see mediashare::api::medias::create).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_CREATE)
}
