//! Lambda `playlist-remove-media`: DELETE /api/medias/{url}/playlists/{playlistUrl} — remove a media from a playlist (see mediashare::api::playlists::remove_media).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_REMOVE_MEDIA)
}
