//! Lambda `upload-video`: POST /api/videos/upload — presigned upload of a video (see mediashare::api::uploads::video).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::UPLOAD_VIDEO)
}
