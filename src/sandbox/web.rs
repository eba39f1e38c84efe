//! The two origins' routers: the plugin origin (plugin files, `/v1`, `/dev`) and the host origin
//! (the demo CRM pages and their small `/crm/api`), with CORS and the security headers.

use std::path::Path as FsPath;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::db::{from_millis, to_millis};
use super::error::{ApiResult, Failure};
use super::faults;
use super::guard::{self, ServedHosts};
use super::http::{header_name, parse_body, parse_entity, QueryParams};
use super::idempotency;
use super::records;
use super::{openapi, AppState};
use crate::protocol::Manifest;
use crate::wire::ErrorCode;

/// Headers every response of both origins carries.
fn with_common_headers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Origins that may call the API from a browser: the manifest's host origins, the demo host
/// origin as bound, and any configured extras.
fn cors_origins(state: &AppState) -> Vec<String> {
    let mut origins = Manifest::bundled().allowed_host_origins;
    origins.push(state.host_origin.clone());
    origins.extend(state.config.extra_origins.iter().cloned());
    origins.sort();
    origins.dedup();
    origins
}

/// CORS preflights are cached for an hour, so a browser pays for one per session.
pub const CORS_MAX_AGE_SECONDS: u64 = 3600;

fn cors(state: &AppState) -> CorsLayer {
    let origins = cors_origins(state);
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin
                .to_str()
                .is_ok_and(|origin| crate::host_origins::any_matches(&origins, origin))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            idempotency::key_header(),
            header_name(crate::wire::LAST_EVENT_ID_HEADER),
            header_name(crate::wire::SIDEBAR_HOST_HEADER),
        ])
        .expose_headers([header::RETRY_AFTER, idempotency::replayed_header()])
        .max_age(Duration::from_secs(CORS_MAX_AGE_SECONDS))
}

pub fn api_origin_router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/v1/me", get(records::me))
        .route(
            "/v1/records/{entity}/{crm_id}",
            get(records::record_profile),
        )
        .route(
            "/v1/records/{entity}/{crm_id}/activities",
            get(records::activities),
        )
        .route(
            "/v1/records/{entity}/{crm_id}/engagement",
            get(records::engagement),
        )
        .route("/v1/openapi.json", get(openapi_json))
        .merge(super::prospects::routes())
        .merge(super::programs::routes())
        .merge(super::sends::routes())
        .merge(super::sso::routes())
        .merge(super::dashboard::routes())
        .merge(super::events::routes())
        .route("/v1/{*rest}", get(unknown_endpoint).post(unknown_endpoint));
    if state.config.dev_endpoints {
        api = api
            .route("/dev/users", get(records::dev_users))
            .route("/dev/sso/token", post(records::dev_token))
            .route("/dev/records", post(records::dev_records))
            .route("/dev/activities", post(records::dev_activities));
    }
    // Inside CORS, so a browser can read an injected failure as the plugin would a real one.
    if let Some(spec) = &state.config.faults {
        let faults = std::sync::Arc::new(faults::Faults::new(spec.clone()));
        api = api.layer(from_fn_with_state(faults, faults::inject));
    }
    let api = api
        .layer(axum::middleware::map_response(in_error_shape))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(cors(&state));
    // Each bundle's page (`/` and `/index.html`, `/tab/` and `/tab/index.html`) carries its own
    // CSP; anything else `dist/` serves (the wasm, script and styles, or a page reached by
    // another spelling of its path, such as `/%69ndex.html`) gets one that lets no document run
    // or be framed.
    let mut plugin = Router::new();
    for bundle in crate::dist::BUNDLES {
        let folder = if bundle.is_empty() {
            "/".to_owned()
        } else {
            format!("/{bundle}/")
        };
        let page = move |state: State<AppState>| plugin_page(state, bundle);
        plugin = plugin
            .route(&folder, get(page))
            .route(&format!("{folder}{}", crate::dist::PAGE), get(page));
    }
    let plugin = plugin
        .fallback_service(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn(file_caching))
                .service(
                    ServeDir::new(&state.config.dist_dir)
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ));
    let hosts = ServedHosts::of_origin(state.config.api_addr, &state.api_origin);
    with_common_headers(
        api.merge(plugin)
            .with_state(state)
            .layer(from_fn_with_state(hosts, guard::answer_only_served_hosts)),
    )
}

