//! The OpenAPI document states every constraint the server enforces, with the server's own
//! numbers, and the server refuses what the document forbids and takes what it allows: the cases
//! an outside fuzzer (Schemathesis, `make test-faults`) found, kept here as plain tests.

mod support;

use std::sync::OnceLock;

use chrono::{Duration, Utc};
use crm_sidebar::sandbox::http::{CURSOR_PATTERN, OWNER_PATTERN};
use crm_sidebar::sandbox::records::{MAX_INGEST_BATCH, MAX_TOKEN_TTL_SECONDS};
use crm_sidebar::sandbox::{openapi, seed};
use crm_sidebar::wire::query::*;
use crm_sidebar::wire::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|config| config.seed.activities = 2_000))
}

fn document() -> Value {
    serde_json::from_str(&openapi::document()).unwrap()
}

/// `schema`, or the component it refers to.
fn resolved(doc: &Value, schema: Value) -> Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            doc["components"]["schemas"][name].clone()
        }
        None => schema,
    }
}

/// The schema of parameter `name` of `method path`.
fn parameter(doc: &Value, method: &str, path: &str, name: &str) -> Value {
    let schema = doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has {name}"))["schema"]
        .clone();
    resolved(doc, schema)
}

fn property(doc: &Value, schema: &str, name: &str) -> Value {
    let found = &doc["components"]["schemas"][schema];
    let properties = found["properties"].as_object().cloned().or_else(|| {
        // A schema with flattened fields is `allOf` them and its own.
        found["allOf"]
            .as_array()?
            .iter()
            .find_map(|part| part["properties"].as_object().cloned())
    });
    resolved(doc, properties.unwrap()[name].clone())
}

