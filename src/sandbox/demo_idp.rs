//! The demo identity provider, on the host origin: it stands in for Microsoft's sign-in for the
//! demo CRM. It has an RSA key of its own (made on first use, never stored), publishes it at
//! [`JWKS_PATH`], and gives the demo pages an Entra-shaped assertion for the user they show,
//! which they exchange at `POST /v1/sso/exchange` like a real CRM would. The seed's demo
//! connections trust it (their JWKS URL is [`JWKS_PATH`]). Served only while the development
//! endpoints are on: like `/dev/sso/token`, it signs anyone in who asks.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::connections::entra_issuer;
use super::error::{ApiResult, Failure};
use super::http::parse_body;
use super::AppState;

/// Where the demo identity provider publishes its key; a connection whose JWKS URL is this path
/// trusts it.
pub const JWKS_PATH: &str = "/demo-idp/.well-known/jwks.json";
/// Where the demo pages ask for an assertion: `{"user": "rep-ava", "lifetimeSeconds": 900}`.
pub const ASSERTION_PATH: &str = "/demo-idp/assertion";
const DEFAULT_LIFETIME_SECONDS: u32 = 900;
/// Entra's access tokens live about an hour.
const MAX_LIFETIME_SECONDS: u32 = 3600;

/// The demo identity provider's signing key.
struct SigningKey {
    encoding: EncodingKey,
    public: Jwk,
}

/// The demo identity provider's key, made when it is first needed: generating one takes a
/// moment, and most sandboxes (tests, benchmarks) never sign in through it.
#[derive(Default)]
pub struct DemoIdp {
    key: tokio::sync::OnceCell<SigningKey>,
}

impl DemoIdp {
    async fn key(&self) -> ApiResult<&SigningKey> {
        self.key
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(new_key)
                    .await
                    .map_err(Failure::internal)?
            })
            .await
    }
}

fn new_key() -> ApiResult<SigningKey> {
    let private =
        RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(Failure::internal)?;
    let der = private.to_pkcs1_der().map_err(Failure::internal)?;
    let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
    let kid = Sha256::digest(n.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(SigningKey {
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        public: Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                key_id: Some(kid),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n,
                e,
            }),
        },
    })
}

/// The demo identity provider's routes, merged into the host origin's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(JWKS_PATH, get(jwks))
        .route(ASSERTION_PATH, post(assertion))
}

async fn jwks(State(state): State<AppState>) -> ApiResult<Json<JwkSet>> {
    let key = state.sso.demo_idp.key().await?;
    Ok(Json(JwkSet {
        keys: vec![key.public.clone()],
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssertionRequest {
    /// The platform user the demo page shows, by user name (`rep-ava`).
    user: String,
    #[serde(default)]
    lifetime_seconds: Option<u32>,
}

#[derive(Serialize)]
struct AssertionAnswer {
    assertion: String,
}

/// What Entra would put in an access token for the platform's application.
#[derive(Serialize)]
struct EntraClaims {
    iss: String,
    aud: String,
    tid: String,
    oid: String,
    sub: String,
    name: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    ver: &'static str,
}

/// An assertion for the user, from the demo connection they are a sales user of.
async fn assertion(State(state): State<AppState>, body: Bytes) -> ApiResult<impl IntoResponse> {
    let request: AssertionRequest = parse_body(&body)?;
    let lifetime = request.lifetime_seconds.unwrap_or(DEFAULT_LIFETIME_SECONDS);
    if !(1..=MAX_LIFETIME_SECONDS).contains(&lifetime) {
        return Err(Failure::invalid(
            "lifetimeSeconds",
            format!("'lifetimeSeconds' must be from 1 to {MAX_LIFETIME_SECONDS}."),
        ));
    }
    let user = request.user.clone();
    let found = state
        .db
        .run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT c.entra_tenant_id, c.application_id, s.crm_user_id, u.name
                     FROM sales_users s
                     JOIN crm_connections c ON c.id = s.connection_id
                     JOIN users u ON u.id = s.user_id
                     WHERE c.jwks_url = ?1 AND u.crm_user = ?2
                     ORDER BY c.id LIMIT 1",
                    [JWKS_PATH, &user],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                        ))
                    },
                )
                .optional()?)
        })
        .await?;
    let Some((tenant, application, oid, name)) = found else {
        return Err(Failure::not_found(
            "The demo identity provider has no such user.",
        ));
    };
    let key = state.sso.demo_idp.key().await?;
    let now = Utc::now().timestamp();
    let claims = EntraClaims {
        iss: entra_issuer(&tenant),
        aud: application,
        tid: tenant,
        sub: oid.clone(),
        oid,
        name,
        iat: now,
        nbf: now,
        exp: now + i64::from(lifetime),
        ver: "2.0",
    };
    let mut jwt_header = Header::new(Algorithm::RS256);
    jwt_header.kid = key.public.common.key_id.clone();
    let assertion =
        jsonwebtoken::encode(&jwt_header, &claims, &key.encoding).map_err(Failure::internal)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(AssertionAnswer { assertion }),
    ))
}
