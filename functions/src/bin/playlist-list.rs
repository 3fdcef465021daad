//! Lambda `playlist-list`: GET /api/playlists — list playlists, newest first (see mediashare::api::playlists::list).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_LIST)
}
