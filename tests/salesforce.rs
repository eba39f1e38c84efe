//! Salesforce's side, played from its documentation: the canvas endpoint (`POST
//! /salesforce/canvas`) with signed requests this test builds, and the REST stand-in the canvas
//! shell calls (`/services/data/v<api>/query`, `/sobjects/Task`).

mod support;

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crm_sidebar::protocol::Secret;
use crm_sidebar::sandbox::connections::{self, PlatformUser, Trust};
use crm_sidebar::sandbox::db;
use crm_sidebar::sandbox::salesforce::api_version;
use crm_sidebar::sandbox::seed::{self, B_LEAD, MANAGER_A, REP_B};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|config| config.seed.activities = 2_000))
}

fn rest(sandbox: &Sandbox, path: &str) -> String {
    format!("{}/services/data/v{}{path}", sandbox.host, api_version())
}

async fn soql(sandbox: &Sandbox, crm_user: &str, query: &str) -> (StatusCode, Value) {
    let response = client()
        .get(rest(sandbox, "/query"))
        .query(&[("q", query)])
        .bearer_auth(format!("standin-{crm_user}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn create_task(sandbox: &Sandbox, crm_user: &str, task: &Value) -> (StatusCode, Value) {
    let response = client()
        .post(rest(sandbox, "/sobjects/Task"))
        .bearer_auth(format!("standin-{crm_user}"))
        .json(task)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_standin_answers_the_shells_lead_query_in_salesforces_shape() {
    let sandbox = shared();
    let (status, answer) = soql(
        sandbox,
        REP_B,
        &format!("SELECT Id, Email, FirstName, LastName, Company, Title FROM Lead WHERE Id IN ('{B_LEAD}', 'LEAD-B-0002', 'NO-SUCH-ID')"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["done"], true);
    assert_eq!(
        answer["totalSize"], 2,
        "the unknown id is simply not found: {answer}"
    );
    let lead = answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Id"] == B_LEAD)
        .unwrap();
    assert_eq!(lead["attributes"]["type"], "Lead");
    assert_eq!(
        lead["attributes"]["url"],
        format!("/services/data/v{}/sobjects/Lead/{B_LEAD}", api_version())
    );
    assert!(lead["Email"].as_str().unwrap().contains('@'), "{lead}");
    for field in ["FirstName", "LastName", "Company", "Title"] {
        assert!(lead.get(field).is_some(), "{field} missing in {lead}");
    }
}

#[tokio::test]
async fn a_contacts_account_name_comes_as_a_relationship() {
    let sandbox = shared();
    let (status, answer) = soql(
        sandbox,
        REP_B,
        "SELECT Id, Email, Account.Name FROM Contact WHERE Id IN ('CONT-B-0001')",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let contact = &answer["records"][0];
    assert_eq!(contact["Id"], "CONT-B-0001");
    assert_eq!(contact["Account"]["attributes"]["type"], "Account");
    assert!(contact["Account"]["Name"].is_string(), "{contact}");
}

#[tokio::test]
async fn another_orgs_people_are_not_found() {
    let (status, answer) = soql(
        shared(),
        MANAGER_A,
        &format!("SELECT Id FROM Lead WHERE Id IN ('{B_LEAD}')"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["totalSize"], 0, "{answer}");
}

#[tokio::test]
async fn a_task_is_kept_and_read_back_by_whoid() {
    let sandbox = shared();
    let task = json!({
        "Subject": "Sent Email: Spring offer",
        "Description": "Marketing email sent.",
        "WhoId": "LEAD-B-0003",
        "Status": "Completed",
        "ActivityDate": "2025-03-02",
    });
    let (status, created) = create_task(sandbox, REP_B, &task).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["success"], true);
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("00T"), "{id}");
    let (status, answer) = soql(
        sandbox,
        REP_B,
        "SELECT Id, Subject, Description, Status, ActivityDate, WhoId FROM Task WHERE WhoId IN ('LEAD-B-0003')",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let read = answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Id"] == id)
        .expect("the task")
        .clone();
    for field in ["Subject", "Description", "WhoId", "Status", "ActivityDate"] {
        assert_eq!(read[field], task[field], "{field}");
    }
}

#[tokio::test]
async fn tasks_salesforce_would_refuse_are_refused_and_not_kept() {
    let sandbox = shared();
    let good = json!({"Subject": "Sent Email: x", "WhoId": "LEAD-B-0004", "Status": "Completed", "ActivityDate": "2025-03-02"});
    let cases = [
        (
            json!({"Status": "Done"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (json!({"ActivityDate": "02/03/2025"}), "JSON_PARSER_ERROR"),
        (json!({"Subject": "x".repeat(256)}), "STRING_TOO_LONG"),
        (json!({"Priority": "High"}), "INVALID_FIELD"),
        // A person of another org, and an account as a WhoId.
        (json!({"WhoId": "LEAD-0001"}), "FIELD_INTEGRITY_EXCEPTION"),
        (json!({"WhoId": "ACCT-B-0001"}), "FIELD_INTEGRITY_EXCEPTION"),
    ];
    for (change, code) in cases {
        let mut task = good.clone();
        task.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let (status, answer) = create_task(sandbox, REP_B, &task).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{task}: {answer}");
        assert_eq!(answer[0]["errorCode"], code, "{task}: {answer}");
    }
    let (_, answer) = soql(
        sandbox,
        REP_B,
        "SELECT Id FROM Task WHERE WhoId IN ('LEAD-B-0004', 'LEAD-0001', 'ACCT-B-0001')",
    )
    .await;
    assert_eq!(answer["totalSize"], 0, "{answer}");
}

#[tokio::test]
async fn the_standin_wants_its_token_its_version_and_the_shells_query_shape() {
    let sandbox = shared();
    let url = rest(sandbox, "/query");
    let no_token = client()
        .get(&url)
        .query(&[("q", "SELECT Id FROM Lead WHERE Id IN ('x')")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        no_token.json::<Value>().await.unwrap()[0]["errorCode"],
        "INVALID_SESSION_ID"
    );
    let unknown_user = soql(sandbox, "nobody", "SELECT Id FROM Lead WHERE Id IN ('x')").await;
    assert_eq!(unknown_user.0, StatusCode::UNAUTHORIZED);
    let old = client()
        .get(format!("{}/services/data/v1.0/query", sandbox.host))
        .query(&[("q", "SELECT Id FROM Lead WHERE Id IN ('x')")])
        .bearer_auth(format!("standin-{REP_B}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
    let (status, answer) = soql(
        sandbox,
        REP_B,
        "SELECT Id FROM Lead WHERE Id IN ('x') OR Name != ''",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer[0]["errorCode"], "MALFORMED_QUERY");
    let (status, answer) = soql(
        sandbox,
        REP_B,
        "SELECT Id, Password FROM Lead WHERE Id IN ('x')",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer[0]["errorCode"], "INVALID_FIELD");
}

#[tokio::test]
async fn a_post_without_a_signed_request_gets_a_page_saying_so() {
    let sandbox = shared();
    let response = client()
        .post(format!("{}/salesforce/canvas", sandbox.host))
        .form(&[("other", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    let html = response.text().await.unwrap();
    assert!(html.contains("Salesforce sent no signed request"), "{html}");
}

// ---------------------------------------------------------------------------------------------
// The canvas endpoint, with signed requests signed here as Salesforce signs them

const SALESFORCE_ORIGIN: &str = "https://canvas-test.lightning.force.com";

struct CanvasOrg {
    connection: i64,
    org_id: String,
    user_id: String,
    secret: String,
}

/// An 18-character Salesforce id with `prefix`, no other test uses.
fn salesforce_id(prefix: &str) -> String {
    let tail: String = (0..15).map(|_| fastrand::alphanumeric()).collect();
    format!("{prefix}{tail}")
}

/// A `salesforce` connection of tenant B with a secret of this test's, and `b-rep-yan` as its
/// sales user.
fn canvas_org(sandbox: &Sandbox) -> CanvasOrg {
    let (org_id, user_id) = (salesforce_id("00D"), salesforce_id("005"));
    let secret: String = (0..40).map(|_| fastrand::alphanumeric()).collect();
    let mut conn = db::open(&sandbox.db_path).unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let tenant = db::tenant_id(&tx, seed::TENANT_B).unwrap();
    let connection = connections::add(
        &tx,
        tenant,
        &[SALESFORCE_ORIGIN.to_owned()],
        &Trust::SalesforceCanvas {
            org_id: org_id.clone(),
            consumer_secret: Secret::new(secret.clone()),
        },
    )
    .unwrap();
    connections::add_sales_user(&tx, connection.id, &user_id, PlatformUser::Existing(REP_B))
        .unwrap();
    tx.commit().unwrap();
    CanvasOrg {
        connection: connection.id,
        org_id,
        user_id,
        secret,
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The CanvasRequest Salesforce posts from the record component on a lead, issued now.
fn canvas_request(org: &CanvasOrg, sandbox: &Sandbox) -> Value {
    json!({
        "algorithm": "HMACSHA256",
        "issuedAt": unix_now(),
        "userId": org.user_id,
        "client": {
            "oauthToken": format!("standin-{REP_B}"),
            "refreshToken": "5Aep861-never-in-the-page",
            "instanceUrl": sandbox.host,
            "targetOrigin": SALESFORCE_ORIGIN,
            "instanceId": "_:MarketingSidebar:j_id0:j_id1:canvasapp"
        },
        "context": {
            "user": {"userId": org.user_id, "userName": "yan@contoso.example", "fullName": "Yan Li",
                     "locale": "de_DE", "language": "de", "timeZone": "Europe/Berlin"},
            "organization": {"organizationId": org.org_id, "name": "Contoso"},
            "environment": {
                "displayLocation": "Aura",
                "parameters": {"view": "timeline", "recordId": B_LEAD, "sObjectName": "Lead"},
                "uiTheme": "Theme4d"
            }
        }
    })
}

/// `<base64 HMAC-SHA256 of the base64 payload>.<base64 payload>`, as Salesforce signs.
fn signed_request(secret: &str, request: &Value) -> String {
    let payload = STANDARD.encode(request.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    format!("{}.{payload}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn sign_ins(sandbox: &Sandbox, connection: i64) -> i64 {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row(
        "SELECT count(*) FROM sso_sign_ins WHERE connection_id = ?1",
        [connection],
        |row| row.get(0),
    )
    .unwrap()
}

struct Page {
    status: StatusCode,
    csp: String,
    cache: String,
    html: String,
}

/// Posts the form Salesforce posts to the canvas URL.
async fn post_canvas(sandbox: &Sandbox, signed_request: &str) -> Page {
    let response = client()
        .post(format!("{}/salesforce/canvas", sandbox.host))
        .form(&[("signed_request", signed_request)])
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Page {
        status: response.status(),
        csp: header("content-security-policy"),
        cache: header("cache-control"),
        html: response.text().await.unwrap(),
    }
}

/// The JSON the shell page hands its script.
fn session_of(html: &str) -> Value {
    let start = html
        .find(r#"<script type="application/json" id="canvas-session">"#)
        .expect("the session block")
        + r#"<script type="application/json" id="canvas-session">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// A refused post: the page says `says`, holds no token, echoes nothing, and none was minted.
async fn refused_page(sandbox: &Sandbox, org: &CanvasOrg, signed_request: &str, says: &str) {
    let before = sign_ins(sandbox, org.connection);
    let page = post_canvas(sandbox, signed_request).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.html);
    assert!(page.html.contains(says), "expected '{says}': {}", page.html);
    assert!(!page.html.contains("canvas-session"), "{}", page.html);
    let signature = signed_request.split('.').next().unwrap();
    assert!(
        !page.html.contains(signature) && !page.html.contains(&org.secret),
        "{}",
        page.html
    );
    assert!(
        page.csp
            .starts_with("default-src 'none'; style-src 'self';"),
        "{}",
        page.csp
    );
    assert_eq!(
        sign_ins(sandbox, org.connection),
        before,
        "a refused post minted a token"
    );
}

#[tokio::test]
async fn the_tabs_views_reach_the_shell_and_an_unknown_view_is_the_activity() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    // The Hot Prospects and Sales Dashboard tabs' pages name their view, with no record.
    for (asked, shown) in [
        ("hotProspects", "hotProspects"),
        ("dashboard", "dashboard"),
        ("admin", "activity"),
    ] {
        let mut request = canvas_request(&org, sandbox);
        request["context"]["environment"]["parameters"] = json!({ "view": asked });
        let page = post_canvas(sandbox, &signed_request(&org.secret, &request)).await;
        assert_eq!(page.status, StatusCode::OK, "{asked}: {}", page.html);
        assert_eq!(session_of(&page.html)["view"], shown, "{asked}");
    }
}

#[tokio::test]
async fn a_valid_signed_request_gets_the_shell_framed_by_the_connection_only() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    let before = sign_ins(sandbox, org.connection);
    let page = post_canvas(
        sandbox,
        &signed_request(&org.secret, &canvas_request(&org, sandbox)),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(sign_ins(sandbox, org.connection), before + 1);
    assert!(
        page.csp
            .ends_with(&format!("frame-ancestors {SALESFORCE_ORIGIN}")),
        "{}",
        page.csp
    );
    assert!(
        page.csp
            .contains(&format!("script-src 'self' {};", sandbox.host)),
        "{}",
        page.csp
    );
    assert!(
        page.csp.contains(&format!("frame-src {};", sandbox.api)),
        "{}",
        page.csp
    );
    assert_eq!(page.cache, "no-store");
    assert!(page.html.contains(&format!(
        r#"<script src="{}/canvas/sdk/js/{}/canvas-all.js">"#,
        sandbox.host,
        api_version()
    )));
    assert!(page
        .html
        .contains(r#"<script src="/host/sidebar-host.js">"#));
    assert!(page
        .html
        .contains(r#"<script src="/host/salesforce-canvas.js">"#));
    assert!(
        !page.html.contains("never-in-the-page"),
        "the refresh token reached the page"
    );

    let session = session_of(&page.html);
    assert_eq!(
        session["view"], "timeline",
        "the component's view parameter"
    );
    assert_eq!(session["pluginUrl"], format!("{}/index.html", sandbox.api));
    assert_eq!(
        session["exchangeUrl"],
        format!("{}/v1/sso/exchange", sandbox.api)
    );
    assert_eq!(session["apiVersion"], api_version());
    assert_eq!(session["client"]["oauthToken"], format!("standin-{REP_B}"));
    assert_eq!(session["client"]["instanceUrl"], sandbox.host);
    assert_eq!(
        session["context"]["environment"]["parameters"]["recordId"],
        B_LEAD
    );
    assert_eq!(session["context"]["user"]["timeZone"], "Europe/Berlin");
    // The platform's own token, for the sales user the Salesforce user maps to.
    let token = session["token"].as_str().unwrap();
    let me = client()
        .get(format!("{}/v1/me", sandbox.api))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["name"], "Yan Li");
}

#[tokio::test]
async fn a_tampered_signed_request_gets_a_page_saying_the_signature_failed() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    let genuine = signed_request(&org.secret, &canvas_request(&org, sandbox));
    let mut request = canvas_request(&org, sandbox);
    request["context"]["environment"]["parameters"]["recordId"] = json!("LEAD-B-0002");
    let tampered = format!(
        "{}.{}",
        genuine.split('.').next().unwrap(),
        STANDARD.encode(request.to_string())
    );
    refused_page(sandbox, &org, &tampered, "signature does not match").await;
}

#[tokio::test]
async fn a_stale_signed_request_gets_a_page_saying_it_is_too_old() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    let mut request = canvas_request(&org, sandbox);
    request["issuedAt"] = json!(unix_now() - 6 * 60);
    refused_page(
        sandbox,
        &org,
        &signed_request(&org.secret, &request),
        "more than 5 minutes old",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_org_gets_a_page_saying_so() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    let mut request = canvas_request(&org, sandbox);
    request["context"]["organization"]["organizationId"] = json!(salesforce_id("00D"));
    refused_page(
        sandbox,
        &org,
        &signed_request(&org.secret, &request),
        "No connection has this Salesforce org",
    )
    .await;
}

#[tokio::test]
async fn a_salesforce_user_who_is_no_sales_user_gets_a_page_saying_so() {
    let sandbox = shared();
    let org = canvas_org(sandbox);
    let mut request = canvas_request(&org, sandbox);
    let stranger = salesforce_id("005");
    request["userId"] = json!(stranger);
    request["context"]["user"]["userId"] = json!(stranger);
    refused_page(
        sandbox,
        &org,
        &signed_request(&org.secret, &request),
        "not a sales user",
    )
    .await;
}
