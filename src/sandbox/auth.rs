//! Bearer tokens: signed JWTs (HS256) naming the tenant, the user, the role and the CRM user, and
//! the per-user rate limit. The [`Caller`] extractor guards every `/v1` and `/dev` ingest route.

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

/// The shortest signing secret the sandbox accepts: HS256's key is as strong as its secret, and
/// a shorter one can be guessed offline from any token, after which every token can be forged.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why `secret` may not sign tokens, if it may not.
pub fn check_secret(secret: &[u8]) -> Result<(), String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "the token signing secret is {} bytes; it must be at least {MIN_SECRET_BYTES} \
             (leave --jwt-secret out for a random one per start)",
            secret.len()
        ));
    }
    Ok(())
}

/// A fresh signing secret of [`MIN_SECRET_BYTES`] from the operating system's CSPRNG.
pub fn random_secret() -> Vec<u8> {
    let mut secret = vec![0; MIN_SECRET_BYTES];
    // Without the OS's randomness there is no safe secret: better not to start.
    getrandom::fill(&mut secret).expect("the operating system provides random bytes");
    secret
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
        state
            .limiter
            .check(&format!("{}/{}", claims.tenant, claims.sub))?;
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

/// Users the rate limiter keeps a bucket for at most; see [`RateLimiter::check`].
pub const MAX_RATE_BUCKETS: usize = 10_000;

/// A token bucket per user: `per_minute` requests a minute, bursting up to the same number. Keyed
/// by user, not by token, so asking for a new token does not give a user a new budget.
pub struct RateLimiter {
    per_minute: u32,
    max_buckets: usize,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_user: HashMap<String, Bucket>,
    pruned: Instant,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// A bucket left alone this long has refilled completely: forgetting it changes nothing.
const REFILL: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter::bounded(per_minute, MAX_RATE_BUCKETS)
    }

    /// A limiter keeping at most `max_buckets` buckets.
    pub fn bounded(per_minute: u32, max_buckets: usize) -> Self {
        RateLimiter {
            per_minute,
            max_buckets: max_buckets.max(1),
            buckets: Mutex::new(Buckets {
                by_user: HashMap::new(),
                pruned: Instant::now(),
            }),
        }
    }

    /// Takes one request from `user`'s bucket, or says how long to wait.
    pub fn check(&self, user: &str) -> Result<(), Failure> {
        self.check_at(user, Instant::now())
    }

    /// How many users have a bucket now.
    pub fn tracked_users(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_user
            .len()
    }

    fn check_at(&self, user: &str, now: Instant) -> Result<(), Failure> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let full = buckets.by_user.len() >= self.max_buckets;
        if now.saturating_duration_since(buckets.pruned) >= REFILL
            || (full && !buckets.by_user.contains_key(user))
        {
            buckets
                .by_user
                .retain(|_, b| now.saturating_duration_since(b.updated) < REFILL);
            buckets.pruned = now;
        }
        if buckets.by_user.len() >= self.max_buckets && !buckets.by_user.contains_key(user) {
            // Every bucket was used within the last minute: the one idle longest goes, so the
            // map stays bounded whoever calls (its user starts again with a full bucket).
            let idlest = buckets
                .by_user
                .iter()
                .min_by_key(|(_, b)| b.updated)
                .map(|(key, _)| key.clone());
            if let Some(key) = idlest {
                buckets.by_user.remove(&key);
            }
        }
        let bucket = buckets.by_user.entry(user.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
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

    const SECRET: &[u8] = b"a test secret of at least 32 bytes";

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
    fn buckets_of_idle_users_are_forgotten_and_their_number_is_bounded() {
        let limiter = RateLimiter::bounded(2, 3);
        let start = Instant::now();
        let later = start + Duration::from_millis(500);
        limiter.check_at("b", start).unwrap();
        limiter.check_at("c", start).unwrap();
        limiter.check_at("a", later).unwrap();
        limiter.check_at("a", later).unwrap();
        assert!(limiter.check_at("a", later).is_err());
        // A fourth user, all three buckets busy: one of the idlest goes, "a" (just used) stays
        // spent.
        limiter
            .check_at("d", start + Duration::from_secs(1))
            .unwrap();
        assert_eq!(limiter.tracked_users(), 3);
        assert!(limiter
            .check_at("a", start + Duration::from_secs(1))
            .is_err());
        // A minute later every bucket has refilled, and is forgotten on the next request.
        limiter
            .check_at("e", start + Duration::from_secs(62))
            .unwrap();
        assert_eq!(limiter.tracked_users(), 1);
    }

    #[test]
    fn random_secrets_differ_and_are_long_enough() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), MIN_SECRET_BYTES);
        check_secret(&random_secret()).unwrap();
    }

    #[test]
    fn a_short_secret_is_refused_with_its_length() {
        let refusal = check_secret(b"short").unwrap_err();
        assert!(refusal.contains("5 bytes"), "{refusal}");
        assert!(refusal.contains("at least 32"), "{refusal}");
        check_secret(&[7; 32]).unwrap();
    }
}
