//! Lambda `auth-jwks`: GET /.well-known/jwks.json — public signing keys (see mediashare::api::auth::jwks).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::AUTH_JWKS)
}
