//! Lambda `user-new-api-key`: PUT /api/users/{username}/newApiKey — new API key (see mediashare::api::users::new_api_key).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_NEW_API_KEY)
}
