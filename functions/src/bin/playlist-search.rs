//! Lambda `playlist-search`: GET /api/playlists/search/{term} — playlists by title word prefix (see mediashare::api::playlists::search).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_SEARCH)
}
