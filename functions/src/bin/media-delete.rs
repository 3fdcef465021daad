//! Lambda `media-delete`: DELETE /api/medias/{url} — delete a media (the rest is erased by table-events) (see mediashare::api::medias::delete).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_DELETE)
}
