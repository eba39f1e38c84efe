//! Programs and enrolment over real HTTP on loopback: which programs the CRM sees, the paused and
//! disabled rules, the unknown-record path, idempotency (also under concurrency), request limits,
//! tenant isolation and the enrolments listing.

mod support;

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use crm_sidebar::sandbox::{self, db, seed};
use crm_sidebar::wire::*;
use reqwest::StatusCode;
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

/// The id of a seeded program, read from the database (disabled ones are not listed by the API).
fn program_id(sandbox: &Sandbox, name: &str) -> i64 {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row("SELECT id FROM programs WHERE name = ?1", [name], |row| {
        row.get(0)
    })
    .unwrap()
}

fn enrol_path(program: i64) -> String {
    format!("/v1/programs/{program}/enrolments")
}

async fn enrol(sandbox: &Sandbox, token: &str, program: i64, records: Value) -> EnrolResponse {
    let response = post(
        sandbox,
        token,
        &enrol_path(program),
        &json!({ "records": records }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "enrol into {program}");
    response.json().await.unwrap()
}

/// The record's `programEnrolled` activities, newest first.
async fn enrolment_activities(sandbox: &Sandbox, token: &str, crm_id: &str) -> Vec<Activity> {
    let page: ActivityPage = get_json(
        sandbox,
        token,
        &format!("/v1/records/lead/{crm_id}/activities?kinds=programEnrolled&limit=200"),
    )
    .await;
    page.items
}

/// A record the platform already knows, created through the dev endpoint.
async fn known_lead(sandbox: &Sandbox, token: &str, label: &str) -> String {
    let crm_id = fresh_crm_id(label);
    let response = post(
        sandbox,
        token,
        "/dev/records",
        &json!({"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com"),
                "firstName": "Known", "lastName": "Person"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    crm_id
}

#[tokio::test]
async fn the_crm_sees_only_enabled_programs_and_why_paused_ones_cannot_be_chosen() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let list: ProgramList = get_json(sandbox, &token, "/v1/programs").await;
    let names: Vec<&str> = list.items.iter().map(|p| p.name.as_str()).collect();
    for listed in [
        "Welcome Nurture",
        "Webinar Follow-up",
        "Trial Onboarding",
        "Spring Promotion",
    ] {
        assert!(names.contains(&listed), "{listed} listed in {names:?}");
    }
    for hidden in ["Customer Summit Invitations", "Legacy Newsletter Drip"] {
        assert!(!names.contains(&hidden), "{hidden} is not enabled for CRM");
    }
    assert!(list.items.iter().all(|p| p.enabled_for_crm));
    for program in &list.items {
        assert_eq!(
            program.unavailable_reason.is_some(),
            !program.active,
            "{}",
            program.name
        );
        assert!(!program.description.is_empty());
    }
    let spring = list
        .items
        .iter()
        .find(|p| p.name == "Spring Promotion")
        .unwrap();
    assert!(!spring.active);
    assert_eq!(
        spring.unavailable_reason.as_deref(),
        Some("This program is paused.")
    );
    let first_paused = list.items.iter().position(|p| !p.active).unwrap();
    assert!(
        list.items[first_paused..].iter().all(|p| !p.active),
        "active programs come first"
    );

    // The raw JSON the UI reads.
    let raw: Value = get_json(sandbox, &token, "/v1/programs?q=spring").await;
    assert_eq!(raw["items"][0]["enabledForCrm"], true);
    assert_eq!(
        raw["items"][0]["unavailableReason"],
        "This program is paused."
    );

    let search: ProgramList = get_json(sandbox, &token, "/v1/programs?q=%20WEBINAR%20").await;
    let names: Vec<&str> = search.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Webinar Follow-up"]);
    let literal: ProgramList = get_json(sandbox, &token, "/v1/programs?q=%25").await;
    assert!(literal.items.is_empty(), "% is searched for literally");
    let summit: ProgramList = get_json(sandbox, &token, "/v1/programs?q=summit").await;
    assert!(summit.items.is_empty(), "a disabled program is not found");
    let (status, error) = error_of(
        get(
            sandbox,
            &token,
            &format!("/v1/programs?q={}", "x".repeat(201)),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("q"));
}

#[tokio::test]
async fn programs_come_a_page_at_a_time_in_the_order_of_one_long_page() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    // Names that tie but for case: the keyset's last key, the id, orders them.
    {
        let conn = db::open(&sandbox.db_path).unwrap();
        for name in ["Tie break", "tie break", "TIE BREAK"] {
            conn.execute(
                "INSERT INTO programs (tenant_id, name, description, active, enabled_for_crm)
                 SELECT tenant_id, ?1, 'A tie.', 1, 1 FROM programs WHERE name = 'Welcome Nurture'",
                [name],
            )
            .unwrap();
        }
    }
    let whole: ProgramList = get_json(sandbox, &token, "/v1/programs?limit=200").await;
    assert!(whole.next_cursor.is_none());
    assert!(whole.items.len() >= 5, "enough programs to page through");

    for search in ["", "&q=o", "&q=tie%20break"] {
        let expected: Vec<i64> = if search.is_empty() {
            whole.items.iter().map(|p| p.id).collect()
        } else {
            let path = format!("/v1/programs?limit=200{search}");
            let list: ProgramList = get_json(sandbox, &token, &path).await;
            list.items.iter().map(|p| p.id).collect()
        };
        if search.contains("tie") {
            assert_eq!(expected.len(), 3, "the three ties");
            assert!(
                expected.windows(2).all(|w| w[0] < w[1]),
                "by id: {expected:?}"
            );
        }
        let mut walked = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            // One a page through the ties, so each page ends on one of them.
            let limit = if search.contains("tie") { 1 } else { 2 };
            let path = match &cursor {
                Some(c) => format!("/v1/programs?limit={limit}{search}&cursor={c}"),
                None => format!("/v1/programs?limit={limit}{search}"),
            };
            let page: ProgramList = get_json(sandbox, &token, &path).await;
            assert!(page.items.len() <= limit);
            walked.extend(page.items.iter().map(|p| p.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(walked.len() <= expected.len(), "pages end");
        }
        assert_eq!(walked, expected, "pages of {search}");
    }

    for (query, field) in [
        ("cursor=not%2Ba%2Bcursor", "cursor"),
        ("entity=AAA", "entity"),
        ("crmId=%20", "crmId"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
    ] {
        let (status, error) =
            error_of(get(sandbox, &token, &format!("/v1/programs?{query}")).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error.field.as_deref(), Some(field), "{query}");
    }
}

#[tokio::test]
async fn paused_and_disabled_programs_refuse_enrolment_with_409() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let crm_id = known_lead(sandbox, &token, "RULES").await;
    let records = json!({"records": [{"entity": "lead", "crmId": crm_id}]});
    for (program, word) in [
        ("Spring Promotion", "paused"),
        ("Customer Summit Invitations", "enable it for CRM enrolment"),
        ("Legacy Newsletter Drip", "enable it for CRM enrolment"),
    ] {
        let response = post(
            sandbox,
            &token,
            &enrol_path(program_id(sandbox, program)),
            &records,
        )
        .await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::CONFLICT, "{program}");
        assert_eq!(error.code, ErrorCode::Conflict);
        assert_eq!(error.field.as_deref(), Some("programId"), "{program}");
        assert!(error.message.contains(word), "{program}: {}", error.message);
    }
    let enrolments: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments"),
    )
    .await;
    assert!(
        enrolments.items.is_empty(),
        "a refused request changes nothing"
    );
    assert!(enrolment_activities(sandbox, &token, &crm_id)
        .await
        .is_empty());

    let active = enrol(
        sandbox,
        &token,
        program_id(sandbox, "Trial Onboarding"),
        records["records"].clone(),
    )
    .await;
    assert_eq!(active.program_name, "Trial Onboarding");
    assert_eq!(active.results[0].outcome, EnrolOutcome::Enrolled);
    assert!(!active.results[0].added_to_all_contacts);
}

#[tokio::test]
async fn an_unknown_record_is_added_to_all_contacts_and_its_history_shows_the_enrolment() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ben").await;
    let known = known_lead(sandbox, &token, "SELECTION").await;
    let unknown = fresh_crm_id("NEW");
    let nameless = fresh_crm_id("NAMELESS");
    let program = program_id(sandbox, "Welcome Nurture");
    let response = enrol(
        sandbox,
        &token,
        program,
        json!([
            {"entity": "lead", "crmId": known},
            {"entity": "lead", "crmId": unknown, "email": format!("{unknown}@example.com"),
             "firstName": "Nina", "lastName": "Novak", "company": "Fabrikam", "jobTitle": "CTO"},
            {"entity": "lead", "crmId": nameless, "company": "Only a company"},
        ]),
    )
    .await;
    let outcomes: Vec<(&str, EnrolOutcome, bool)> = response
        .results
        .iter()
        .map(|r| (r.crm_id.as_str(), r.outcome, r.added_to_all_contacts))
        .collect();
    assert_eq!(
        outcomes,
        [
            (known.as_str(), EnrolOutcome::Enrolled, false),
            (unknown.as_str(), EnrolOutcome::Enrolled, true),
            (nameless.as_str(), EnrolOutcome::Failed, false),
        ],
        "one result per record, in request order"
    );
    assert_eq!(response.count(EnrolOutcome::Enrolled), 2);
    let failure = response.results[2].message.as_deref().unwrap();
    assert!(failure.contains("no email or name"), "{failure}");

    let profile: RecordProfile =
        get_json(sandbox, &token, &format!("/v1/records/lead/{unknown}")).await;
    assert!(!profile.imported);
    assert_eq!(profile.owner.as_ref().unwrap().crm_user, "rep-ben");
    assert_eq!(profile.first_name.as_deref(), Some("Nina"));
    assert_eq!(profile.job_title.as_deref(), Some("CTO"));
    assert_eq!(
        profile.activity_counts.get(&ActivityKind::ProgramEnrolled),
        Some(&1)
    );
    let history = enrolment_activities(sandbox, &token, &unknown).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].subject.as_deref(), Some("Welcome Nurture"));
    assert_eq!(
        history[0].details.program_name.as_deref(),
        Some("Welcome Nurture")
    );
    assert!(Utc::now() - history[0].occurred_at < Duration::minutes(1));

    let (status, error) =
        error_of(get(sandbox, &token, &format!("/v1/records/lead/{nameless}")).await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        "nothing is added for a record that failed"
    );

    // The same person under another CRM id is recognised by email, not added twice.
    let again = enrol(
        sandbox,
        &token,
        program,
        json!([{"entity": "lead", "crmId": fresh_crm_id("ALIAS"),
                "email": format!("{}@EXAMPLE.com", unknown)}]),
    )
    .await;
    assert_eq!(again.results[0].outcome, EnrolOutcome::AlreadyEnrolled);
    assert!(!again.results[0].added_to_all_contacts);
}

