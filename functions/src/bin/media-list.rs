//! Lambda `media-list`: GET /api/medias — newest medias, filtered by kind, tag, owner (see mediashare::api::medias::list).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_LIST)
}
