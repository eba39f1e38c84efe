//! A demo Salesforce org on the host origin, for trying the canvas app (and testing it) without
//! an org: pages that play a Lightning record page and a list view button's Visualforce page, and
//! stand-ins for the canvas SDK scripts Salesforce serves.
//!
//! - `GET /salesforce/demo/record?entity=lead&id=…&user=…`: the record page. It posts a signed
//!   request, signed here, to `/salesforce/canvas` in a frame, as `force:canvasApp` does.
//! - `GET /salesforce/demo/list?entity=lead&ids=a,b,c&user=…`: the "Send marketing email" list
//!   button's page, with the package's own selection script (`MarketingSidebarSelection.js`).
//! - `GET /salesforce/demo/signed-request?…`: a fresh signed request for the same page, which the
//!   parent side of the canvas SDK answers `refreshSignedRequest` with.
//! - `GET /canvas/sdk/js/<api>/canvas-all.js` and `controller.js`: the frame's and the page's
//!   side of the canvas SDK (`www/demo/salesforce/`), at the paths an instance serves them.
//!
//! The demo org is a `salesforce` connection of Contoso (tenant B) framed by this host origin. Its
//! consumer secret is random, made when the connection is, and never leaves the server: only the
//! signed requests do, which Salesforce too puts in the page. The OAuth token in them is the REST
//! stand-in's for the user, and `instanceUrl` is this origin, where the stand-in answers.
//! Served only with the development endpoints.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::canvas::escape_html;
use super::{api_version, standin};
use crate::protocol::Secret;
use crate::sandbox::connections::{self, PlatformUser, Trust};
use crate::sandbox::error::Failure;
use crate::sandbox::http::QueryParams;
use crate::sandbox::seed::{MANAGER_B, REP_B, TENANT_B};
use crate::sandbox::{auth, db, AppState};

/// The demo org's id, and its users' Salesforce ids with the platform users they sign in as.
pub const DEMO_ORG_ID: &str = "00D000000DEMOorgAA";
pub const DEMO_USERS: [(&str, &str, &str); 2] = [
    (REP_B, "005000000DEMOyanAA", "Yan Li"),
    (MANAGER_B, "005000000DEMOzoeAA", "Zoe Park"),
];
/// The canvas app's id on the list page, which the selection script publishes to.
const CANVAS_ID: &str = "marketingSidebar";
const SELECTION_SCRIPT: &str =
    include_str!("../../../manifest/salesforce/force-app/main/default/staticresources/MarketingSidebarSelection.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/salesforce/demo/record", get(record_page))
        .route("/salesforce/demo/list", get(list_page))
        .route("/salesforce/demo/signed-request", get(fresh_signed_request))
        .route(
            "/salesforce/demo/MarketingSidebarSelection.js",
            get(selection_script),
        )
        .route("/canvas/sdk/js/{version}/{file}", get(canvas_sdk))
}

/// What a demo page is: the record it sits on, or the list view's selection.
struct DemoPage {
    user: String,
    entity: String,
    record: Option<String>,
    selection: Vec<String>,
}