#[tokio::test]
async fn enrolling_twice_says_already_enrolled_and_adds_one_activity() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-chloe").await;
    let crm_id = known_lead(sandbox, &token, "TWICE").await;
    let program = program_id(sandbox, "Re-engagement");
    let records = json!([{"entity": "lead", "crmId": crm_id}]);
    let first = enrol(sandbox, &token, program, records.clone()).await;
    assert_eq!(first.results[0].outcome, EnrolOutcome::Enrolled);
    let second = enrol(sandbox, &token, program, records.clone()).await;
    assert_eq!(second.results[0].outcome, EnrolOutcome::AlreadyEnrolled);
    assert_eq!(second.results[0].message, None);
    assert!(!second.results[0].added_to_all_contacts);
    let raw: Value = post(
        sandbox,
        &token,
        &enrol_path(program),
        &json!({ "records": records }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(raw["results"][0]["outcome"], "alreadyEnrolled");
    assert_eq!(raw["results"][0]["enrolmentStatus"], "active");
    assert_eq!(raw["results"][0]["addedToAllContacts"], false);
    assert_eq!(raw["programId"], program);

    let enrolments: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments"),
    )
    .await;
    assert_eq!(enrolments.items.len(), 1);
    assert_eq!(
        enrolment_activities(sandbox, &token, &crm_id).await.len(),
        1
    );
}

