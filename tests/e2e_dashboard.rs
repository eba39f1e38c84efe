//! End-to-end: a rep uses the demo CRM's Dashboard tab, in headless Chromium (see
//! `support/browser.rs` for the harness): a message they send shows with its opens and clicks,
//! its recipients open their records, and a visitor on the website shows as on the site now
//! while the tab is open.

mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use crm_sidebar::wire::SendResponse;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

/// A CRM id no other test uses.
fn fresh_crm_id(label: &str) -> String {
    format!(
        "E2E-DASH-{label}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// A POST to the API as `crm_user`; panics unless it succeeded.
async fn api_post(crm_user: &str, path: &str, body: &Value, key: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", harness().api))
        .bearer_auth(token(crm_user).await)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

/// A new lead owned by `crm_user`, named `first` "Dashboard".
async fn new_lead(crm_user: &str, first: &str) -> String {
    let crm_id = fresh_crm_id(first);
    let email = format!("{}@dash.example", crm_id.to_lowercase());
    api_post(
        crm_user,
        "/dev/records",
        &json!({"entity": "lead", "crmId": crm_id, "firstName": first,
            "lastName": "Dashboard", "email": email}),
        None,
    )
    .await;
    crm_id
}

/// Records one activity of `crm_id` now.
async fn record_activity(crm_user: &str, crm_id: &str, kind: &str, extra: Value) {
    let mut activity = json!({"entity": "lead", "crmId": crm_id, "kind": kind,
        "occurredAt": Utc::now(), "subject": format!("{kind} of {crm_id}")});
    if let (Some(activity), Some(extra)) = (activity.as_object_mut(), extra.as_object()) {
        activity.extend(extra.clone());
    }
    api_post(crm_user, "/dev/activities", &activity, None).await;
}

/// Opens the Dashboard tab as `crm_user` and waits until both sections have answered.
async fn open_dashboard(client: &Client, crm_user: &str) {
    open_sidebar(client, &format!("/dashboard?user={crm_user}")).await;
    wait_until(
        client,
        "both sections answered",
        "return !!document.querySelector('.sends-section')
             && !document.querySelector('.dashboard-section .skeleton');",
    )
    .await;
}

/// What the row of send `id` shows: `[subject, delivered, opened, clicked]`, once it is listed.
async fn send_row(client: &Client, id: i64) -> Value {
    poll(
        client,
        &format!("send {id} is listed"),
        &format!(
            "const row = document.querySelector('.send-list .send[data-send-id=\"{id}\"]');
             if (!row) return null;
             const count = kind => row.querySelector('.rate-' + kind + ' .rate-count').textContent;
             return [row.querySelector('.send-subject').textContent,
                     count('delivered'), count('opened'), count('clicked')];"
        ),
    )
    .await
}

#[tokio::test]
async fn a_send_made_in_the_test_is_listed_with_its_opens_and_clicks() {
    let rep = "rep-chloe";
    let leads = [
        new_lead(rep, "Opens").await,
        new_lead(rep, "Clicks").await,
        new_lead(rep, "Ignores").await,
    ];
    let templates: Value = api_get(rep, "/v1/templates").await;
    let template_id = templates["items"][0]["id"].as_i64().expect("a template");
    let subject = format!("Dashboard check {}", fresh_crm_id("send"));
    let recipients: Vec<Value> = leads
        .iter()
        .map(|crm_id| {
            json!({"entity": "lead", "crmId": crm_id,
                "email": format!("{}@dash.example", crm_id.to_lowercase())})
        })
        .collect();
    let sent: SendResponse = serde_json::from_value(
        api_post(
            rep,
            "/v1/sends",
            &json!({"templateId": template_id, "subject": subject, "recipients": recipients}),
            Some(&fresh_crm_id("key")),
        )
        .await,
    )
    .unwrap();
    // Two recipients open it (one of them twice) and one of those clicks: 2 opened, 1 clicked.
    let campaign = json!({"campaignId": sent.campaign_id});
    for (crm_id, kind) in [
        (&leads[0], "emailOpened"),
        (&leads[0], "emailOpened"),
        (&leads[1], "emailOpened"),
        (&leads[1], "emailClicked"),
    ] {
        record_activity(rep, crm_id, kind, campaign.clone()).await;
    }

    let client = browser().await;
    open_dashboard(&client, rep).await;
    assert_eq!(
        send_row(&client, sent.id).await,
        json!([subject, "3", "2", "1"]),
        "subject, delivered, opened, clicked"
    );
    // Newest first: the send just made heads the list.
    assert_eq!(
        attr_of(&client, ".send-list .send", "data-send-id").await,
        sent.id.to_string()
    );
    let when = attr_of(
        &client,
        &format!(".send[data-send-id=\"{}\"] .send-meta time", sent.id),
        "datetime",
    )
    .await;
    assert!(same_instant(&when, sent.created_at), "{when}");

    // Opening the send lists its recipients, with when each first opened and clicked.
    click_on(
        &client,
        &format!(".send[data-send-id=\"{}\"] .send-subject", sent.id),
    )
    .await;
    let engagement = poll(
        &client,
        "the recipients are listed",
        "const rows = [...document.querySelectorAll('.recipient')];
         if (rows.length < 3) return null;
         return rows.map(r => [r.dataset.crmId, !!r.querySelector('.recipient-opened'),
                               !!r.querySelector('.recipient-clicked')]);",
    )
    .await;
    assert_eq!(
        engagement,
        json!([
            [leads[0], true, false],
            [leads[1], true, true],
            [leads[2], false, false]
        ])
    );

    // At 320 px nothing spills sideways.
    narrow_frame(&client, 320).await;
    assert_eq!(
        eval(
            &client,
            "return [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .map(e => e.className || e.tagName);"
        )
        .await,
        json!([]),
        "elements spilling out of a 320 px frame"
    );

    // Opening a recipient asks the CRM to open their record.
    click_on(
        &client,
        &format!(".recipient[data-crm-id=\"{}\"] .recipient-name", leads[1]),
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    wait_until(
        &client,
        "the CRM opened the record",
        &format!(
            "const q = new URLSearchParams(location.search);
             return location.pathname === '/record' && q.get('id') === {:?};",
            leads[1]
        ),
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_visitor_shows_on_the_site_now_within_2_seconds() {
    let rep = "rep-dan";
    let lead = new_lead(rep, "Visitor").await;
    let client = browser().await;
    open_dashboard(&client, rep).await;
    assert_eq!(
        eval(
            &client,
            &format!("return !!document.querySelector('.visitor[data-crm-id=\"{lead}\"]');")
        )
        .await,
        json!(false),
        "not a visitor before the page view"
    );

    let posted = Instant::now();
    record_activity(
        rep,
        &lead,
        "pageVisit",
        json!({"url": "https://www.northwind.example/pricing",
            "details": {"pageTitle": "Pricing", "secondsOnPage": 30}}),
    )
    .await;
    let page = poll(
        &client,
        "the visitor is on the site now",
        &format!(
            "const row = document.querySelector('.visitor.visitor-now[data-crm-id=\"{lead}\"]');
             return row && row.querySelector('.visitor-page-name').textContent;"
        ),
    )
    .await;
    let took = posted.elapsed();
    assert_eq!(page, json!("Pricing"));
    assert!(
        took <= Duration::from_secs(2),
        "the visitor showed {took:?} after the page view"
    );
    assert_eq!(
        eval(
            &client,
            "return !!document.querySelector('.visitor-group-now .live-dot');"
        )
        .await,
        json!(true)
    );

    // "Send email" writes to them in place of the dashboard; the CRM tab logs the "Sent Email"
    // note on their record (a tab has no record of its own, yet the note is not refused); Back
    // returns to the dashboard.
    click_on(
        &client,
        &format!(".visitor[data-crm-id=\"{lead}\"] .visitor-send"),
    )
    .await;
    wait_for(&client, ".dashboard-writing .template input").await;
    click_on(&client, ".dashboard-writing .template input").await;
    wait_until(
        &client,
        "the pre-flight finds the visitor sendable",
        "const t = document.querySelector('.preflight-count');
         return !!t && t.textContent.startsWith('1 recipient will receive it');",
    )
    .await;
    click_on(&client, "#send-submit").await;
    wait_for(&client, ".send-results").await;
    assert_eq!(
        eval(
            &client,
            &format!(
                "return document.querySelector('.send-result[data-crm-id=\"{lead}\"]').dataset.outcome;"
            )
        )
        .await,
        json!("sent")
    );
    let mut notes = Vec::new();
    for _ in 0..100 {
        notes = crm_notes(rep, &lead).await;
        if !notes.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        notes
            .iter()
            .any(|(subject, _)| subject.starts_with("Sent Email")),
        "{notes:?}"
    );
    click_on(&client, ".dashboard-back .link-button").await;
    wait_for(&client, &format!(".visitor[data-crm-id=\"{lead}\"]")).await;
    client.close().await.unwrap();
}
