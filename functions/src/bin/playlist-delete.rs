//! Lambda `playlist-delete`: DELETE /api/playlists/{url} — delete a playlist (see mediashare::api::playlists::delete).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_DELETE)
}
