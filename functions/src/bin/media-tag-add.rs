//! Lambda `media-tag-add`: POST /api/medias/{url}/tag/{name} — add a tag (see mediashare::api::medias::add_tag).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_TAG_ADD)
}