/// Caching of the plugin's files (served with the brotli or gzip copy `plugin-dist` made, when
/// the browser takes it): a file named by its content is kept for a year without asking again,
/// since a new build names its files anew; anything else is asked for each time.
async fn file_caching(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let named_by_content = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .is_some_and(crate::dist::is_hashed_name);
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let headers = response.headers_mut();
    // The same URL answers in brotli, gzip or neither by the request's Accept-Encoding.
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if named_by_content {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    response
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::document(),
    )
        .into_response()
}

/// axum's own refusals are plain text: a path parameter that is not UTF-8 (400), a method the
/// endpoint does not take (405). The API answers them in its one error shape: the first as the
/// 422 of any unreadable parameter, the second as 405 with its `Allow`.
async fn in_error_shape(response: Response) -> Response {
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if json {
        return response;
    }
    match response.status() {
        StatusCode::BAD_REQUEST => {
            Failure::invalid("path", "The request's path could not be read.").into_response()
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = response.headers().get(header::ALLOW).cloned();
            let mut answer = Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::InvalidParameter,
                "This endpoint does not take this method.",
            )
            .into_response();
            if let Some(allow) = allow {
                answer.headers_mut().insert(header::ALLOW, allow);
            }
            answer
        }
        _ => response,
    }
}

async fn unknown_endpoint() -> Failure {
    Failure::not_found("No such endpoint.")
}

/// The `'sha256-…'` sources of the inline scripts in an HTML page (Trunk's wasm loader), so the
/// CSP can allow exactly them and nothing else inline.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// The plugin page's CSP: the manifest's (our scripts and wasm only), with the hashes of the
/// page's inline scripts as built, framed only by the allowed CRM origins.
pub fn plugin_csp(html: &str) -> String {
    let manifest = Manifest::bundled();
    let mut directives: Vec<String> = manifest
        .csp
        .iter()
        // Who may frame the plugin is the allow-list's, below (the schema refuses it here too):
        // browsers obey the first of two frame-ancestors.
        .filter(|(name, _)| name.as_str() != "frame-ancestors")
        .map(|(name, sources)| {
            let mut sources = sources.clone();
            if name == "script-src" {
                sources.extend(inline_script_hashes(html));
            }
            format!("{name} {}", sources.join(" "))
        })
        .collect();
    directives.push(format!(
        "frame-ancestors {}",
        manifest.allowed_host_origins.join(" ")
    ));
    directives.join("; ")
}

/// The page of the bundle built into `bundle` (a folder of `dist/`, [`crate::dist::BUNDLES`]),
/// its CSP made from its own inline loader.
async fn plugin_page(State(state): State<AppState>, bundle: &'static str) -> Response {
    let path = state.config.dist_dir.join(bundle).join(crate::dist::PAGE);
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => (
            [
                (header::CONTENT_SECURITY_POLICY, plugin_csp(&html)),
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                (header::CACHE_CONTROL, "no-cache".to_owned()),
            ],
            html,
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The plugin is not built: run `make demo` (or `make plugin`).",
        )
            .into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The host origin: the demo CRM.

pub fn host_origin_router(state: AppState) -> Router {
    let www = &state.config.www_dir;
    // The pages under `/demo` (also reachable as files) and the host script get the demo
    // pages' policy too.
    let csp = HeaderValue::from_str(&host_csp(&state)).expect("the host CSP is a valid header");
    let files = |dir: &str| {
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                csp.clone(),
            ))
            .service(ServeDir::new(www.join(dir)))
    };
    let hosts = ServedHosts::of_origin(state.config.host_addr, &state.host_origin);
    let crm_api = Router::new()
        .route("/crm/api/config", get(crm_config))
        .route("/crm/api/records", get(crm_records))
        .route("/crm/api/records/{entity}/{crm_id}", get(crm_record))
        .route(
            "/crm/api/notes/{entity}/{crm_id}",
            get(crm_notes).post(crm_add_note),
        )
        .route_layer(from_fn_with_state(
            hosts.clone(),
            guard::crm_writes_from_the_crm_only,
        ));
    let router = Router::new()
        .route(
            "/",
            get(|| async { Redirect::to("/record?entity=lead&id=LEAD-0001&user=rep-ava") }),
        )
        .route(
            "/record",
            get(|s: State<AppState>| host_page(s, "record.html")),
        )
        .route("/list", get(|s: State<AppState>| host_page(s, "list.html")))
        .route(
            "/hot-prospects",
            get(|s: State<AppState>| host_page(s, "hot-prospects.html")),
        )
        .route(
            "/dashboard",
            get(|s: State<AppState>| host_page(s, "dashboard.html")),
        )
        .merge(crm_api)
        .merge(super::salesforce::routes())
        .merge(super::dynamics::routes())
        .nest_service("/demo", files("demo"))
        .nest_service("/host", files("host"));
    let router = if state.config.dev_endpoints {
        router
            .merge(super::demo_idp::routes())
            .merge(super::salesforce::demo::routes())
    } else {
        router
    };
    let router = router
        .with_state(state)
        .layer(from_fn_with_state(hosts, guard::answer_only_served_hosts));
    with_common_headers(router)
}

