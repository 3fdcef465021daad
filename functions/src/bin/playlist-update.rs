//! Lambda `playlist-update`: PUT /api/playlists/{url} — update title and description (see mediashare::api::playlists::update).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_UPDATE)
}
