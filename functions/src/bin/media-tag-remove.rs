//! Lambda `media-tag-remove`: DELETE /api/medias/{url}/tag/{name} — remove a tag (see mediashare::api::medias::remove_tag).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_TAG_REMOVE)
}
