//! Lambda `media-subtitles`: PUT /api/medias/{url}/subtitles/{lang} — presigned upload of a subtitle track (see mediashare::api::uploads::subtitles).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_SUBTITLES)
}
