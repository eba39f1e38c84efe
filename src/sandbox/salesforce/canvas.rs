//! `POST /salesforce/canvas`: where Salesforce posts the canvas app's signed request.
//!
//! The request is verified by the SSO exchange (the connection whose org id it names, its consumer
//! secret, `issuedAt` freshness, the user's mapping), which also mints the platform token. The
//! answer is the host shell page: `www/host/salesforce-canvas.js` over `sidebar-host.js`, framed
//! only by the connection's Salesforce origins, with what it needs in a JSON data block. A refusal
//! is a page that says which check failed, and never echoes the request.
//!
//! The shell lives on the host origin, not the plugin's: it frames the plugin, and a frame allowed
//! scripts and its own origin must not share its parent's origin.

use axum::body::Bytes;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::api_version;
use crate::protocol::{Manifest, View};
use crate::sandbox::error::Failure;
use crate::sandbox::http::QueryParams;
use crate::sandbox::{connections, sso, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/salesforce/canvas", post(canvas))
}

/// What the exchange gives for a signed request it accepted.
pub struct CanvasSignIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The connection's Salesforce origins: the only pages that may frame the shell.
    pub salesforce_origins: Vec<String>,
}

/// The SSO exchange's verdict on the signed request, and the origins of the connection it came
/// through.
async fn sign_in(
    state: &AppState,
    client: IpAddr,
    signed_request: String,
) -> Result<CanvasSignIn, Failure> {
    let (token, connection) = sso::canvas_sign_in(state, client, signed_request).await?;
    let origins = state
        .db
        .run(move |conn| Ok(connections::origins_of(conn, connection)?.unwrap_or_default()))
        .await?;
    Ok(CanvasSignIn {
        token: token.token,
        expires_at: token.expires_at,
        salesforce_origins: origins,
    })
}

/// The parts of the (verified) signed request the shell uses. The refresh token is not among
/// them: the page never sees it.
#[derive(Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CanvasRequest {
    client: CanvasClient,
    context: CanvasContext,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CanvasClient {
    oauth_token: String,
    instance_url: String,
    target_origin: Option<String>,
    instance_id: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct CanvasContext {
    user: CanvasUser,
    environment: CanvasEnvironment,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CanvasUser {
    user_id: String,
    full_name: Option<String>,
    user_name: Option<String>,
    locale: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct CanvasEnvironment {
    parameters: Value,
    record: Value,
}

/// What the shell page reads from its JSON data block.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShellSession {
    token: String,
    expires_at: String,
    view: String,
    plugin_url: String,
    exchange_url: String,
    api_version: &'static str,
    client: CanvasClient,
    context: CanvasContext,
}

async fn canvas(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(signed_request) = form_urlencoded::parse(&body)
        .find(|(name, _)| name == "signed_request")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
    else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Salesforce sent no signed request. Open the sidebar from a Salesforce page.",
        );
    };
    let signed_in = match sign_in(&state, peer.ip(), signed_request.clone()).await {
        Ok(signed_in) => signed_in,
        Err(failure) => return refusal(failure.status, &failure.error.message),
    };
    // Verified above: reading the payload now reads what Salesforce signed.
    let Some(request) = payload(&signed_request) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "The signed request's payload could not be read.",
        );
    };
    let Some(instance) = origin_of(&request.client.instance_url) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "The signed request names no usable Salesforce instance URL.",
        );
    };
    let view = request
        .context
        .environment
        .parameters
        .get("view")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| QueryParams::parse(query).get("view").map(str::to_owned))
        .filter(|view| View::parse(view).is_some())
        .unwrap_or_else(|| "activity".to_owned());
    let session = ShellSession {
        token: signed_in.token,
        expires_at: signed_in
            .expires_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        view,
        plugin_url: format!("{}/index.html", state.api_origin),
        exchange_url: format!("{}/v1/sso/exchange", state.api_origin),
        api_version: api_version(),
        client: request.client,
        context: request.context,
    };
    let csp = shell_csp(&instance, &state.api_origin, &signed_in.salesforce_origins);
    page(StatusCode::OK, &csp, &shell_html(&instance, &session))
}

