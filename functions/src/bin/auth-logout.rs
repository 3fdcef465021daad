//! Lambda `auth-logout`: POST /api/auth/logout — log out (see mediashare::api::auth::logout).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::AUTH_LOGOUT)
}
