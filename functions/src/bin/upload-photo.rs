//! Lambda `upload-photo`: POST /api/photos/upload — presigned upload of a photo (see mediashare::api::uploads::photo).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::UPLOAD_PHOTO)
}