/// The JSON payload of `<signature>.<payload>`, base64 (Salesforce pads it; URL-safe is taken too).
fn payload(signed_request: &str) -> Option<CanvasRequest> {
    let encoded = signed_request.split_once('.')?.1;
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `scheme://host[:port]` of an instance URL, or None for anything a CSP source or a script URL
/// could be bent by. Plain http only for this machine (the sandbox's stand-in).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-']);
    let loopback = host == "127.0.0.1" || host == "localhost";
    let path_ok = rest[authority.len()..]
        .chars()
        .all(|c| c.is_ascii_graphic() && !"\"'<>\\`;,".contains(c));
    if !host_ok || !path_ok || !(scheme == "https" || (scheme == "http" && loopback)) {
        return None;
    }
    Some(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Scripts from this origin and the Salesforce instance (its canvas SDK), calls to the platform
/// API and the instance's REST API, the plugin in a frame, and framed by the connection's
/// Salesforce pages only.
fn shell_csp(instance: &str, api_origin: &str, salesforce_origins: &[String]) -> String {
    let ancestors = if salesforce_origins.is_empty() {
        "'none'".to_owned()
    } else {
        salesforce_origins.join(" ")
    };
    format!(
        "default-src 'none'; script-src 'self' {instance}; style-src 'self'; img-src 'self' data:; \
         connect-src {api_origin} {instance}; frame-src {api_origin}; base-uri 'none'; form-action 'none'; \
         frame-ancestors {ancestors}"
    )
}

/// JSON for a `<script type="application/json">` block: nothing in it can close the element.
fn json_data_block(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .expect("the session serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn shell_html(instance: &str, session: &ShellSession) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Marketing sidebar</title>
<link rel="stylesheet" href="/host/salesforce-canvas.css">
<script src="{instance}/canvas/sdk/js/{version}/canvas-all.js"></script>
<script src="/host/sidebar-host.js"></script>
</head>
<body>
<p id="shell-message" class="shell-message" role="alert" hidden></p>
<div id="sidebar" class="shell-sidebar"></div>
<script type="application/json" id="canvas-session">{session}</script>
<script src="/host/salesforce-canvas.js"></script>
</body>
</html>
"#,
        version = api_version(),
        session = json_data_block(session),
    )
}

/// Text for HTML content or a quoted attribute.
pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page for a refused request. It may be framed by any CRM origin the plugin may be (the org
/// is unknown when the refusal is that it is unknown); it has no script and holds only `reason`.
fn refusal(status: StatusCode, reason: &str) -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {}",
        Manifest::bundled().allowed_host_origins.join(" ")
    );
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Marketing sidebar</title>
<link rel="stylesheet" href="/host/salesforce-canvas.css">
</head>
<body>
<main class="shell-refusal">
<h1>The marketing sidebar could not open</h1>
<p id="refusal-reason">{reason}</p>
<p>If this keeps happening, ask your Salesforce admin to check the Marketing Sidebar connection.</p>
</main>
</body>
</html>
"#,
        reason = escape_html(reason)
    );
    page(status, &csp, &html)
}

fn page(status: StatusCode, csp: &str, html: &str) -> Response {
    let mut response = (status, html.to_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page holds tokens: no cache may keep it.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match HeaderValue::from_str(csp) {
        Ok(value) => {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
            response
        }
        // Origins that cannot be a header are not origins: answer nothing rather than unguarded.
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The connection's origins are not valid.",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_urls_become_origins_or_are_refused() {
        assert_eq!(
            origin_of("https://acme.my.salesforce.com").as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(
            origin_of("https://acme.my.salesforce.com/").as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8788").as_deref(),
            Some("http://127.0.0.1:8788")
        );
        for bad in [
            "http://acme.my.salesforce.com",
            "javascript:alert(1)",
            "https://acme.example.com; script-src *",
            "https://acme.example.com/\"><script>",
            "https:///path",
            "ftp://acme.example.com",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_session_block_cannot_close_its_script_element() {
        let block =
            json_data_block(&serde_json::json!({"name": "</script><script>alert(1)</script>"}));
        assert!(!block.contains('<'), "{block}");
        let back: Value = serde_json::from_str(&block).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn the_shell_is_framed_only_by_the_connections_origins() {
        let csp = shell_csp(
            "https://acme.my.salesforce.com",
            "https://plugin.example.com",
            &[
                "https://acme.lightning.force.com".into(),
                "https://acme--c.vf.force.com".into(),
            ],
        );
        assert!(csp.ends_with(
            "frame-ancestors https://acme.lightning.force.com https://acme--c.vf.force.com"
        ));
        assert!(csp.contains("script-src 'self' https://acme.my.salesforce.com;"));
        assert!(
            csp.contains("connect-src https://plugin.example.com https://acme.my.salesforce.com;")
        );
        assert!(shell_csp("https://a.example", "https://p.example", &[])
            .ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn a_refusal_page_shows_the_reason_as_text() {
        let response = refusal(
            StatusCode::UNAUTHORIZED,
            "The user <b>005</b> is not a sales user.",
        );
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'self';"),
            "{csp}"
        );
    }
}
