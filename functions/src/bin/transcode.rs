//! Lambda `transcode`: SQS of S3 ObjectCreated notifications — checks, transcodes with ffmpeg, publishes and links uploads (see mediashare::transcode::handle).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::TRANSCODE)
}
