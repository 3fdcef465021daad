//! Lambda `playlist-create`: POST /api/playlists — create a playlist (see mediashare::api::playlists::create).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_CREATE)
}
