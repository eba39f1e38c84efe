//! End-to-end: with a record open in the sidebar, an activity recorded meanwhile
//! (`POST /dev/activities`) reaches the history live, without a reload: on top and marked new
//! while the list shows its top, behind a "1 new activity" chip while the rep reads further down.
//! Headless Chromium over WebDriver (see `support/browser.rs`).

mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};
use support::browser::*;

/// Within this of the POST's answer the new row is on screen (the budget).
const LIVE_BUDGET: Duration = Duration::from_secs(2);

/// A lead of `rep-ava` with `count` page visits over the past days: a history that scrolls.
async fn lead_with_history(crm_id: &str, count: i64) {
    let token = token("rep-ava").await;
    let http = reqwest::Client::new();
    let api = &harness().api;
    let created = http
        .post(format!("{api}/dev/records"))
        .bearer_auth(&token)
        .json(
            &json!({"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com"),
                      "firstName": "Liv", "lastName": "Feed"}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let now = Utc::now();
    let activities: Vec<Value> = (1..=count)
        .map(|i| {
            json!({"entity": "lead", "crmId": crm_id, "kind": "pageVisit",
                   "occurredAt": now - chrono::Duration::hours(i * 5),
                   "subject": format!("Older visit {i}"), "url": "https://example.com/docs"})
        })
        .collect();
    post_activity(&json!(activities)).await;
}

/// Records `activities` as the sandbox's development endpoint does, and returns once it answered
/// (they are committed).
async fn post_activity(activities: &Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/dev/activities", harness().api))
        .bearer_auth(token("rep-ava").await)
        .json(activities)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

fn visit(crm_id: &str, subject: &str) -> Value {
    json!({"entity": "lead", "crmId": crm_id, "kind": "pageVisit", "occurredAt": Utc::now(),
           "subject": subject, "url": "https://example.com/pricing"})
}

/// Opens the lead's sidebar and waits until its history is listed and the feed is live.
async fn open_live(client: &fantoccini::Client, crm_id: &str) {
    open_sidebar(
        client,
        &format!("/record?entity=lead&id={crm_id}&user=rep-ava"),
    )
    .await;
    wait_for(client, ".activity-row").await;
    wait_until(
        client,
        "the stamp says live",
        "const s = document.querySelector('.record-header .freshness');
         return s !== null && s.dataset.live === 'true' && s.textContent === 'Live';",
    )
    .await;
    // Survives only as long as the page does: a reload would drop it.
    eval(client, "window.__notReloaded = true; return true;").await;
}

/// The subjects of the rendered rows, top first, and whether each is marked new.
async fn rows(client: &fantoccini::Client) -> Vec<(String, bool)> {
    let rows = eval(
        client,
        "return [...document.querySelectorAll('.activity-row')].map(r =>
             [r.querySelector('.activity-subject').textContent, r.querySelector('.badge-new') !== null]);",
    )
    .await;
    serde_json::from_value(rows).unwrap()
}

#[tokio::test]
async fn at_the_top_a_new_activity_appears_first_marked_new_within_two_seconds() {
    let crm_id = "LEAD-LIVE-TOP";
    lead_with_history(crm_id, 5).await;
    let client = browser().await;
    open_live(&client, crm_id).await;

    let subject = "Live: pricing page";
    post_activity(&visit(crm_id, subject)).await;
    let posted = Instant::now();
    loop {
        let shown = rows(&client).await;
        if shown.first() == Some(&(subject.to_owned(), true)) {
            break;
        }
        assert!(
            posted.elapsed() < LIVE_BUDGET,
            "not on top, marked new, within 2 s: {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let shown = rows(&client).await;
    assert_eq!(shown.len(), 6, "{shown:?}");
    assert!(
        shown[1..].iter().all(|(_, new)| !new),
        "only the new one is marked"
    );
    assert_eq!(
        eval(&client, "return window.__notReloaded === true;").await,
        json!(true)
    );
    // The header's last activity is the new one's (it was recorded as happening now; the
    // older ones are hours old).
    let last = attr_of(&client, ".record-header .last-activity", "datetime").await;
    let last = chrono::DateTime::parse_from_rfc3339(&last).unwrap();
    assert!(
        Utc::now() - last.with_timezone(&Utc) < chrono::Duration::minutes(1),
        "{last}"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn scrolled_down_a_new_activity_waits_behind_a_chip_and_the_list_stays_put() {
    let crm_id = "LEAD-LIVE-SCROLLED";
    lead_with_history(crm_id, 40).await;
    let client = browser().await;
    open_live(&client, crm_id).await;

    eval(
        &client,
        "document.querySelector('.history-scroll').scrollTop = 500; return true;",
    )
    .await;
    wait_until(
        &client,
        "the list is scrolled",
        "return document.querySelector('.history-scroll').scrollTop === 500;",
    )
    .await;
    let before = rows(&client).await;

    let subject = "Live: product tour";
    post_activity(&visit(crm_id, subject)).await;
    let posted = Instant::now();
    wait_until(
        &client,
        "the chip says one new activity",
        "const c = document.querySelector('button.new-chip');
         return c !== null && c.textContent.includes('1 new activity');",
    )
    .await;
    assert!(posted.elapsed() < LIVE_BUDGET + Duration::from_secs(1));
    // Nothing moved under the reader.
    assert_eq!(
        eval(
            &client,
            "return document.querySelector('.history-scroll').scrollTop;"
        )
        .await,
        json!(500)
    );
    assert_eq!(rows(&client).await, before);
    assert_eq!(
        eval(&client, "return window.__notReloaded === true;").await,
        json!(true)
    );

    // The chip brings the list to its top, with the new activity first, marked new.
    click_on(&client, "button.new-chip").await;
    wait_until(
        &client,
        "the list is at its top with the new activity",
        "const s = document.querySelector('.history-scroll');
         const first = document.querySelector('.activity-row');
         return s.scrollTop === 0 && first !== null
             && first.querySelector('.activity-subject').textContent === 'Live: product tour'
             && first.querySelector('.badge-new') !== null
             && document.querySelector('button.new-chip') === null;",
    )
    .await;
    client.close().await.unwrap();
}
