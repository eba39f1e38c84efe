//! `POST /v1/sso/exchange`: a CRM's proof of its signed-in user becomes the platform's own
//! token, so a rep never types a second password.
//!
//! The proof is an Entra ID assertion ([`entra`]) or a Salesforce canvas signed request
//! ([`canvas`]). Either names the connection it is for (the Entra tenant, the Salesforce org)
//! and the CRM user; once every check has passed, the CRM user must be a sales user of that
//! connection. The token is bound to the tenant, the user and the connection, and lives at most
//! [`SSO_TOKEN_MAX_SECONDS`] (never longer than the CRM vouches for its sign-in). Every refusal
//! is `401 ssoInvalid` naming the check that failed, and mints nothing; a burst of refusals
//! from one client is answered `429` for a while ([`FailureLimit`]).

mod canvas;
mod entra;
pub mod jwks;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};
use utoipa::OpenApi;

use super::auth::{self, Claims, RateLimiter};
use super::connections;
use super::db::to_millis;
use super::error::{ApiResult, Failure};
use super::http::parse_body;
use super::AppState;
use crate::wire::{ErrorBody, ErrorCode, SsoExchange, TokenResponse, SSO_TOKEN_MAX_SECONDS};

/// What the exchange keeps between requests: the connections' signing keys, the clients that
/// failed too often, and the demo identity provider's key.
pub struct SsoState {
    pub keys: jwks::KeySets,
    failures: FailureLimit,
    /// The demo CRM's stand-in for Microsoft's sign-in.
    pub demo_idp: super::demo_idp::DemoIdp,
}

impl SsoState {
    /// `failures_per_minute`: refused exchanges a client may burst before it is refused for a
    /// while; 0 turns the limit off.
    pub fn new(failures_per_minute: u32) -> SsoState {
        SsoState {
            keys: jwks::KeySets::new(),
            failures: FailureLimit::new(failures_per_minute),
            demo_idp: super::demo_idp::DemoIdp::default(),
        }
    }
}

/// What a verified assertion or signed request says: the CRM user, the connection they came
/// through, and until when the CRM vouches for the sign-in.
struct SignedIn {
    connection_id: i64,
    crm_user_id: String,
    vouched_until: DateTime<Utc>,
}

/// A refused exchange: 401 `ssoInvalid`, saying which check failed (never a secret, nor what
/// the caller sent).
fn refused(message: &str) -> Failure {
    Failure::new(StatusCode::UNAUTHORIZED, ErrorCode::SsoInvalid, message)
}

/// The exchange's route, merged into the plugin origin's API router. It takes no bearer token:
/// the body is the credential.
pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/sso/exchange", post(exchange))
}

/// The OpenAPI description of the exchange, merged into the document.
#[derive(OpenApi)]
#[openapi(paths(exchange), components(schemas(SsoExchange)))]
pub struct Doc;

#[utoipa::path(post, path = "/v1/sso/exchange", tag = "session",
    description = "Exchanges the CRM's proof of its signed-in user for the platform's token (no bearer token). \
`entraId`: an Entra ID access token for the platform's application: RS256 only, its key found by `kid` in the \
connection's JWKS, `iss` `https://login.microsoftonline.com/{tid}/v2.0` of the connection's Entra tenant, `aud` the \
application id, `exp` and `nbf` with 60 s of clock skew; `tid` and `oid` name the user. `salesforceCanvas`: the \
signed request Salesforce posts to a canvas app: HMAC-SHA256 of the base64 payload with the consumer secret of the \
connection whose org id is `context.organization.organizationId`, `algorithm` `HMACSHA256`, `issuedAt` at most 5 \
minutes old; `context.user.userId` names the user. The user must be a sales user of the connection. The token is \
bound to the tenant, the user and the connection and lives at most 15 minutes, never past the assertion's `exp` \
(plus the skew). Every refusal is 401 `ssoInvalid` with the check that failed; a burst of refusals from one client \
is answered 429 `rateLimited` with `Retry-After`.",
    request_body = SsoExchange,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = ErrorBody, description = "`ssoInvalid`: the assertion or signed request was refused; nothing was minted"),
        (status = 422, body = ErrorBody, description = "`invalidParameter`: the body is not an exchange request"),
        (status = 429, body = ErrorBody, description = "`rateLimited`: too many refused exchanges from this client"),
    ))]
