//! Bearer tokens: signed JWTs (HS256) naming the tenant, the user, the role and the CRM user, and
//! the per-token rate limit. The [`Caller`] extractor guards every `/v1` and `/dev` ingest route.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::Failure;
use super::AppState;
use crate::wire::{Role, SIDEBAR_HOST_HEADER};

/// The audience every API token is minted for.
pub const AUDIENCE: &str = "marketing-api";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub aud: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    pub iat: i64,
    /// The user's id.
    pub sub: String,
    pub tenant: i64,
    pub role: Role,
    pub crm_user: String,
    /// The CRM connection the token was minted for (the SSO exchange's, or the tenant's
    /// `generic` one for a development token); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<i64>,
    /// The exact origins of that connection when the token was minted: the CRM pages the
    /// plugin may use it from (fixed for the token's life, as its role is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connection_origins: Vec<String>,
}

impl Claims {
    pub fn new(
        tenant: i64,
        user: i64,
        role: Role,
        crm_user: &str,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Claims {
            aud: AUDIENCE.to_owned(),
            exp: expires_at.timestamp(),
            iat: Utc::now().timestamp(),
            sub: user.to_string(),
            tenant,
            role,
            crm_user: crm_user.to_owned(),
            connection: None,
            connection_origins: Vec::new(),
        }
    }

    /// Binds the token to the CRM connection `id` and the origins it serves.
    pub fn for_connection(mut self, id: i64, origins: Vec<String>) -> Self {
        self.connection = Some(id);
        self.connection_origins = origins;
        self
    }

    /// Whether the plugin may use the token inside the CRM page `host`: only inside an origin
    /// of its connection, so a token bound to none serves no page.
    pub fn serves_host(&self, host: &str) -> bool {
        self.connection_origins.iter().any(|origin| origin == host)
    }
}

pub fn mint(secret: &[u8], claims: &Claims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing cannot fail")
}

/// Checks signature, audience and expiry (no leeway: a token is dead at `exp`).
pub fn verify(secret: &[u8], token: &str) -> Result<Claims, Failure> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    match jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation) {
        Ok(data) => Ok(data.claims),
        Err(error) => Err(match error.kind() {
            ErrorKind::ExpiredSignature => Failure::token_expired(),
            ErrorKind::InvalidAudience => {
                Failure::token_invalid("The token was not issued for this API.")
            }
            ErrorKind::InvalidSignature => {
                Failure::token_invalid("The token signature is invalid.")
            }
            _ => Failure::token_invalid("The token is malformed."),
        }),
    }
}

/// A fresh random signing secret, from the OS-seeded hasher keys of the standard library.
pub fn random_secret() -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    (0..4)
        .flat_map(|_| {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            hasher.finish().to_le_bytes()
        })
        .collect()
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub tenant_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub crm_user: String,
    /// The CRM connection the token is bound to.
    pub connection_id: Option<i64>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| Failure::token_invalid("A bearer token is required."))?;
        let token = value
            .to_str()
            .ok()
            // The scheme's name is case-insensitive (RFC 7235).
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Failure::token_invalid("The Authorization header must be 'Bearer <token>'.")
            })?;
        let claims = verify(&state.config.jwt_secret, token)?;
        state.limiter.check(token)?;
        // Only the plugin names its host; without one there is no CRM page to check (the
        // token's holder can read what it grants anyway).
        if let Some(host) = parts.headers.get(SIDEBAR_HOST_HEADER) {
            let host = host.to_str().unwrap_or_default();
            if !claims.serves_host(host) {
                return Err(Failure::host_not_connected(host));
            }
        }
        let user_id = claims
            .sub
            .parse()
            .map_err(|_| Failure::token_invalid("The token names no user."))?;
        Ok(Caller {
            tenant_id: claims.tenant,
            user_id,
            role: claims.role,
            crm_user: claims.crm_user,
            connection_id: claims.connection,
        })
    }
}

/// A token bucket per token: `per_minute` requests a minute, bursting up to the same number.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), Failure> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            // Tokens live minutes; forget buckets that have refilled completely.
            buckets.retain(|_, b| now.duration_since(b.updated) < Duration::from_secs(60));
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil().max(1.0);
            Err(Failure::rate_limited(wait as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ErrorCode;

    const SECRET: &[u8] = b"test-secret";

    fn claims(expires_in: i64) -> Claims {
        Claims::new(
            1,
            2,
            Role::Rep,
            "rep-ava",
            Utc::now() + chrono::Duration::seconds(expires_in),
        )
    }

    #[test]
    fn a_minted_token_verifies() {
        let token = mint(SECRET, &claims(60));
        assert_eq!(verify(SECRET, &token).unwrap().crm_user, "rep-ava");
    }

    #[test]
    fn each_token_failure_has_its_code() {
        let expired = mint(SECRET, &claims(-1));
        assert_eq!(
            verify(SECRET, &expired).unwrap_err().error.code,
            ErrorCode::TokenExpired
        );
        let foreign = mint(b"other", &claims(60));
        assert_eq!(
            verify(SECRET, &foreign).unwrap_err().error.code,
            ErrorCode::TokenInvalid
        );
        let mut wrong_audience = claims(60);
        wrong_audience.aud = "crm".into();
        let wrong = mint(SECRET, &wrong_audience);
        assert_eq!(
            verify(SECRET, &wrong).unwrap_err().error.code,
            ErrorCode::TokenInvalid
        );
        assert_eq!(
            verify(SECRET, "not.a.jwt").unwrap_err().error.code,
            ErrorCode::TokenInvalid
        );
    }

    #[test]
    fn a_token_serves_exactly_the_origins_of_its_connection() {
        let bound = claims(60).for_connection(
            7,
            vec![
                "https://contoso.crm4.dynamics.com".into(),
                "http://127.0.0.1:8788".into(),
            ],
        );
        let token = mint(SECRET, &bound);
        let verified = verify(SECRET, &token).unwrap();
        assert_eq!(verified.connection, Some(7));
        assert!(verified.serves_host("https://contoso.crm4.dynamics.com"));
        assert!(verified.serves_host("http://127.0.0.1:8788"));
        for other in [
            "https://fabrikam.crm4.dynamics.com",
            "https://contoso.crm4.dynamics.com/",
            "https://CONTOSO.crm4.dynamics.com",
            "http://x.localhost:8788",
            "",
        ] {
            assert!(!verified.serves_host(other), "{other}");
        }
        assert!(
            !verify(SECRET, &mint(SECRET, &claims(60)))
                .unwrap()
                .serves_host("http://127.0.0.1:8788"),
            "a token bound to no connection serves no page"
        );
    }

    #[test]
    fn the_rate_limit_refuses_past_the_budget_and_says_when_to_retry() {
        let limiter = RateLimiter::new(3);
        for _ in 0..3 {
            limiter.check("t").unwrap();
        }
        let refused = limiter.check("t").unwrap_err();
        assert_eq!(refused.error.code, ErrorCode::RateLimited);
        assert!(refused.retry_after_seconds.unwrap() >= 1);
        limiter.check("another token").unwrap();
    }

    #[test]
    fn random_secrets_differ() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 32);
    }
}