/// A request sent again under its Idempotency-Key (a retry after a lost answer) gets the first
/// answer again: "enrolled" and "added to All contacts" as they were, not "already enrolled".
#[tokio::test]
async fn a_retry_under_the_same_key_reads_the_first_answer() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let crm_id = fresh_crm_id("KEYED");
    let program = program_id(sandbox, "Welcome Nurture");
    let body = json!({"records": [{"entity": "lead", "crmId": crm_id,
        "email": format!("{crm_id}@example.com"), "firstName": "Kay"}]});
    let send = |key: &str, body: Value| {
        let key = key.to_owned();
        let (api, token) = (sandbox.api.clone(), token.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{api}{}", enrol_path(program)))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let key = format!("enrol-{crm_id}");
    let first = send(&key, body.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: EnrolResponse = first.json().await.unwrap();
    assert_eq!(first.results[0].outcome, EnrolOutcome::Enrolled);
    assert!(first.results[0].added_to_all_contacts);

    let again = send(&key, body.clone()).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let again: EnrolResponse = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(
        enrolment_activities(sandbox, &token, &crm_id).await.len(),
        1,
        "enrolled once"
    );

    // Without the key, the same request says what is true now.
    let plain = enrol(sandbox, &token, program, body["records"].clone()).await;
    assert_eq!(plain.results[0].outcome, EnrolOutcome::AlreadyEnrolled);

    // The key with another request is refused, and nothing happens.
    let other = json!({"records": [{"entity": "lead", "crmId": format!("{crm_id}-2"),
        "firstName": "Other"}]});
    let (status, error) = error_of(send(&key, other).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.field.as_deref(), Some("Idempotency-Key"));
    let (status, _) = error_of(
        get(
            sandbox,
            &token,
            &format!("/v1/records/lead/{crm_id}-2/enrolments"),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the other record was not added"
    );
}

#[tokio::test]
async fn concurrent_enrolments_of_one_record_make_one_enrolment_and_one_activity() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-dan").await;
    let crm_id = fresh_crm_id("RACE");
    let program = program_id(sandbox, "Customer Advocacy");
    let body = json!({"records": [{"entity": "lead", "crmId": crm_id,
                                   "email": format!("{crm_id}@example.com")}]});
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (token, body) = (token.clone(), body.clone());
            tokio::spawn(async move {
                let response = post(shared(), &token, &enrol_path(program), &body).await;
                assert_eq!(response.status(), StatusCode::OK);
                response.json::<EnrolResponse>().await.unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for request in requests {
        results.push(request.await.unwrap().results.remove(0));
    }
    let count = |outcome| results.iter().filter(|r| r.outcome == outcome).count();
    assert_eq!(count(EnrolOutcome::Enrolled), 1);
    assert_eq!(count(EnrolOutcome::AlreadyEnrolled), 7);
    assert_eq!(
        results.iter().filter(|r| r.added_to_all_contacts).count(),
        1,
        "the record is added once"
    );
    let enrolments: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments"),
    )
    .await;
    assert_eq!(enrolments.items.len(), 1);
    assert_eq!(
        enrolment_activities(sandbox, &token, &crm_id).await.len(),
        1
    );
}

#[tokio::test]
async fn a_request_takes_1_to_200_records() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let program = program_id(sandbox, "Webinar Follow-up");
    let batch = fresh_crm_id("BATCH");
    let records = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"entity": "contact", "crmId": format!("{batch}-{i}"), "lastName": "Batch"}))
            .collect()
    };
    for (body, field) in [
        (json!({ "records": records(201) }), "records"),
        (json!({ "records": [] }), "records"),
        (
            json!({ "records": [{"entity": "lead", "crmId": " "}] }),
            "records[0].crmId",
        ),
        (
            json!({ "records": [{"entity": "opportunity", "crmId": "X"}] }),
            "records[0].entity",
        ),
        (json!({ "people": [] }), "body"),
    ] {
        let (status, error) =
            error_of(post(sandbox, &token, &enrol_path(program), &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error.field.as_deref(), Some(field), "{body}");
    }
    let (status, _) = error_of(
        post(
            sandbox,
            &token,
            "/v1/programs/not-a-number/enrolments",
            &json!({ "records": records(1) }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = error_of(
        post(
            sandbox,
            &token,
            &enrol_path(987_654),
            &json!({ "records": records(1) }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let full = enrol(sandbox, &token, program, Value::from(records(200))).await;
    assert_eq!(full.results.len(), 200);
    assert_eq!(full.count(EnrolOutcome::Enrolled), 200);
    assert!(full.results.iter().all(|r| r.added_to_all_contacts));
    assert!(full.results.iter().all(|r| r.entity == Entity::Contact));
}

#[tokio::test]
async fn a_tenant_sees_and_enrols_only_into_its_own_programs() {
    let sandbox = shared();
    let b = token_for(sandbox, seed::REP_B).await;
    let list: ProgramList = get_json(sandbox, &b, "/v1/programs").await;
    assert!(
        list.items.is_empty(),
        "tenant B has no CRM-enabled program: {list:?}"
    );

    let a = token_for(sandbox, "rep-ava").await;
    let a_program = program_id(sandbox, "Welcome Nurture");
    let b_lead = json!({"records": [{"entity": "lead", "crmId": seed::B_LEAD}]});
    let (status, error) = error_of(post(sandbox, &b, &enrol_path(a_program), &b_lead).await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let b_program = program_id(sandbox, "Contoso Onboarding");
    let (status, error) = error_of(post(sandbox, &b, &enrol_path(b_program), &b_lead).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.field.as_deref(), Some("programId"));
    let (status, _) = error_of(post(sandbox, &a, &enrol_path(b_program), &b_lead).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "A cannot use B's program");

    // A record of tenant A is unknown to tenant B, and its enrolments with it.
    let crm_id = known_lead(sandbox, &a, "ISOLATION").await;
    enrol(
        sandbox,
        &a,
        a_program,
        json!([{"entity": "lead", "crmId": crm_id}]),
    )
    .await;
    let (status, _) = error_of(
        get(
            sandbox,
            &b,
            &format!("/v1/records/lead/{crm_id}/enrolments"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_enrolments_of_a_record_show_status_and_dates_newest_first() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let crm_id = known_lead(sandbox, &token, "LISTING").await;
    let before = Utc::now() - Duration::seconds(1);
    for program in ["Welcome Nurture", "Trial Onboarding"] {
        enrol(
            sandbox,
            &token,
            program_id(sandbox, program),
            json!([{"entity": "lead", "crmId": crm_id}]),
        )
        .await;
    }
    let after = Utc::now() + Duration::seconds(1);
    let list: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments"),
    )
    .await;
    let names: Vec<&str> = list.items.iter().map(|e| e.program_name.as_str()).collect();
    assert_eq!(names, ["Trial Onboarding", "Welcome Nurture"]);
    for enrolment in &list.items {
        assert_eq!(enrolment.status, EnrolmentStatus::Active);
        assert!(before <= enrolment.enrolled_at && enrolment.enrolled_at <= after);
        assert_eq!(enrolment.updated_at, enrolment.enrolled_at);
        assert_eq!(
            enrolment.program_id,
            program_id(sandbox, &enrolment.program_name)
        );
    }
    let raw: Value = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments"),
    )
    .await;
    let enrolled_at = raw["items"][0]["enrolledAt"].as_str().unwrap();
    assert!(DateTime::parse_from_rfc3339(enrolled_at).is_ok());
    assert_eq!(raw["items"][0]["status"], "active");

    // A page at a time: one per page here, newest first, then no cursor.
    let first: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments?limit=1"),
    )
    .await;
    assert_eq!(first.items, list.items[..1]);
    let cursor = first.next_cursor.expect("a second page");
    let second: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{crm_id}/enrolments?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(second.items, list.items[1..]);
    assert_eq!(second.next_cursor, None);
    let (status, error) = error_of(
        get(
            sandbox,
            &token,
            &format!("/v1/records/lead/{crm_id}/enrolments?cursor=x"),
        )
        .await,
    )
    .await;
    // Readable as a cursor, but not one of this list: it leads nowhere.
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.field.as_deref(), Some("cursor"));

    // The programs list says which programs the record is in, by CRM id or by email.
    for record in [
        format!("entity=lead&crmId={crm_id}"),
        format!("entity=lead&crmId=LEAD-UNKNOWN&email={crm_id}%40example.com"),
    ] {
        let programs: ProgramList =
            get_json(sandbox, &token, &format!("/v1/programs?limit=200&{record}")).await;
        let statuses: Vec<(&str, EnrolmentStatus)> = programs
            .items
            .iter()
            .filter_map(|p| Some((p.name.as_str(), p.enrolment_status?)))
            .collect();
        assert_eq!(
            statuses,
            [
                ("Trial Onboarding", EnrolmentStatus::Active),
                ("Welcome Nurture", EnrolmentStatus::Active)
            ],
            "{record}"
        );
    }
    let anonymous: ProgramList = get_json(sandbox, &token, "/v1/programs?limit=200").await;
    assert!(anonymous.items.iter().all(|p| p.enrolment_status.is_none()));

    // Found by email when the CRM id is unknown, as the profile is.
    let by_email: EnrolmentList = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/LEAD-UNKNOWN/enrolments?email={crm_id}%40example.com"),
    )
    .await;
    assert_eq!(by_email, list);

    let (status, error) =
        error_of(get(sandbox, &token, "/v1/records/lead/LEAD-UNKNOWN/enrolments").await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    assert!(error.message.contains("not yet known to marketing"));
    let (status, error) =
        error_of(get(sandbox, &token, "/v1/records/deal/X/enrolments").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("entity"));
}

#[test]
fn the_programs_endpoints_are_described_for_openapi() {
    use utoipa::OpenApi;
    let document = sandbox::programs::Doc::openapi();
    for path in [
        "/v1/programs",
        "/v1/programs/{id}/enrolments",
        "/v1/records/{entity}/{crmId}/enrolments",
    ] {
        assert!(document.paths.paths.contains_key(path), "{path} documented");
    }
    let schemas = &document.components.as_ref().unwrap().schemas;
    for schema in [
        "ProgramList",
        "EnrolRequest",
        "EnrolResponse",
        "EnrolmentList",
    ] {
        assert!(schemas.contains_key(schema), "{schema} documented");
    }
}
