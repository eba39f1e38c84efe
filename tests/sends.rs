//! Send email over real HTTP on loopback: templates and their folders, the pre-flight's exclusion
//! rules, sending once per Idempotency-Key (also under concurrency), the daily limit, scheduled
//! sends, the `emailSent` history, resubscribe requests and tenant isolation.
//!
//! Each rep has its own tests, so assertions on a rep's remaining daily allowance hold while the
//! tests run in parallel: rep-chloe only runs pre-flights, rep-dan owns the daily-limit test,
//! mgr-olivia the failure test; rep-ava and rep-ben send.

mod support;

use std::sync::OnceLock;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, DurationRound, Utc};
use crm_sidebar::sandbox::{db, seed};
use crm_sidebar::wire::*;
use reqwest::StatusCode;
use rusqlite::params;
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|config| config.seed.activities = 5_000))
}

/// A CRM id no other test uses.
fn fresh_crm_id(label: &str) -> String {
    format!(
        "LEAD-{label}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// A seeded record of tenant A with `status`, skipping the named demo leads: (entity, CRM id).
fn seeded_with_status(sandbox: &Sandbox, status: &str, skip: i64) -> (String, String) {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row(
        "SELECT r.entity, r.crm_id FROM records r JOIN tenants t ON t.id = r.tenant_id
         WHERE t.name = ?1 AND r.subscription_status = ?2 AND r.email IS NOT NULL
           AND r.crm_id NOT IN (?3, ?4) ORDER BY r.id LIMIT 1 OFFSET ?5",
        params![
            seed::TENANT_A,
            status,
            seed::OPTED_OUT_LEAD,
            seed::NO_EMAIL_LEAD,
            skip
        ],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap()
}

fn recipient(entity: &str, crm_id: &str, email: Option<&str>) -> Value {
    json!({"entity": entity, "crmId": crm_id, "email": email})
}

fn lead(crm_id: &str, email: Option<&str>) -> Value {
    recipient("lead", crm_id, email)
}

async fn template_id(sandbox: &Sandbox, token: &str, name: &str) -> i64 {
    let list: TemplateList = get_json(sandbox, token, "/v1/templates").await;
    list.items
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no template {name}"))
        .id
}

async fn preflight(sandbox: &Sandbox, token: &str, body: &Value) -> PreflightResponse {
    let response = post(sandbox, token, "/v1/sends/preflight", body).await;
    assert_eq!(response.status(), StatusCode::OK, "pre-flight");
    response.json().await.unwrap()
}

async fn send_raw(
    sandbox: &Sandbox,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}/v1/sends", sandbox.api))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn send(sandbox: &Sandbox, token: &str, key: &str, body: &Value) -> SendResponse {
    let response = send_raw(sandbox, token, Some(key), body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "send");
    response.json().await.unwrap()
}

/// The record's `emailSent` activities of one send.
async fn sent_activities(
    sandbox: &Sandbox,
    token: &str,
    entity: &str,
    crm_id: &str,
    campaign_id: &str,
) -> Vec<Activity> {
    let page: ActivityPage = get_json(
        sandbox,
        token,
        &format!("/v1/records/{entity}/{crm_id}/activities?kinds=emailSent&limit=200"),
    )
    .await;
    page.items
        .into_iter()
        .filter(|a| a.campaign_id.as_deref() == Some(campaign_id))
        .collect()
}

/// A record the platform already knows, created through the dev endpoint.
async fn known_lead(sandbox: &Sandbox, token: &str, label: &str) -> String {
    let crm_id = fresh_crm_id(label);
    let response = post(
        sandbox,
        token,
        "/dev/records",
        &json!({"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com"),
                "firstName": "Known", "lastName": "Person", "company": "Knownco"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    crm_id
}

fn count_rows(sandbox: &Sandbox, sql: &str, args: impl rusqlite::Params) -> i64 {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row(sql, args, |row| row.get(0)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Templates

/// A tenant with hundreds of templates gets them a page at a time: every page in the list's
/// order (folder, then name, any case), no template twice or missed, filters kept across pages.
#[tokio::test]
async fn templates_come_a_page_at_a_time() {
    let sandbox = start(|config| config.seed.activities = 1_000);
    {
        let conn = db::open(&sandbox.db_path).unwrap();
        let tenant = db::tenant_id(&conn, seed::TENANT_A).unwrap();
        for i in 0..130 {
            // Mixed case folders and repeated names: the order must still be total.
            let folder = ["bulk", "Bulk", "Archive"][i % 3];
            let name = format!("Bulk mail {:02}", i % 40);
            db::insert_template(&conn, tenant, folder, &name, "Hello", "<p>Hi</p>").unwrap();
        }
    }
    let sandbox = &sandbox;
    let token = token_for(sandbox, "rep-ava").await;
    let everything: TemplateList = get_json(sandbox, &token, "/v1/templates?limit=200").await;
    assert_eq!(everything.items.len(), 141);
    assert_eq!(everything.next_cursor, None);
    // "bulk" and "Bulk" are one folder, as the filter and the order treat them.
    assert_eq!(
        everything.folders,
        vec![
            "Archive",
            "Bulk",
            "Events",
            "Follow-up",
            "Nurture",
            "Product"
        ]
    );
    let order: Vec<(String, String)> = everything
        .items
        .iter()
        .map(|t| (t.folder.to_lowercase(), t.name.to_lowercase()))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "folder, then name");

    let pages = |filter: &'static str, limit: u32| {
        let token = token.clone();
        async move {
            let (mut ids, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
            loop {
                let path = match &cursor {
                    None => format!("/v1/templates?{filter}&limit={limit}"),
                    Some(c) => format!("/v1/templates?{filter}&limit={limit}&cursor={c}"),
                };
                let page: TemplateList = get_json(sandbox, &token, &path).await;
                assert!(page.items.len() <= limit as usize);
                ids.extend(page.items.iter().map(|t| t.id));
                pages += 1;
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => return (ids, pages),
                }
            }
        }
    };
    let (ids, count) = pages("", 50).await;
    assert_eq!(count, 3);
    assert_eq!(
        ids,
        everything.items.iter().map(|t| t.id).collect::<Vec<_>>()
    );
    let default: TemplateList = get_json(sandbox, &token, "/v1/templates").await;
    assert_eq!(default.items.len(), 50, "50 by default");

    let filtered: TemplateList = get_json(
        sandbox,
        &token,
        "/v1/templates?folder=BULK&q=mail%200&limit=200",
    )
    .await;
    let (ids, count) = pages("folder=BULK&q=mail%200", 7).await;
    assert_eq!(ids, filtered.items.iter().map(|t| t.id).collect::<Vec<_>>());
    assert_eq!(count, filtered.items.len().div_ceil(7).max(1));
    assert!(filtered
        .items
        .iter()
        .all(|t| t.folder.eq_ignore_ascii_case("bulk") && t.name.contains("mail 0")));

    for (path, field) in [
        ("/v1/templates?cursor=not%20a%20cursor", "cursor"),
        ("/v1/templates?limit=0", "limit"),
        ("/v1/templates?limit=201", "limit"),
    ] {
        let (status, error) = error_of(get(sandbox, &token, path).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(error.field.as_deref(), Some(field), "{path}");
    }
}

#[tokio::test]
async fn templates_are_listed_by_folder_and_found_by_name() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-chloe").await;
    let all: TemplateList = get_json(sandbox, &token, "/v1/templates").await;
    assert_eq!(
        all.folders,
        vec!["Events", "Follow-up", "Nurture", "Product"]
    );
    assert_eq!(all.items.len(), 11);
    let folders: Vec<&str> = all.by_folder().iter().map(|(f, _)| *f).collect();
    assert_eq!(folders, all.folders, "items come folder by folder");

    let found: TemplateList = get_json(sandbox, &token, "/v1/templates?q=SCORING").await;
    let names: Vec<&str> = found.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["Lead scoring guide"]);
    assert_eq!(found.folders.len(), 4, "folders whatever the filter");

    let events: TemplateList = get_json(sandbox, &token, "/v1/templates?folder=events").await;
    assert_eq!(events.items.len(), 3);
    assert!(events.items.iter().all(|t| t.folder == "Events"));
    let both: TemplateList =
        get_json(sandbox, &token, "/v1/templates?folder=Follow-up&q=follow").await;
    assert!(!both.items.is_empty());
    assert!(both
        .items
        .iter()
        .all(|t| t.folder == "Follow-up" && t.name.to_lowercase().contains("follow")));
    let none: TemplateList = get_json(sandbox, &token, "/v1/templates?q=50%25_off").await;
    assert!(none.items.is_empty(), "LIKE wildcards match literally");

    let long = "x".repeat(201);
    let (status, error) =
        error_of(get(sandbox, &token, &format!("/v1/templates?q={long}")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("q"));

    let id = found.items[0].id;
    let template: Template = get_json(sandbox, &token, &format!("/v1/templates/{id}")).await;
    assert_eq!(
        template.subject,
        "{{firstName}}, a 2-minute guide to lead scoring"
    );
    assert!(template.html.starts_with("<p>Hi {{firstName}},</p>"));
    let fields: Vec<(&str, bool, bool)> = template
        .merge_fields
        .iter()
        .map(|f| (f.field.as_str(), f.known, f.has_fallback))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("firstName", true, false),
            ("jobTitle", true, true),
            ("company", true, true)
        ]
    );
    for path in ["/v1/templates/999999", "/v1/templates/abc"] {
        let (status, error) = error_of(get(sandbox, &token, path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error.code, ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn a_tenant_sees_only_its_own_templates() {
    let sandbox = shared();
    let a = token_for(sandbox, "rep-chloe").await;
    let b = token_for(sandbox, seed::REP_B).await;
    let of_a: TemplateList = get_json(sandbox, &a, "/v1/templates").await;
    let of_b: TemplateList = get_json(sandbox, &b, "/v1/templates").await;
    assert_eq!(of_b.items.len(), 2);
    assert!(of_b
        .items
        .iter()
        .all(|t| of_a.items.iter().all(|mine| mine.id != t.id)));
    assert_eq!(of_b.folders, vec!["Follow-up", "General"]);
    let searched: TemplateList = get_json(sandbox, &b, "/v1/templates?q=scoring").await;
    assert!(searched.items.is_empty());

    for (token, id) in [(&b, of_a.items[0].id), (&a, of_b.items[0].id)] {
        let (status, _) = error_of(get(sandbox, token, &format!("/v1/templates/{id}")).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let body = json!({"templateId": of_a.items[0].id,
                      "recipients": [lead(seed::B_LEAD, Some("hana@example.com"))]});
    let (status, error) = error_of(post(sandbox, &b, "/v1/sends/preflight", &body).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.field.as_deref(), Some("templateId"));
    let (status, error) = error_of(send_raw(sandbox, &b, Some("iso-1"), &body).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.field.as_deref(), Some("templateId"));
    // Tenant A cannot reach B's records by CRM id either: B's lead is a stranger to A.
    let template = of_a.items[0].id;
    let body = json!({"templateId": template, "recipients": [lead(seed::B_LEAD, None)]});
    let answer = preflight(sandbox, &a, &body).await;
    assert!(!answer.recipients[0].imported);
    assert_eq!(answer.recipients[0].reason, Some(ExclusionReason::NoEmail));
}

// ---------------------------------------------------------------------------------------------
// Pre-flight

#[tokio::test]
async fn preflight_names_every_exclusion_and_stores_nothing() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-chloe").await;
    let template = template_id(sandbox, &token, "Lead scoring guide").await;
    let demo: RecordProfile = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}", seed::DEMO_LEAD),
    )
    .await;
    let demo_email = demo.email.clone().unwrap();
    let (bounced_entity, bounced) = seeded_with_status(sandbox, "hardBounced", 0);
    let (suppressed_entity, suppressed) = seeded_with_status(sandbox, "suppressed", 0);
    let stranger = fresh_crm_id("PRE");
    let body = json!({"templateId": template, "recipients": [
        lead(seed::DEMO_LEAD, Some(&demo_email)),
        lead(seed::OPTED_OUT_LEAD, None),
        recipient(&bounced_entity, &bounced, None),
        recipient(&suppressed_entity, &suppressed, None),
        lead(seed::NO_EMAIL_LEAD, None),
        lead(&format!("{stranger}-1"), Some("not-an-address")),
        lead(&format!("{stranger}-2"), Some(&demo_email.to_uppercase())),
        {"entity": "lead", "crmId": seed::CRM_ONLY_LEAD, "email": "elena.rossi@stonegate.example",
         "firstName": "Elena", "lastName": "Rossi", "company": "Stonegate"},
        lead(&format!("{stranger}-3"), Some("nameless@example.com")),
    ]});
    let answer = preflight(sandbox, &token, &body).await;
    let reasons: Vec<Option<ExclusionReason>> =
        answer.recipients.iter().map(|r| r.reason).collect();
    use ExclusionReason::*;
    assert_eq!(
        reasons,
        vec![
            None,
            Some(OptedOut),
            Some(HardBounced),
            Some(Suppressed),
            Some(NoEmail),
            Some(InvalidEmail),
            Some(DuplicateEmail),
            None,
            None
        ]
    );
    assert_eq!(answer.sendable, 3);
    assert_eq!(answer.excluded().count(), 6);
    assert!(answer
        .recipients
        .iter()
        .all(|r| (r.status == RecipientStatus::Excluded) == r.reason.is_some()));
    assert_eq!(answer.remaining_today, DAILY_SEND_LIMIT);

    let sarah = &answer.recipients[0];
    assert_eq!(sarah.name, "Sarah Chen");
    assert!(sarah.imported);
    assert_eq!(sarah.merge_values["ownerName"], "Ava Thompson");
    assert!(sarah.merge_values.contains_key("score"));
    let elena = &answer.recipients[7];
    assert_eq!(elena.name, "Elena Rossi");
    assert!(!elena.imported);
    assert_eq!(
        elena.merge_values.len(),
        4,
        "the CRM fields given, nothing more"
    );
    assert_eq!(answer.recipients[1].name, "Marcus Reed");
    assert_eq!(answer.recipients[8].name, "nameless@example.com");
    // jobTitle and company have fallbacks; firstName has none and one sendable person lacks it.
    assert_eq!(
        answer.missing_fields,
        vec![MissingField {
            field: "firstName".into(),
            recipients: vec!["nameless@example.com".into()]
        }]
    );

    let stored = count_rows(
        sandbox,
        "SELECT count(*) FROM sends s JOIN users u ON u.id = s.sender_id WHERE u.crm_user = 'rep-chloe'",
        [],
    );
    assert_eq!(stored, 0);
    let created = count_rows(
        sandbox,
        "SELECT count(*) FROM records WHERE crm_id IN (?1, ?2)",
        params![seed::CRM_ONLY_LEAD, format!("{stranger}-3")],
    );
    assert_eq!(created, 0, "a pre-flight creates no record");
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_field() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-chloe").await;
    let template = template_id(sandbox, &token, "Checking in").await;
    let many: Vec<Value> = (0..201)
        .map(|i| lead(&format!("LEAD-MANY-{i}"), Some("m@example.com")))
        .collect();
    let one = vec![lead(seed::DEMO_LEAD, None)];
    let past = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    let refused = (
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidParameter,
    );
    // Allowed by the document, refused by the clock or the tenant's templates.
    let conflict = (StatusCode::CONFLICT, ErrorCode::Conflict);
    for (body, field, expected) in [
        (
            json!({"templateId": template, "recipients": many}),
            "recipients",
            refused,
        ),
        (
            json!({"templateId": template, "recipients": []}),
            "recipients",
            refused,
        ),
        (
            json!({"templateId": template, "recipients": [lead("  ", None)]}),
            "recipients[0].crmId",
            refused,
        ),
        (
            json!({"templateId": template, "recipients": one, "scheduledAt": past}),
            "scheduledAt",
            conflict,
        ),
        (
            json!({"templateId": template, "recipients": one, "scheduledAt": far}),
            "scheduledAt",
            conflict,
        ),
        (
            json!({"templateId": template, "recipients": one, "subject": "   "}),
            "subject",
            refused,
        ),
        (
            json!({"templateId": -5, "recipients": one}),
            "templateId",
            conflict,
        ),
        (json!({"recipients": one}), "body", refused),
    ] {
        let (status, error) =
            error_of(post(sandbox, &token, "/v1/sends/preflight", &body).await).await;
        assert_eq!((status, error.code), expected, "{field}");
        assert_eq!(error.field.as_deref(), Some(field));
        let (status, error) = error_of(send_raw(sandbox, &token, Some("bad-1"), &body).await).await;
        assert_eq!((status, error.code), expected, "{field}");
        assert_eq!(error.field.as_deref(), Some(field));
    }
    // A record listed twice (with two addresses) is one person: emailed once, as first listed.
    let twice = json!({"templateId": template, "recipients": [
        lead("LEAD-TWICE", Some("one@example.com")),
        lead(" LEAD-TWICE ", Some("two@example.com")),
    ]});
    let checked = preflight(sandbox, &token, &twice).await;
    assert_eq!(checked.sendable, 1);
    assert_eq!(
        checked.recipients[1].email.as_deref(),
        Some("one@example.com")
    );
    assert_eq!(
        checked.recipients[1].reason,
        Some(ExclusionReason::DuplicateEmail)
    );
    let body = json!({"templateId": template, "recipients": one});
    for key in [None, Some(""), Some("has space"), Some(&*"k".repeat(256))] {
        let (status, error) = error_of(send_raw(sandbox, &token, key, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key:?}");
        assert_eq!(error.field.as_deref(), Some("Idempotency-Key"));
    }
    let (status, _) = error_of(
        client()
            .post(format!("{}/v1/sends", sandbox.api))
            .header("Idempotency-Key", "no-token")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------
// Sending

#[tokio::test]
async fn a_sent_email_appears_in_each_recipient_s_history() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let template = template_id(sandbox, &token, "Lead scoring guide").await;
    let known = known_lead(sandbox, &token, "HIST").await;
    let stranger = fresh_crm_id("NEW");
    let body = json!({"templateId": template, "subject": "{{firstName|Hello}}, for {{company|you}}",
    "recipients": [
        lead(&known, None),
        {"entity": "lead", "crmId": stranger, "email": format!("{stranger}@example.com"),
         "firstName": "Nora", "lastName": "Vale", "company": "<Valeworks>", "jobTitle": "CTO"},
        lead(seed::OPTED_OUT_LEAD, None),
    ]});
    let sent = send(sandbox, &token, &fresh_crm_id("key"), &body).await;
    assert_eq!(sent.campaign_id, format!("SEND-{}", sent.id));
    let outcomes: Vec<SendOutcome> = sent.results.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![SendOutcome::Sent, SendOutcome::Sent, SendOutcome::Excluded]
    );
    assert_eq!(sent.results[2].reason, Some(ExclusionReason::OptedOut));
    assert_eq!(
        sent.results[0].subject.as_deref(),
        Some("Known, for Knownco")
    );
    assert_eq!(
        sent.results[1].subject.as_deref(),
        Some("Nora, for <Valeworks>"),
        "the subject is plain text"
    );

    for (crm_id, subject) in [
        (&known, "Known, for Knownco"),
        (&stranger, "Nora, for <Valeworks>"),
    ] {
        let activities = sent_activities(sandbox, &token, "lead", crm_id, &sent.campaign_id).await;
        assert_eq!(activities.len(), 1, "{crm_id}");
        assert_eq!(activities[0].kind, ActivityKind::EmailSent);
        assert_eq!(activities[0].subject.as_deref(), Some(subject));
        assert!((Utc::now() - activities[0].occurred_at).num_seconds() < 60);
    }
    let opted_out = sent_activities(
        sandbox,
        &token,
        "lead",
        seed::OPTED_OUT_LEAD,
        &sent.campaign_id,
    )
    .await;
    assert!(opted_out.is_empty(), "excluded people are never emailed");

    // The stranger is now known to marketing, from the CRM's fields, as not imported.
    let profile: RecordProfile =
        get_json(sandbox, &token, &format!("/v1/records/lead/{stranger}")).await;
    assert!(!profile.imported);
    assert_eq!(profile.first_name.as_deref(), Some("Nora"));
    assert_eq!(profile.job_title.as_deref(), Some("CTO"));
    assert_eq!(
        profile.owner.map(|o| o.crm_user).as_deref(),
        Some("rep-ava")
    );
    assert_eq!(profile.activity_counts[&ActivityKind::EmailSent], 1);
}

#[tokio::test]
async fn the_same_key_twice_sends_once() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let template = template_id(sandbox, &token, "Welcome to Northwind").await;
    let crm_id = known_lead(sandbox, &token, "TWICE").await;
    let key = fresh_crm_id("twice");
    let body = json!({"templateId": template, "recipients": [lead(&crm_id, None)]});
    let first = send_raw(sandbox, &token, Some(&key), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();
    // The same message again, spelled differently: a retry after a lost answer.
    let spelled =
        json!({"recipients": [{"crmId": crm_id, "entity": "lead"}], "templateId": template});
    let second = send_raw(sandbox, &token, Some(&key), &spelled).await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(
        second.text().await.unwrap(),
        first,
        "the first result again"
    );
    let answer: SendResponse = serde_json::from_str(&first).unwrap();
    assert_eq!(
        answer.results[0].subject.as_deref(),
        Some("Welcome aboard, Known")
    );
    let activities = sent_activities(sandbox, &token, "lead", &crm_id, &answer.campaign_id).await;
    assert_eq!(activities.len(), 1);
    let sends = count_rows(
        sandbox,
        "SELECT count(*) FROM sends WHERE idempotency_key = ?1",
        [&key],
    );
    assert_eq!(sends, 1);

    // Another user's key is another message.
    let ben = token_for(sandbox, "rep-ben").await;
    let other = send(sandbox, &ben, &key, &body).await;
    assert_ne!(other.id, answer.id);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let template = template_id(sandbox, &token, "Checking in").await;
    let crm_id = known_lead(sandbox, &token, "OTHER").await;
    let key = fresh_crm_id("other");
    let body = json!({"templateId": template, "recipients": [lead(&crm_id, None)]});
    let first = send(sandbox, &token, &key, &body).await;
    for changed in [
        json!({"templateId": template, "recipients": [lead(&crm_id, None)], "subject": "Changed"}),
        json!({"templateId": template, "recipients": [lead(&crm_id, None), lead(seed::DEMO_LEAD, None)]}),
    ] {
        let (status, error) = error_of(send_raw(sandbox, &token, Some(&key), &changed).await).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(error.code, ErrorCode::Conflict);
        assert_eq!(error.field.as_deref(), Some("Idempotency-Key"));
        assert!(
            error.message.contains("different message"),
            "{}",
            error.message
        );
    }
    let activities = sent_activities(sandbox, &token, "lead", &crm_id, &first.campaign_id).await;
    assert_eq!(activities.len(), 1);
    let demo = count_rows(
        sandbox,
        "SELECT count(*) FROM activities WHERE campaign_id = ?1",
        [&first.campaign_id],
    );
    assert_eq!(demo, 1, "the refused body sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_send_once() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ben").await;
    let template = template_id(sandbox, &token, "Product update").await;
    let base = fresh_crm_id("RACE");
    let recipients: Vec<Value> = (0..3)
        .map(|i| {
            lead(
                &format!("{base}-{i}"),
                Some(&format!("race{i}.{base}@example.com")),
            )
        })
        .collect();
    let body = json!({"templateId": template, "recipients": recipients});
    let key = fresh_crm_id("race");
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (token, body, key) = (token.clone(), body.clone(), key.clone());
            tokio::spawn(async move {
                let response = send_raw(shared(), &token, Some(&key), &body).await;
                assert_eq!(response.status(), StatusCode::CREATED);
                let replayed = response.headers().contains_key("idempotent-replayed");
                (replayed, response.json::<SendResponse>().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|(replayed, _)| !replayed).count(), 1);
    let first = &answers[0].1;
    assert!(answers.iter().all(|(_, answer)| answer == first));
    assert_eq!(first.count(SendOutcome::Sent), 3);
    for i in 0..3 {
        let crm_id = format!("{base}-{i}");
        let activities =
            sent_activities(sandbox, &token, "lead", &crm_id, &first.campaign_id).await;
        assert_eq!(activities.len(), 1, "{crm_id}");
    }
    let records = count_rows(
        sandbox,
        "SELECT count(*) FROM records WHERE crm_id LIKE ?1",
        [format!("{base}-%")],
    );
    assert_eq!(records, 3, "each new record added once");
    let sends = count_rows(
        sandbox,
        "SELECT count(*) FROM sends WHERE idempotency_key = ?1",
        [&key],
    );
    assert_eq!(sends, 1);
}

#[tokio::test]
async fn the_daily_limit_stops_a_rep_at_1000_emails() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-dan").await;
    let template = template_id(sandbox, &token, "Customer story").await;
    let base = fresh_crm_id("LIMIT");
    let batch = |from: usize, n: usize| -> Value {
        let recipients: Vec<Value> = (from..from + n)
            .map(|i| {
                lead(
                    &format!("{base}-{i}"),
                    Some(&format!("p{i}.{base}@limit.example")),
                )
            })
            .collect();
        json!({"templateId": template, "recipients": recipients})
    };
    let mut sent = 0;
    for (from, n) in [(0, 200), (200, 200), (400, 200), (600, 200), (800, 150)] {
        let answer = send(sandbox, &token, &format!("{base}-k{from}"), &batch(from, n)).await;
        assert_eq!(answer.count(SendOutcome::Sent), n);
        sent += n as u32;
        assert_eq!(answer.remaining_today, DAILY_SEND_LIMIT - sent);
    }
    // 950 sent: of the next 100, the first 50 fit.
    let next = batch(950, 100);
    let checked = preflight(sandbox, &token, &next).await;
    assert_eq!(checked.remaining_today, 50);
    assert_eq!(checked.sendable, 50);
    assert!(checked.recipients[..50].iter().all(|r| r.reason.is_none()));
    assert!(checked.recipients[50..]
        .iter()
        .all(|r| r.reason == Some(ExclusionReason::DailyLimit)));
    let answer = send(sandbox, &token, &format!("{base}-k950"), &next).await;
    assert_eq!(answer.count(SendOutcome::Sent), 50);
    assert_eq!(answer.count(SendOutcome::Excluded), 50);
    assert_eq!(answer.remaining_today, 0);
    // The allowance starts again at the next UTC midnight, and both answers say so.
    let midnight = (chrono::Utc::now().date_naive() + chrono::Days::new(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    assert_eq!(checked.limit_resets_at, midnight);
    assert_eq!(answer.limit_resets_at, midnight);
    let over = &answer.results[99];
    assert_eq!(over.reason, Some(ExclusionReason::DailyLimit));
    let emailed = count_rows(
        sandbox,
        "SELECT count(*) FROM records WHERE crm_id = ?1",
        [&over.crm_id],
    );
    assert_eq!(emailed, 0, "not emailed, so not added to marketing either");

    let after = preflight(sandbox, &token, &batch(2000, 1)).await;
    assert_eq!(after.remaining_today, 0);
    assert_eq!(
        after.recipients[0].reason,
        Some(ExclusionReason::DailyLimit)
    );
    // The limit is per rep.
    let chloe = token_for(sandbox, "rep-chloe").await;
    let theirs = preflight(sandbox, &chloe, &batch(2000, 1)).await;
    assert_eq!(theirs.remaining_today, DAILY_SEND_LIMIT);
    assert_eq!(theirs.sendable, 1);
}

#[tokio::test]
async fn failed_recipients_are_reported_and_not_counted() {
    let sandbox = shared();
    let token = token_for(sandbox, seed::MANAGER_A).await;
    let template = template_id(sandbox, &token, "Checking in").await;
    let base = fresh_crm_id("FAIL");
    let body = json!({"templateId": template, "recipients": [
        lead(&format!("{base}-1"), Some(&format!("{base}@fail.example"))),
        lead(&format!("{base}-2"), Some(&format!("{base}@works.example"))),
    ]});
    let before = preflight(sandbox, &token, &body).await;
    assert_eq!(before.sendable, 2, "a pre-flight cannot know");
    let answer = send(sandbox, &token, &base, &body).await;
    assert_eq!(answer.results[0].outcome, SendOutcome::Failed);
    assert!(answer.results[0]
        .message
        .as_deref()
        .unwrap()
        .contains("did not accept"));
    assert_eq!(answer.results[1].outcome, SendOutcome::Sent);
    assert_eq!(answer.remaining_today, before.remaining_today - 1);
    let created = count_rows(
        sandbox,
        "SELECT count(*) FROM records WHERE crm_id = ?1",
        [format!("{base}-1")],
    );
    assert_eq!(created, 0, "nothing to show in a history: not created");
}

#[tokio::test]
async fn a_scheduled_send_reaches_the_history_at_its_time() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ben").await;
    let template = template_id(sandbox, &token, "Event follow-up").await;
    let crm_id = known_lead(sandbox, &token, "LATER").await;
    let at: DateTime<Utc> = (Utc::now() + Duration::seconds(3))
        .duration_round(Duration::seconds(1))
        .unwrap();
    let body = json!({"templateId": template, "recipients": [lead(&crm_id, None)],
                      "scheduledAt": at.to_rfc3339()});
    let answer = send(sandbox, &token, &fresh_crm_id("later"), &body).await;
    assert_eq!(answer.scheduled_at, Some(at));
    assert_eq!(answer.results[0].outcome, SendOutcome::Scheduled);
    assert_eq!(
        answer.results[0].subject.as_deref(),
        Some("Great to meet you, Known")
    );
    assert!(
        sent_activities(sandbox, &token, "lead", &crm_id, &answer.campaign_id)
            .await
            .is_empty()
    );

    let deadline = Instant::now() + StdDuration::from_secs(15);
    let activity = loop {
        let found = sent_activities(sandbox, &token, "lead", &crm_id, &answer.campaign_id).await;
        if let Some(activity) = found.into_iter().next() {
            break activity;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduled email was not delivered"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(Utc::now() >= at);
    assert_eq!(activity.occurred_at, at);
    assert_eq!(
        activity.subject.as_deref(),
        Some("Great to meet you, Known")
    );
}

// ---------------------------------------------------------------------------------------------
// Resubscribe

#[tokio::test]
async fn resubscribe_is_stored_once_a_day_and_only_for_opted_out_people() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let path = format!("/v1/records/lead/{}/resubscribe", seed::OPTED_OUT_LEAD);
    let first = post(sandbox, &ava, &path, &json!({})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: ResubscribeRequest = first.json().await.unwrap();
    assert_eq!(first.requested_by, "Ava Thompson");
    assert_eq!(first.crm_id, seed::OPTED_OUT_LEAD);
    for user in ["rep-ava", "rep-ben"] {
        let token = token_for(sandbox, user).await;
        let again = post(sandbox, &token, &path, &json!({})).await;
        assert_eq!(again.status(), StatusCode::OK, "{user}");
        assert_eq!(again.json::<ResubscribeRequest>().await.unwrap(), first);
    }
    let stored = count_rows(
        sandbox,
        "SELECT count(*) FROM resubscribe_requests rr JOIN records r ON r.id = rr.record_id
         WHERE r.crm_id = ?1",
        [seed::OPTED_OUT_LEAD],
    );
    assert_eq!(stored, 1);
    let profile: RecordProfile = get_json(
        sandbox,
        &ava,
        &format!("/v1/records/lead/{}", seed::OPTED_OUT_LEAD),
    )
    .await;
    assert_eq!(profile.resubscribe_requested_at, Some(first.requested_at));

    let demo = format!("/v1/records/lead/{}/resubscribe", seed::DEMO_LEAD);
    let (status, error) = error_of(post(sandbox, &ava, &demo, &json!({})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.code, ErrorCode::Conflict);
    assert!(error.message.contains("opted out"), "{}", error.message);
    assert!(
        error.message.contains("Sarah Chen is subscribed"),
        "{}",
        error.message
    );
    let profile: RecordProfile = get_json(
        sandbox,
        &ava,
        &format!("/v1/records/lead/{}", seed::DEMO_LEAD),
    )
    .await;
    assert_eq!(profile.resubscribe_requested_at, None);

    let (status, _) = error_of(
        post(
            sandbox,
            &ava,
            "/v1/records/lead/LEAD-NOBODY/resubscribe",
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let b = token_for(sandbox, seed::REP_B).await;
    let (status, _) = error_of(post(sandbox, &b, &path, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's record");
    let (status, error) = error_of(
        post(
            sandbox,
            &ava,
            "/v1/records/person/X/resubscribe",
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("entity"));
}

#[tokio::test]
async fn a_confirmed_resubscribe_raises_the_opt_in_and_never_lowers_it() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ben").await;
    let (single_entity, single) = seeded_with_status(sandbox, "optedOut", 0);
    let (strong_entity, strong) = seeded_with_status(sandbox, "optedOut", 1);
    {
        let conn = db::open(&sandbox.db_path).unwrap();
        for (crm_id, opt_in) in [(&single, "single"), (&strong, "verifiedDouble")] {
            conn.execute(
                "UPDATE records SET opt_in_type = ?2 WHERE crm_id = ?1
                 AND tenant_id = (SELECT id FROM tenants WHERE name = ?3)",
                params![crm_id, opt_in, seed::TENANT_A],
            )
            .unwrap();
        }
    }
    let confirm =
        |entity: &str, crm_id: &str| format!("/dev/records/{entity}/{crm_id}/resubscribe/confirm");
    let (status, _) = error_of(
        post(
            sandbox,
            &token,
            &confirm(&single_entity, &single),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing requested yet");

    for (entity, crm_id, expected) in [
        (&single_entity, &single, OptInType::Double),
        (&strong_entity, &strong, OptInType::VerifiedDouble),
    ] {
        let requested = post(
            sandbox,
            &token,
            &format!("/v1/records/{entity}/{crm_id}/resubscribe"),
            &json!({}),
        )
        .await;
        assert_eq!(requested.status(), StatusCode::CREATED);
        let confirmed = post(sandbox, &token, &confirm(entity, crm_id), &json!({})).await;
        assert_eq!(confirmed.status(), StatusCode::OK);
        let change: ConsentChange = confirmed.json().await.unwrap();
        assert_eq!(change.subscription_status, SubscriptionStatus::Subscribed);
        assert_eq!(change.opt_in_type, expected, "{crm_id}");
        let profile: RecordProfile =
            get_json(sandbox, &token, &format!("/v1/records/{entity}/{crm_id}")).await;
        assert_eq!(profile.opt_in_type, expected);
        assert_eq!(profile.subscription_status, SubscriptionStatus::Subscribed);
        assert_eq!(profile.resubscribe_requested_at, None, "no longer pending");
    }
    // Subscribed again: a pre-flight lets the email through.
    let template = template_id(sandbox, &token, "Checking in").await;
    let body =
        json!({"templateId": template, "recipients": [recipient(&single_entity, &single, None)]});
    let answer = preflight(sandbox, &token, &body).await;
    assert_eq!(answer.sendable, 1);
}

#[tokio::test]
async fn an_emailed_crm_only_record_is_listed_once_by_the_demo_crm() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let template = template_id(sandbox, &token, "Lead scoring guide").await;
    // A CRM-only lead of the seed: sending adds it to marketing.
    let crm_id: String = {
        let conn = rusqlite::Connection::open(&sandbox.db_path).unwrap();
        conn.query_row(
            "SELECT c.crm_id FROM crm_only_records c
             WHERE c.entity = 'lead' AND c.email IS NOT NULL
               AND c.tenant_id = (SELECT id FROM tenants WHERE name = ?1)
               AND NOT EXISTS (SELECT 1 FROM records r WHERE r.crm_id = c.crm_id)
             ORDER BY c.crm_id DESC LIMIT 1",
            [seed::TENANT_A],
            |row| row.get(0),
        )
        .unwrap()
    };
    let listed = |crm_id: String| async move {
        let url = format!(
            "{}/crm/api/records?entity=lead&user=rep-ava&limit=200&offset=0",
            sandbox.host
        );
        let mut count = 0;
        let mut offset = 0;
        loop {
            let page: Value = client()
                .get(url.replace("offset=0", &format!("offset={offset}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let items = page["items"].as_array().unwrap();
            count += items.iter().filter(|i| i["id"] == json!(crm_id)).count();
            offset += items.len();
            if items.is_empty() || offset as u64 >= page["total"].as_u64().unwrap() {
                return count;
            }
        }
    };
    assert_eq!(listed(crm_id.clone()).await, 1);
    let body = json!({"templateId": template, "recipients": [
        {"entity": "lead", "crmId": crm_id, "email": format!("{}@example.com", crm_id.to_lowercase())}
    ]});
    let sent = send(sandbox, &token, &fresh_crm_id("key"), &body).await;
    assert_eq!(sent.results[0].outcome, SendOutcome::Sent, "{sent:?}");
    assert_eq!(
        listed(crm_id).await,
        1,
        "known to marketing now, still one CRM row"
    );
}
