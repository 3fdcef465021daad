//! Lambda `playlist-move-media`: PUT /api/medias/{url}/playlists/{playlistUrl} — move a media within a playlist (see mediashare::api::playlists::move_media).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::PLAYLIST_MOVE_MEDIA)
}
