//! Lambda `auth-refresh`: POST /api/auth/refresh — rotate a refresh token (see mediashare::api::auth::refresh).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::AUTH_REFRESH)
}
