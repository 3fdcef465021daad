//! Lambda `media-unlike`: DELETE /api/medias/{url}/likes — unlike a media (see mediashare::api::medias::unlike).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MEDIA_UNLIKE)
}
