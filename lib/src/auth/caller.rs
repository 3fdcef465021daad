//! Who is calling: a bearer access token or an API key, checked against the live account on
//! every request so a deleted account, a replaced key or a password change takes effect at once.

use crate::ctx::Ctx;
use crate::domain::{DomainError, User, Username};
use crate::http::Req;

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Authorization: Bearer <JWT>`.
    AccessToken,
    /// `X-Api-Key`.
    ApiKey,
}

/// The authenticated account.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The live account.
    pub user: User,
    /// How it authenticated.
    pub method: Method,
}

impl Caller {
    /// Resolves the credentials of `req`; `None` when it carries none.
    pub async fn authenticate(ctx: &Ctx, req: &Req) -> Result<Option<Caller>, DomainError> {
        if let Some(header) = req.header("authorization") {
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| DomainError::Unauthenticated("use `Authorization: Bearer <access token>`".into()))?;
            let claims = super::jwt::verify(&ctx.keys, token)?;
            let revoked = || DomainError::Unauthenticated("the access token is no longer valid".into());
            let username = Username::parse(&claims.sub).map_err(|_| revoked())?;
            let user = ctx.store.get_user(&username).await?.ok_or_else(revoked)?;
            // `iat` has second precision: a token from the second of a password change survives
            // until it expires (≤ 15 min); its refresh token does not.
            if user.id.0 != claims.uid || claims.iat < user.tokens_valid_after / 1000 {
                return Err(revoked());
            }
            return Ok(Some(Caller { user, method: Method::AccessToken }));
        }
        if let Some(key) = req.header("x-api-key") {
            let invalid = || DomainError::Unauthenticated("invalid API key".into());
            let hash = super::random::sha256_hex(key.trim());
            let (username, uid) = ctx.store.api_key_owner(&hash).await?.ok_or_else(invalid)?;
            let user = ctx.store.get_user(&username).await?.ok_or_else(invalid)?;
            if user.id != uid || user.api_key_hash.as_deref() != Some(hash.as_str()) {
                return Err(invalid());
            }
            return Ok(Some(Caller { user, method: Method::ApiKey }));
        }
        Ok(None)
    }
}
