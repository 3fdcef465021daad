//! Lambda `user-profile-photo`: PUT /api/users/{username}/profile-photo — presigned upload of the avatar (see mediashare::api::uploads::profile_photo).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_PROFILE_PHOTO)
}
