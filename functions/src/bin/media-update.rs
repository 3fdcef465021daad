//! Lambda `media-update`: PUT /api/medias/{url} — update title and description (see mediashare::api::medias::update).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_UPDATE)
}
