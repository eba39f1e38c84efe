//! Salesforce canvas signed requests: what Salesforce posts to a canvas app, signed with the
//! connected app's consumer secret, which only Salesforce and the platform know.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::{refused, SignedIn};
use crate::sandbox::connections::{self, Trust};
use crate::sandbox::error::Failure;
use crate::sandbox::Db;
use crate::wire::SSO_TOKEN_MAX_SECONDS;

/// How old a signed request may be: older ones are replays.
pub const MAX_AGE_SECONDS: i64 = 5 * 60;
/// How far ahead of this clock a signed request may say it was issued.
const CLOCK_SKEW_SECONDS: i64 = 60;
/// A signed request carries the user's whole context, a few kilobytes.
const MAX_SIGNED_REQUEST_BYTES: usize = 64 * 1024;

/// The fields of the canvas request the exchange reads; the rest is left alone.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasRequest {
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    issued_at: Option<serde_json::Value>,
    #[serde(default)]
    context: CanvasContext,
}

#[derive(Default, Deserialize)]
struct CanvasContext {
    #[serde(default)]
    user: Option<CanvasUser>,
    #[serde(default)]
    organization: Option<CanvasOrganization>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasUser {
    user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasOrganization {
    organization_id: Option<String>,
}

/// Checks a signed request `<signature>.<payload>` against the connection of its org.
pub(super) async fn verify(
    db: &Db,
    signed_request: String,
    now: DateTime<Utc>,
) -> Result<SignedIn, Failure> {
    if signed_request.len() > MAX_SIGNED_REQUEST_BYTES {
        return Err(refused("The signed request is too long."));
    }
    let Some((signature, payload)) = signed_request.split_once('.') else {
        return Err(refused("A signed request is '<signature>.<payload>'."));
    };
    // Read before the signature is checked, only to find whose secret checks it.
    let request: CanvasRequest = STANDARD
        .decode(payload)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(|| refused("The signed request's payload is not base64 JSON."))?;
    let org_id = request
        .context
        .organization
        .and_then(|org| org.organization_id)
        .ok_or_else(|| {
            refused("The signed request names no org (context.organization.organizationId).")
        })?;
    let connection = db
        .run(move |conn| Ok(connections::for_salesforce_org(conn, &org_id)?))
        .await?
        .ok_or_else(|| refused("No connection has this Salesforce org."))?;
    let Trust::SalesforceCanvas {
        consumer_secret, ..
    } = &connection.trust
    else {
        return Err(Failure::internal("a Salesforce lookup found another kind"));
    };
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| refused("The signed request's signature is not base64."))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(consumer_secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&signature).map_err(|_| {
        refused("The signed request's signature does not match the connection's consumer secret.")
    })?;
    if request.algorithm.as_deref() != Some("HMACSHA256") {
        return Err(refused(
            "The signed request's algorithm must be HMACSHA256.",
        ));
    }
    let issued_at = request
        .issued_at
        .as_ref()
        .and_then(serde_json::Value::as_i64)
        .and_then(unix_time)
        .ok_or_else(|| refused("The signed request has no issuedAt time."))?;
    if now - issued_at > Duration::seconds(MAX_AGE_SECONDS) {
        return Err(refused("The signed request is more than 5 minutes old."));
    }
    if issued_at - now > Duration::seconds(CLOCK_SKEW_SECONDS) {
        return Err(refused("The signed request's issuedAt is in the future."));
    }
    let user_id = request
        .context
        .user
        .and_then(|user| user.user_id)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| refused("The signed request names no user (context.user.userId)."))?;
    Ok(SignedIn {
        connection_id: connection.id,
        crm_user_id: user_id.trim().to_owned(),
        vouched_until: now + Duration::seconds(SSO_TOKEN_MAX_SECONDS),
    })
}

/// A Unix time in seconds, or in milliseconds as Java writes it (numbers from 10^11 on, as a
/// JWT's seconds will not reach them for thousands of years).
fn unix_time(number: i64) -> Option<DateTime<Utc>> {
    if number >= 100_000_000_000 {
        DateTime::from_timestamp_millis(number)
    } else {
        DateTime::from_timestamp(number, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_at_is_read_in_seconds_or_milliseconds() {
        let at = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        assert_eq!(unix_time(1_780_000_000), Some(at));
        assert_eq!(unix_time(1_780_000_000_000), Some(at));
    }
}
