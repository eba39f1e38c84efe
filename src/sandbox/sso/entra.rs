//! Entra ID assertions: the access token a CRM page gets from Microsoft for the platform's
//! application (Dynamics 365, or any host whose users sign in with Microsoft).

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::jwks::KeyError;
use super::{refused, SignedIn};
use crate::sandbox::connections::{self, entra_issuer, microsoft_jwks_url, Trust};
use crate::sandbox::error::Failure;
use crate::sandbox::AppState;

/// The clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECONDS: i64 = 60;
/// Entra's access tokens are a few kilobytes; anything much longer is not one.
const MAX_ASSERTION_BYTES: usize = 16 * 1024;

/// The claims read before the signature is checked, only to find the connection whose keys
/// and rules then decide.
#[derive(Deserialize)]
struct Routing {
    tid: Option<String>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
}

/// The claims read from a verified assertion.
#[derive(Deserialize)]
struct EntraClaims {
    tid: String,
    #[serde(default)]
    oid: Option<String>,
    exp: i64,
}

/// Checks an Entra ID assertion against the connection of its tenant.
pub(super) async fn verify(
    state: &AppState,
    assertion: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, Failure> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(refused(
            "The assertion is too long to be an Entra ID token.",
        ));
    }
    // `alg: none` is no algorithm to jsonwebtoken, so such a header is refused here already;
    // HS256 (a token signed with the public key as an HMAC secret) is refused by name.
    let header = decode_header(assertion)
        .map_err(|_| refused("The assertion is not a JWT signed with RS256."))?;
    if header.alg != Algorithm::RS256 {
        return Err(refused("The assertion must be signed with RS256."));
    }
    let kid = header
        .kid
        .ok_or_else(|| refused("The assertion names no signing key (kid)."))?;
    let routing = routing_claims(assertion)?;
    let tid = routing
        .tid
        .ok_or_else(|| refused("The assertion names no Entra tenant (tid)."))?;
    let aud = match routing.aud {
        Some(serde_json::Value::String(aud)) => aud,
        Some(serde_json::Value::Array(auds)) => auds
            .first()
            .and_then(|aud| aud.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let connection = state
        .db
        .run(move |conn| Ok(connections::for_entra_tenant(conn, &tid, &aud)?))
        .await?
        .ok_or_else(|| refused("No connection trusts this Entra tenant."))?;
    let Trust::EntraId {
        tenant_id,
        application_id,
        jwks_url,
    } = &connection.trust
    else {
        return Err(Failure::internal("an Entra lookup found another kind"));
    };
    let keys_at = match jwks_url {
        // A path is on this sandbox's host origin, wherever it was bound: the demo identity
        // provider.
        Some(path) if path.starts_with('/') => format!("{}{path}", state.host_origin),
        Some(url) => url.clone(),
        None => microsoft_jwks_url(tenant_id),
    };
    let key = state
        .sso
        .keys
        .key(&keys_at, &kid)
        .await
        .map_err(|error| match error {
            KeyError::Unknown => {
                refused("The assertion's signing key (kid) is not one of the connection's keys.")
            }
            KeyError::Unavailable => refused("The connection's signing keys could not be fetched."),
        })?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = LEEWAY_SECONDS as u64;
    validation.validate_nbf = true;
    validation.set_issuer(&[entra_issuer(tenant_id)]);
    validation.set_audience(&[application_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    let claims = decode::<EntraClaims>(assertion, &key, &validation)
        .map_err(|error| refused(why(error.kind())))?
        .claims;
    // The issuer check binds the tenant already; the claim that chose the connection must say
    // the same.
    if claims.tid.to_ascii_lowercase() != *tenant_id {
        return Err(refused(
            "The assertion's tenant (tid) is not the connection's.",
        ));
    }
    let oid = claims
        .oid
        .filter(|oid| !oid.trim().is_empty())
        .ok_or_else(|| refused("The assertion names no user (oid)."))?;
    let vouched_until = DateTime::from_timestamp(claims.exp + LEEWAY_SECONDS, 0).unwrap_or(now);
    Ok(SignedIn {
        connection_id: connection.id,
        crm_user_id: oid.trim().to_ascii_lowercase(),
        vouched_until,
    })
}

/// The tenant and audience the assertion claims, read without checking anything: they only
/// choose which connection's keys and rules check it.
fn routing_claims(assertion: &str) -> Result<Routing, Failure> {
    let mut unchecked = Validation::new(Algorithm::RS256);
    unchecked.insecure_disable_signature_validation();
    unchecked.validate_exp = false;
    unchecked.validate_aud = false;
    unchecked.required_spec_claims.clear();
    decode::<Routing>(assertion, &DecodingKey::from_secret(&[]), &unchecked)
        .map(|data| data.claims)
        .map_err(|_| refused("The assertion's claims cannot be read."))
}

/// Which check an assertion failed, in the words of the refusal.
fn why(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => {
            "The assertion's signature does not match the connection's key."
        }
        ErrorKind::InvalidAlgorithm => "The assertion must be signed with RS256.",
        ErrorKind::ExpiredSignature => "The assertion has expired.",
        ErrorKind::ImmatureSignature => "The assertion is not valid yet (nbf).",
        ErrorKind::InvalidIssuer => {
            "The assertion's issuer (iss) is not the connection's Entra tenant."
        }
        ErrorKind::InvalidAudience => {
            "The assertion's audience (aud) is not the connection's application id."
        }
        ErrorKind::MissingRequiredClaim(_) => {
            "The assertion lacks a required claim (exp, iss, aud)."
        }
        _ => "The assertion is malformed.",
    }
}