fn host_csp(state: &AppState) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {api}; frame-src {api}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        api = state.api_origin
    )
}

async fn host_page(State(state): State<AppState>, file: &'static str) -> Response {
    demo_page(&state, file, host_csp(&state)).await
}

/// A page of `www/demo/` (`file` relative to it) under the policy `csp`.
pub(super) async fn demo_page(state: &AppState, file: &str, csp: String) -> Response {
    let path = state.config.www_dir.join("demo").join(file);
    match tokio::fs::read_to_string(FsPath::new(&path)).await {
        Ok(html) => (
            [
                (header::CONTENT_SECURITY_POLICY, csp),
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            ],
            html,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "No such demo page.").into_response(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CrmConfig {
    plugin_origin: String,
    api_origin: String,
}

async fn crm_config(State(state): State<AppState>) -> Json<CrmConfig> {
    Json(CrmConfig {
        plugin_origin: state.api_origin.clone(),
        api_origin: state.api_origin.clone(),
    })
}

/// A record as the demo CRM lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmRecordRow {
    entity: String,
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    job_title: Option<String>,
    owner_crm_user: Option<String>,
    known_to_marketing: bool,
}

#[derive(Serialize)]
struct CrmRecordList {
    items: Vec<CrmRecordRow>,
    total: u64,
}

const CRM_RECORDS: &str = "
    SELECT r.entity, r.crm_id, r.email, r.first_name, r.last_name, r.company, r.job_title,
           u.crm_user, r.known
    FROM (SELECT entity, crm_id, email, first_name, last_name, company, job_title, owner_id, 1 AS known
            FROM records WHERE tenant_id = ?1
          UNION ALL
          SELECT c.entity, c.crm_id, c.email, c.first_name, c.last_name, c.company, c.job_title, c.owner_id, 0
            FROM crm_only_records c WHERE c.tenant_id = ?1
             -- once emailed or enrolled, marketing knows the person: list them once
             AND NOT EXISTS (SELECT 1 FROM records k
                             WHERE k.tenant_id = ?1 AND k.entity = c.entity AND k.crm_id = c.crm_id)) r
    LEFT JOIN users u ON u.id = r.owner_id
    WHERE (?2 IS NULL OR r.entity = ?2) AND (?3 IS NULL OR u.crm_user = ?3) AND (?4 IS NULL OR r.crm_id = ?4)";

fn crm_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CrmRecordRow> {
    Ok(CrmRecordRow {
        entity: row.get(0)?,
        id: row.get(1)?,
        email: row.get(2)?,
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        company: row.get(5)?,
        job_title: row.get(6)?,
        owner_crm_user: row.get(7)?,
        known_to_marketing: row.get(8)?,
    })
}

fn tenant_of(conn: &rusqlite::Connection, crm_user: Option<&str>) -> ApiResult<i64> {
    let crm_user = crm_user.unwrap_or("rep-ava");
    conn.query_row(
        "SELECT tenant_id FROM users WHERE crm_user = ?1",
        [crm_user],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Failure::not_found(format!("No CRM user '{crm_user}'.")))
}

fn entity_param(text: Option<&str>) -> ApiResult<Option<String>> {
    text.map(|e| parse_entity(e).map(|e| e.as_str().to_owned()))
        .transpose()
}

async fn crm_records(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CrmRecordList>> {
    let query = QueryParams::parse(query);
    let user = query.get("user").map(str::to_owned);
    let entity = entity_param(query.get("entity"))?;
    let owner = query.get("owner").map(str::to_owned);
    let offset: i64 = query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0)
        .max(0);
    let limit: i64 = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50)
        .clamp(1, 200);
    state
        .db
        .run(move |conn| {
            let tenant = tenant_of(conn, user.as_deref())?;
            let total: u64 = conn.query_row(
                &format!("SELECT count(*) FROM ({CRM_RECORDS})"),
                params![tenant, entity, owner, Option::<String>::None],
                |r| r.get(0),
            )?;
            let mut statement = conn.prepare_cached(&format!(
                "{CRM_RECORDS} ORDER BY r.last_name COLLATE NOCASE, r.first_name COLLATE NOCASE, r.crm_id
                 LIMIT ?5 OFFSET ?6"
            ))?;
            let items = statement
                .query_map(params![tenant, entity, owner, Option::<String>::None, limit, offset], crm_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Json(CrmRecordList { items, total }))
        })
        .await
}

async fn crm_record(
    State(state): State<AppState>,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CrmRecordRow>> {
    let query = QueryParams::parse(query);
    let user = query.get("user").map(str::to_owned);
    let entity = entity_param(Some(&entity))?;
    state
        .db
        .run(move |conn| {
            let tenant = tenant_of(conn, user.as_deref())?;
            conn.query_row(
                CRM_RECORDS,
                params![tenant, entity, Option::<String>::None, crm_id],
                crm_row,
            )
            .optional()?
            .map(Json)
            .ok_or_else(|| Failure::not_found("No such record in this CRM."))
        })
        .await
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmNote {
    subject: String,
    body: String,
    #[serde(default = "Utc::now")]
    created_at: chrono::DateTime<Utc>,
}

async fn crm_notes(
    State(state): State<AppState>,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<CrmNote>>> {
    let query = QueryParams::parse(query);
    let user = query.get("user").map(str::to_owned);
    state
        .db
        .run(move |conn| {
            let tenant = tenant_of(conn, user.as_deref())?;
            let mut statement = conn.prepare_cached(
                "SELECT subject, body, created_at FROM crm_notes
                 WHERE tenant_id = ?1 AND entity = ?2 AND crm_id = ?3 ORDER BY created_at DESC, id DESC LIMIT 200",
            )?;
            let notes = statement
                .query_map(params![tenant, entity, crm_id], |row| {
                    Ok(CrmNote { subject: row.get(0)?, body: row.get(1)?, created_at: from_millis(row.get(2)?) })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Json(notes))
        })
        .await
}

async fn crm_add_note(
    State(state): State<AppState>,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let query = QueryParams::parse(query);
    let user = query.get("user").map(str::to_owned);
    let note: CrmNote = parse_body(&body)?;
    if note.subject.is_empty()
        || note.subject.chars().count() > 500
        || note.body.chars().count() > 20_000
    {
        return Err(Failure::invalid(
            "subject",
            "A note needs a subject of at most 500 characters and a body of at most 20,000.",
        ));
    }
    let entity = entity_param(Some(&entity))?;
    state
        .db
        .run(move |conn| {
            let tenant = tenant_of(conn, user.as_deref())?;
            conn.execute(
                "INSERT INTO crm_notes (tenant_id, entity, crm_id, subject, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    tenant,
                    entity,
                    crm_id,
                    note.subject,
                    note.body,
                    to_millis(Utc::now())
                ],
            )?;
            Ok(StatusCode::CREATED)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html =
            r#"<head><script src="/app.js"></script><script type="module">init()</script></head>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn the_plugin_csp_is_the_manifests_with_the_pages_script_hashes() {
        let csp = plugin_csp("<script>boot()</script>");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors http://127.0.0.1:8788 http://localhost:8788"));
        for (name, sources) in Manifest::bundled().csp {
            assert!(
                csp.contains(&format!("{name} {}", sources.join(" "))),
                "{name} in {csp}"
            );
        }
    }
}