pub async fn exchange(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> ApiResult<Json<TokenResponse>> {
    let client = peer.ip();
    state.sso.failures.check(client)?;
    let answer = sign_in(&state, &body).await;
    if answer.is_err() {
        state.sso.failures.failed(client);
    }
    answer
}

async fn sign_in(state: &AppState, body: &Bytes) -> ApiResult<Json<TokenResponse>> {
    let request: SsoExchange = parse_body(body)?;
    let now = Utc::now();
    let signed_in = match request {
        SsoExchange::EntraId { assertion } => entra::verify(state, &assertion, now).await?,
        SsoExchange::SalesforceCanvas { signed_request } => {
            canvas::verify(&state.db, signed_request, now).await?
        }
    };
    let secret = state.config.jwt_secret.clone();
    state
        .db
        .run(move |conn| mint(conn, &secret, &signed_in, now))
        .await
        .map(Json)
}

/// The exchange for a signed request Salesforce posted to the canvas app itself
/// (`POST /salesforce/canvas`): the same checks, token and failure limit as `/v1/sso/exchange`,
/// and the connection the user came through.
pub async fn canvas_sign_in(
    state: &AppState,
    client: IpAddr,
    signed_request: String,
) -> ApiResult<(TokenResponse, i64)> {
    state.sso.failures.check(client)?;
    let now = Utc::now();
    let answer = async {
        let signed_in = canvas::verify(&state.db, signed_request, now).await?;
        let connection = signed_in.connection_id;
        let secret = state.config.jwt_secret.clone();
        let token = state
            .db
            .run(move |conn| mint(conn, &secret, &signed_in, now))
            .await?;
        Ok((token, connection))
    }
    .await;
    if answer.is_err() {
        state.sso.failures.failed(client);
    }
    answer
}

/// The platform's token for a verified sign-in, if the CRM user is a sales user of the
/// connection; each one minted is recorded in `sso_sign_ins`.
fn mint(
    conn: &Connection,
    secret: &[u8],
    signed_in: &SignedIn,
    now: DateTime<Utc>,
) -> ApiResult<TokenResponse> {
    let user = connections::sales_user(conn, signed_in.connection_id, &signed_in.crm_user_id)?
        .ok_or_else(|| refused("The user is not a sales user of this connection."))?;
    let expires_at = signed_in
        .vouched_until
        .min(now + Duration::seconds(SSO_TOKEN_MAX_SECONDS));
    let origins = connections::origins_of(conn, signed_in.connection_id)?.unwrap_or_default();
    let claims = Claims::new(
        user.tenant_id,
        user.user_id,
        user.role,
        &user.crm_user_id,
        expires_at,
    )
    .for_connection(signed_in.connection_id, origins);
    let token = auth::mint(secret, &claims);
    // The JWT carries whole seconds; report the instant it really dies.
    let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or(expires_at);
    conn.execute(
        "INSERT INTO sso_sign_ins (connection_id, user_id, signed_in_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            signed_in.connection_id,
            user.user_id,
            to_millis(now),
            to_millis(expires_at)
        ],
    )?;
    Ok(TokenResponse { token, expires_at })
}

/// Refused exchanges per client (peer address): a client may fail `per_minute` times in a
/// burst, and is then refused outright (even with a good credential) until its budget has
/// refilled enough for one more try. Guessing is slow, and a client cannot make the sandbox
/// hammer a connection's key server with made-up key ids.
struct FailureLimit {
    budget: RateLimiter,
    blocked_until: Mutex<HashMap<IpAddr, Instant>>,
}

impl FailureLimit {
    fn new(per_minute: u32) -> FailureLimit {
        FailureLimit {
            budget: RateLimiter::new(per_minute),
            blocked_until: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, client: IpAddr) -> Result<(), Failure> {
        let now = Instant::now();
        let mut blocked = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        match blocked.get(&client) {
            Some(until) if *until > now => {
                let wait = until.duration_since(now).as_secs_f64().ceil().max(1.0);
                Err(Failure::rate_limited(wait as u64))
            }
            Some(_) => {
                blocked.remove(&client);
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn failed(&self, client: IpAddr) {
        if let Err(refusal) = self.budget.check(&client.to_string()) {
            let wait = refusal.retry_after_seconds.unwrap_or(60);
            let now = Instant::now();
            let mut blocked = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
            if blocked.len() > 10_000 {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(client, now + StdDuration::from_secs(wait));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_failures_blocks_the_client_and_only_that_client() {
        let limit = FailureLimit::new(3);
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..3 {
            limit.check(client).unwrap();
            limit.failed(client);
        }
        limit.check(client).unwrap();
        limit.failed(client);
        let refusal = limit.check(client).unwrap_err();
        assert_eq!(refusal.error.code, ErrorCode::RateLimited);
        assert!(refusal.retry_after_seconds.unwrap() >= 1);
        limit.check(other).unwrap();
    }

    #[test]
    fn no_limit_when_turned_off() {
        let limit = FailureLimit::new(0);
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..100 {
            limit.failed(client);
        }
        limit.check(client).unwrap();
    }
}
