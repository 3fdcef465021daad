//! Lambda `file-music`: GET /api/musics/{url} — 302 to the HLS audio or the m4a (see mediashare::api::files::music).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::FILE_MUSIC)
}
