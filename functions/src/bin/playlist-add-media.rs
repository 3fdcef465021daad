//! Lambda `playlist-add-media`: POST /api/medias/{url}/playlists/{playlistUrl} — append a media to a playlist (see mediashare::api::playlists::add_media).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_ADD_MEDIA)
}
