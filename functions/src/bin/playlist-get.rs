//! Lambda `playlist-get`: GET /api/playlists/{url} — one playlist (see mediashare::api::playlists::get).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_GET)
}