#[test]
fn the_document_states_the_servers_limits() {
    let doc = document();
    let not_blank = json!(NOT_BLANK_PATTERN);
    let recipients = property(&doc, "SendRequest", "recipients");
    assert_eq!(
        (&recipients["minItems"], &recipients["maxItems"]),
        (&json!(1), &json!(MAX_SEND_RECIPIENTS))
    );
    let subject = property(&doc, "SendRequest", "subject");
    assert_eq!(subject["maxLength"], json!(MAX_SUBJECT_CHARS));
    assert_eq!(subject["pattern"], not_blank);
    let records = property(&doc, "EnrolRequest", "records");
    assert_eq!(
        (&records["minItems"], &records["maxItems"]),
        (&json!(1), &json!(MAX_ENROL_RECORDS))
    );
    for schema in ["RecordIn", "DevActivityIn"] {
        let crm_id = property(&doc, schema, "crmId");
        assert_eq!(crm_id["minLength"], json!(1), "{schema}");
        assert_eq!(crm_id["maxLength"], json!(MAX_CRM_ID_CHARS), "{schema}");
        assert_eq!(crm_id["pattern"], not_blank, "{schema}");
    }
    let ttl = property(&doc, "TokenRequest", "ttlSeconds");
    assert_eq!(
        (&ttl["minimum"], &ttl["maximum"]),
        (&json!(1), &json!(MAX_TOKEN_TTL_SECONDS))
    );
    let batch = &doc["components"]["schemas"]["DevActivitiesIn"]["oneOf"][1];
    assert_eq!(batch["maxItems"], json!(MAX_INGEST_BATCH));

    let record = "/v1/records/{entity}/{crmId}";
    for (method, path) in [
        ("get", record.to_owned()),
        ("get", format!("{record}/activities")),
        ("get", format!("{record}/engagement")),
        ("get", format!("{record}/enrolments")),
        ("get", format!("{record}/score-reasons")),
        ("post", format!("{record}/resubscribe")),
        (
            "post",
            "/dev/records/{entity}/{crmId}/resubscribe/confirm".to_owned(),
        ),
        ("get", "/v1/programs".to_owned()),
    ] {
        let crm_id = parameter(&doc, method, &path, "crmId");
        assert_eq!(crm_id["maxLength"], json!(MAX_CRM_ID_CHARS), "{path}");
        assert_eq!(crm_id["pattern"], not_blank, "{path}");
    }
    for (path, max) in [
        (format!("{record}/activities"), ACTIVITIES_MAX_LIMIT),
        ("/v1/templates".to_owned(), TEMPLATES_MAX_LIMIT),
        ("/v1/programs".to_owned(), PROGRAMS_MAX_LIMIT),
        (format!("{record}/enrolments"), ENROLMENTS_MAX_LIMIT),
        ("/v1/hot-prospects".to_owned(), HOT_PROSPECTS_MAX_LIMIT),
    ] {
        let limit = parameter(&doc, "get", &path, "limit");
        assert_eq!(
            (&limit["minimum"], &limit["maximum"]),
            (&json!(1), &json!(max)),
            "{path}"
        );
    }
    for path in [
        format!("{record}/activities"),
        "/v1/templates".to_owned(),
        "/v1/programs".to_owned(),
    ] {
        assert_eq!(
            parameter(&doc, "get", &path, "q")["maxLength"],
            json!(MAX_SEARCH_CHARS),
            "{path}"
        );
    }
    for path in [
        format!("{record}/activities"),
        format!("{record}/enrolments"),
        "/v1/templates".to_owned(),
        "/v1/programs".to_owned(),
    ] {
        assert_eq!(
            parameter(&doc, "get", &path, "cursor")["pattern"],
            json!(CURSOR_PATTERN),
            "{path}"
        );
    }
    assert_eq!(
        parameter(&doc, "get", "/v1/hot-prospects", "owner")["pattern"],
        json!(OWNER_PATTERN)
    );
    for (method, path) in [
        ("post", "/v1/sends"),
        ("post", "/v1/programs/{id}/enrolments"),
    ] {
        let key = parameter(&doc, method, path, "Idempotency-Key");
        assert_eq!(key["maxLength"], json!(MAX_IDEMPOTENCY_KEY_CHARS), "{path}");
        assert_eq!(key["pattern"], json!("^[!-~]+$"), "{path}");
    }
    let kinds = parameter(&doc, "get", &format!("{record}/activities"), "kinds");
    assert_eq!(kinds["items"]["$ref"], "#/components/schemas/ActivityKind");
    for time in ["from", "to"] {
        assert_eq!(
            parameter(&doc, "get", &format!("{record}/activities"), time)["format"],
            "date-time"
        );
    }
    let zones = doc["components"]["schemas"]["TimeZoneName"]["enum"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(zones, chrono_tz::TZ_VARIANTS.len());
}

/// The status and error code of a GET.
async fn status_of(sandbox: &Sandbox, token: &str, path: &str) -> (StatusCode, Option<String>) {
    let response = get(sandbox, token, path).await;
    let status = response.status();
    if status.is_success() {
        return (status, None);
    }
    (status, error_of(response).await.1.field)
}

#[tokio::test]
async fn what_the_document_forbids_is_refused() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let lead = format!("/v1/records/lead/{}", seed::DEMO_LEAD);
    for (path, field) in [
        ("/v1/programs?entity=AAA".to_owned(), "entity"),
        ("/v1/programs?crmId=".to_owned(), "crmId"),
        ("/v1/programs?limit=".to_owned(), "limit"),
        ("/v1/templates?cursor=".to_owned(), "cursor"),
        ("/v1/hot-prospects?owner=%20me".to_owned(), "owner"),
        ("/v1/hot-prospects?owner=0012".to_owned(), "owner"),
        (
            format!("{lead}/activities?kinds=emailSent,,pageVisit"),
            "kinds",
        ),
        (format!("{lead}/activities?kinds=%20emailSent"), "kinds"),
        (format!("{lead}/activities?from="), "from"),
        (format!("{lead}/engagement?tz="), "tz"),
        (
            format!("/v1/records/lead/{}/activities", "x".repeat(101)),
            "crmId",
        ),
        ("/v1/records/lead/%20%09/score-reasons".to_owned(), "crmId"),
    ] {
        assert_eq!(
            status_of(sandbox, &token, &path).await,
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field.to_owned())),
            "{path}"
        );
    }
    let templates: TemplateList = get_json(sandbox, &token, "/v1/templates").await;
    let one = json!([{"entity": "lead", "crmId": seed::DEMO_LEAD}]);
    for (path, body, field) in [
        // An object spelled as an array, which serde alone would read. (Which of "one or an
        // array" a /dev/activities body breaks is the whole body's to say.)
        (
            "/v1/sends/preflight",
            json!([templates.items[0].id, null, one]),
            "body",
        ),
        (
            "/v1/sends/preflight",
            json!({"templateId": 1.5, "recipients": one}),
            "templateId",
        ),
        (
            "/v1/sends/preflight",
            json!({"templateId": 1, "recipients": one, "scheduledAt": ""}),
            "scheduledAt",
        ),
        (
            "/dev/records",
            json!({"entity": "lead", "crmId": "x".repeat(101)}),
            "crmId",
        ),
        (
            "/dev/activities",
            json!([{"entity": "lead", "crmId": seed::DEMO_LEAD, "kind": "pageVisit",
            "occurredAt": "2026-01-01T00:00:00Z", "details": [null]}]),
            "body",
        ),
        (
            "/dev/activities",
            json!({"entity": "lead", "crmId": seed::DEMO_LEAD, "kind": "pageVisit",
            "occurredAt": "2026-01-01T00:00:00Z", "details": {"secondsOnPage": 4294967296_u64}}),
            "body",
        ),
    ] {
        let (status, error) = error_of(post(sandbox, &token, path, &body).await).await;
        assert_eq!(
            (status, error.field.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{path} {body}"
        );
    }
}

#[tokio::test]
async fn what_the_document_allows_is_answered() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let lead = format!("/v1/records/lead/{}", seed::DEMO_LEAD);
    // A `to` before `from` is an empty range, not an error.
    let empty: ActivityPage = get_json(
        sandbox,
        &token,
        &format!("{lead}/activities?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&kinds="),
    )
    .await;
    assert!(empty.items.is_empty());
    // A range too long for its buckets is cut to the last 1,000, and says so.
    let long: Engagement = get_json(
        sandbox,
        &token,
        &format!("{lead}/engagement?from=0001-01-01T00:00:00Z&to=2026-03-01T12:00:00Z&bucket=day"),
    )
    .await;
    assert_eq!(long.buckets.len(), 1_000);
    assert_eq!(long.from, long.buckets[0].start);
    assert!(long.from > Utc::now() - Duration::days(2_000));
    // An integer written as 7.0 is the integer 7 to JSON Schema, and so to the server.
    let templates: TemplateList = get_json(sandbox, &token, "/v1/templates").await;
    let body = json!({"templateId": templates.items[0].id as f64,
                      "recipients": [{"entity": "lead", "crmId": seed::DEMO_LEAD}]});
    let response = post(sandbox, &token, "/v1/sends/preflight", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A cursor of the documented shape that this list did not make leads nowhere: 409.
    let (status, error) =
        error_of(get(sandbox, &token, &format!("{lead}/activities?cursor=abc")).await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::CONFLICT, ErrorCode::Conflict)
    );
}
