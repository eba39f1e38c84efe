//! Salesforce's side, played from its documentation: the canvas endpoint (`POST
//! /salesforce/canvas`) with signed requests this test builds, and the REST stand-in the canvas
//! shell calls (`/services/data/v<api>/query`, `/sobjects/Task`).

mod support;

use std::sync::OnceLock;

use crm_sidebar::sandbox::salesforce::api_version;
use crm_sidebar::sandbox::seed::{B_LEAD, MANAGER_A, REP_B};
use reqwest::StatusCode;
use serde_json::{json, Value};
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
    assert_eq!(answer["totalSize"], 2, "the unknown id is simply not found: {answer}");
    let lead = answer["records"].as_array().unwrap().iter().find(|r| r["Id"] == B_LEAD).unwrap();
    assert_eq!(lead["attributes"]["type"], "Lead");
    assert_eq!(lead["attributes"]["url"], format!("/services/data/v{}/sobjects/Lead/{B_LEAD}", api_version()));
    assert!(lead["Email"].as_str().unwrap().contains('@'), "{lead}");
    for field in ["FirstName", "LastName", "Company", "Title"] {
        assert!(lead.get(field).is_some(), "{field} missing in {lead}");
    }
}

#[tokio::test]
async fn a_contacts_account_name_comes_as_a_relationship() {
    let sandbox = shared();
    let (status, answer) =
        soql(sandbox, REP_B, "SELECT Id, Email, Account.Name FROM Contact WHERE Id IN ('CONT-B-0001')").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let contact = &answer["records"][0];
    assert_eq!(contact["Id"], "CONT-B-0001");
    assert_eq!(contact["Account"]["attributes"]["type"], "Account");
    assert!(contact["Account"]["Name"].is_string(), "{contact}");
}

#[tokio::test]
async fn another_orgs_people_are_not_found() {
    let (status, answer) =
        soql(shared(), MANAGER_A, &format!("SELECT Id FROM Lead WHERE Id IN ('{B_LEAD}')")).await;
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
    let read = answer["records"].as_array().unwrap().iter().find(|r| r["Id"] == id).expect("the task").clone();
    for field in ["Subject", "Description", "WhoId", "Status", "ActivityDate"] {
        assert_eq!(read[field], task[field], "{field}");
    }
}

#[tokio::test]
async fn tasks_salesforce_would_refuse_are_refused_and_not_kept() {
    let sandbox = shared();
    let good = json!({"Subject": "Sent Email: x", "WhoId": "LEAD-B-0004", "Status": "Completed", "ActivityDate": "2025-03-02"});
    let cases = [
        (json!({"Status": "Done"}), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        (json!({"ActivityDate": "02/03/2025"}), "JSON_PARSER_ERROR"),
        (json!({"Subject": "x".repeat(256)}), "STRING_TOO_LONG"),
        (json!({"Priority": "High"}), "INVALID_FIELD"),
        // A person of another org, and an account as a WhoId.
        (json!({"WhoId": "LEAD-0001"}), "FIELD_INTEGRITY_EXCEPTION"),
        (json!({"WhoId": "ACCT-B-0001"}), "FIELD_INTEGRITY_EXCEPTION"),
    ];
    for (change, code) in cases {
        let mut task = good.clone();
        task.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        let (status, answer) = create_task(sandbox, REP_B, &task).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{task}: {answer}");
        assert_eq!(answer[0]["errorCode"], code, "{task}: {answer}");
    }
    let (_, answer) = soql(sandbox, REP_B, "SELECT Id FROM Task WHERE WhoId IN ('LEAD-B-0004', 'LEAD-0001', 'ACCT-B-0001')").await;
    assert_eq!(answer["totalSize"], 0, "{answer}");
}

#[tokio::test]
async fn the_standin_wants_its_token_its_version_and_the_shells_query_shape() {
    let sandbox = shared();
    let url = rest(sandbox, "/query");
    let no_token = client().get(&url).query(&[("q", "SELECT Id FROM Lead WHERE Id IN ('x')")]).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(no_token.json::<Value>().await.unwrap()[0]["errorCode"], "INVALID_SESSION_ID");
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
    let (status, answer) = soql(sandbox, REP_B, "SELECT Id FROM Lead WHERE Id IN ('x') OR Name != ''").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer[0]["errorCode"], "MALFORMED_QUERY");
    let (status, answer) = soql(sandbox, REP_B, "SELECT Id, Password FROM Lead WHERE Id IN ('x')").await;
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
    assert!(response.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let html = response.text().await.unwrap();
    assert!(html.contains("Salesforce sent no signed request"), "{html}");
}
