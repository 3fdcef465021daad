//! Lambda `playlist-medias`: GET /api/playlists/{url}/medias — the playlist's medias in order (see mediashare::api::playlists::medias).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_MEDIAS)
}
