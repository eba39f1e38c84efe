//! Wire types of the SSO exchange (`POST /v1/sso/exchange`): what the CRM host hands the platform
//! to prove who its user is. The answer is a [`super::TokenResponse`], the platform's own token.

use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

/// The platform's token lives at most this long, whatever the CRM's sign-in says.
pub const SSO_TOKEN_MAX_SECONDS: i64 = 15 * 60;

/// `POST /v1/sso/exchange`: the CRM's proof of its user, told apart by `kind`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SsoExchange {
    /// An Entra ID access token for the platform's application (Dynamics 365, or any host whose
    /// users sign in with Microsoft): an RS256 JWT whose `tid` and `oid` name the user.
    #[serde(rename_all = "camelCase")]
    EntraId { assertion: String },
    /// The signed request Salesforce posts to a canvas app: `<signature>.<payload>`, both
    /// base64, the signature an HMAC-SHA256 of the payload with the connected app's consumer
    /// secret.
    #[serde(rename_all = "camelCase")]
    SalesforceCanvas { signed_request: String },
}

/// Credentials are never printed, so a `{:?}` cannot put one in a log.
impl std::fmt::Debug for SsoExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SsoExchange::EntraId { .. } => f.write_str("EntraId { assertion: <redacted> }"),
            SsoExchange::SalesforceCanvas { .. } => {
                f.write_str("SalesforceCanvas { signed_request: <redacted> }")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_tells_the_credential_apart() {
        let entra: SsoExchange =
            serde_json::from_str(r#"{"kind":"entraId","assertion":"a.b.c"}"#).unwrap();
        assert_eq!(
            entra,
            SsoExchange::EntraId {
                assertion: "a.b.c".into()
            }
        );
        let canvas: SsoExchange =
            serde_json::from_str(r#"{"kind":"salesforceCanvas","signedRequest":"s.p"}"#).unwrap();
        assert_eq!(
            canvas,
            SsoExchange::SalesforceCanvas {
                signed_request: "s.p".into()
            }
        );
        assert!(serde_json::from_str::<SsoExchange>(r#"{"kind":"saml","assertion":"x"}"#).is_err());
        assert!(serde_json::from_str::<SsoExchange>(r#"{"kind":"entraId"}"#).is_err());
    }

    #[test]
    fn credentials_are_never_printed() {
        let printed = format!(
            "{:?}",
            SsoExchange::SalesforceCanvas {
                signed_request: "sig.payload".into()
            }
        );
        assert!(!printed.contains("sig.payload"), "{printed}");
    }
}
