//! Lambda `file-photo`: GET /api/photos/{url} — 302 to a processed image (see mediashare::api::files::photo).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::FILE_PHOTO)
}
