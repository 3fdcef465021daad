//! Lambda `media-cover`: PUT /api/medias/{url}/cover — presigned upload of a music cover (see mediashare::api::uploads::cover).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_COVER)
}
