//! Lambda `upload-music`: POST /api/musics/upload — presigned upload of a music (see mediashare::api::uploads::music).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::UPLOAD_MUSIC)
}