impl DemoPage {
    fn from_query(query: &QueryParams) -> DemoPage {
        DemoPage {
            user: query.get("user").unwrap_or(REP_B).to_owned(),
            entity: query.get("entity").unwrap_or("lead").to_owned(),
            record: query.get("id").map(str::to_owned),
            selection: query
                .get("ids")
                .map(|ids| {
                    ids.split(',')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn object(&self) -> &'static str {
        match self.entity.as_str() {
            "contact" => "Contact",
            "account" => "Account",
            _ => "Lead",
        }
    }

    /// The canvas parameters: the record component's, or the list button page's.
    fn parameters(&self) -> Value {
        match &self.record {
            Some(id) => json!({"view": "activity", "recordId": id, "sObjectName": self.object()}),
            None => json!({"view": "send", "entity": self.entity, "selection": "listView"}),
        }
    }
}

/// The demo org's consumer secret, making its connection first if it is missing or framed by
/// another origin (the host's port may differ between runs of one database).
fn demo_org_secret(conn: &mut rusqlite::Connection, host_origin: &str) -> Result<Secret, Failure> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if let Some(existing) = connections::for_salesforce_org(&tx, DEMO_ORG_ID)? {
        match existing.trust {
            Trust::SalesforceCanvas {
                consumer_secret, ..
            } if existing.origins == [host_origin] => return Ok(consumer_secret),
            _ => {
                connections::remove(&tx, existing.id).map_err(Failure::internal)?;
            }
        }
    }
    let secret: String = auth::random_secret()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let tenant = db::tenant_id(&tx, TENANT_B)?;
    let connection = connections::add(
        &tx,
        tenant,
        &[host_origin.to_owned()],
        &Trust::SalesforceCanvas {
            org_id: DEMO_ORG_ID.to_owned(),
            consumer_secret: Secret::new(secret.clone()),
        },
    )
    .map_err(Failure::internal)?;
    for (user, salesforce_id, _) in DEMO_USERS {
        connections::add_sales_user(
            &tx,
            connection.id,
            salesforce_id,
            PlatformUser::Existing(user),
        )
        .map_err(Failure::internal)?;
    }
    tx.commit()?;
    Ok(Secret::new(secret))
}

/// The signed request Salesforce would post for `page`, issued now.
async fn signed_request(state: &AppState, page: &DemoPage) -> Result<String, Failure> {
    let Some((user_id, name)) = DEMO_USERS
        .iter()
        .find(|(user, _, _)| *user == page.user)
        .map(|(_, id, name)| (*id, *name))
    else {
        return Err(Failure::not_found(format!(
            "The demo org has no user '{}'.",
            page.user
        )));
    };
    let host = state.host_origin.clone();
    let secret = state
        .db
        .run(move |conn| demo_org_secret(conn, &host))
        .await?;
    let request = json!({
        "algorithm": "HMACSHA256",
        "issuedAt": chrono::Utc::now().timestamp(),
        "userId": user_id,
        "client": {
            "oauthToken": format!("{}{}", standin::TOKEN_PREFIX, page.user),
            "instanceUrl": state.host_origin,
            "targetOrigin": state.host_origin,
            "instanceId": format!("_:MarketingSidebar:{CANVAS_ID}")
        },
        "context": {
            "user": {"userId": user_id, "userName": format!("{}@contoso.example", page.user), "fullName": name,
                     "locale": "en_US", "language": "en_US", "timeZone": "Europe/Berlin"},
            "organization": {"organizationId": DEMO_ORG_ID, "name": "Contoso (demo org)"},
            "environment": {
                "displayLocation": if page.record.is_some() { "Aura" } else { "Visualforce" },
                "parameters": page.parameters(),
                "uiTheme": "Theme4d"
            }
        }
    });
    let payload = STANDARD.encode(request.to_string());
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).map_err(Failure::internal)?;
    mac.update(payload.as_bytes());
    Ok(format!(
        "{}.{payload}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The demo pages' policy: this origin's scripts, the canvas frame and its form post, and the
/// fetch of a fresh signed request.
const PAGE_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

fn html(body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page around the canvas frame: `heading`, then `before` (the list page's selection), then
/// the form `controller.js` posts into the frame.
fn demo_page(heading: &str, before: &str, extra_script: &str, signed_request: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{heading} · Salesforce (demo)</title>
<link rel="stylesheet" href="/demo/salesforce/lightning.css">
<script src="/canvas/sdk/js/{version}/controller.js"></script>
{extra_script}</head>
<body>
<header class="sf-header"><h1>{heading}</h1>
<p>A demo Salesforce page: it posts a signed request to the Marketing Sidebar canvas app, as Lightning does.</p></header>
{before}<div id="marketing-sidebar-canvas">
<form id="canvas-form" class="canvas-form" method="post" action="/salesforce/canvas" target="{CANVAS_ID}">
<input type="hidden" name="signed_request" value="{signed_request}">
</form>
<iframe name="{CANVAS_ID}" id="{CANVAS_ID}" class="canvas-frame" title="Marketing sidebar"></iframe>
</div>
</body>
</html>
"#,
        heading = escape_html(heading),
        version = api_version(),
        signed_request = escape_html(signed_request),
    )
}

async fn record_page(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = DemoPage::from_query(&QueryParams::parse(query));
    let Some(id) = page.record.clone() else {
        return Err(Failure::invalid("id", "Name the record: ?entity=lead&id=…"));
    };
    let signed = signed_request(&state, &page).await?;
    Ok(html(demo_page(
        &format!("{} {id}", page.object()),
        "",
        "",
        &signed,
    )))
}

/// The list button's Visualforce page: the selection as `MarketingSidebarLeadSend.page` lists it, for
/// the package's script to check and publish.
async fn list_page(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = DemoPage::from_query(&QueryParams::parse(query));
    let signed = signed_request(&state, &page).await?;
    let spans: String = page
        .selection
        .iter()
        .map(|id| format!(r#"<span data-id="{}"></span>"#, escape_html(id)))
        .collect();
    let before = format!(
        r#"<div id="marketing-sidebar-selection" data-entity="{entity}" data-view="send" hidden>{spans}</div>
<p id="marketing-sidebar-message" role="alert" hidden></p>
"#,
        entity = escape_html(&page.entity),
    );
    let script = r#"<script src="/salesforce/demo/MarketingSidebarSelection.js"></script>
"#;
    let heading = format!(
        "Send marketing email to {} selected {}s",
        page.selection.len(),
        page.entity
    );
    Ok(html(demo_page(&heading, &before, script, &signed)))
}

async fn fresh_signed_request(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = DemoPage::from_query(&QueryParams::parse(query));
    let signed = signed_request(&state, &page).await?;
    let mut response = Json(json!({"signedRequest": signed})).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn script(text: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        text,
    )
        .into_response()
}

async fn selection_script() -> Response {
    script(SELECTION_SCRIPT.to_owned())
}

/// The canvas SDK stand-ins, at the instance's paths for the pinned API version only.
async fn canvas_sdk(
    State(state): State<AppState>,
    Path((version, file)): Path<(String, String)>,
) -> Response {
    if version != api_version() || !["canvas-all.js", "controller.js"].contains(&file.as_str()) {
        return (StatusCode::NOT_FOUND, "No such canvas SDK file.").into_response();
    }
    let path = state.config.www_dir.join("demo/salesforce").join(&file);
    match tokio::fs::read_to_string(&path).await {
        Ok(text) => script(text),
        Err(_) => (StatusCode::NOT_FOUND, "No such canvas SDK file.").into_response(),
    }
}
