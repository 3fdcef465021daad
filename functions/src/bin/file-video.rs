//! Lambda `file-video`: GET /api/videos/{url} — 302 to the HLS master or an MP4 (see mediashare::api::files::video).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::FILE_VIDEO)
}
