//! End-to-end: the packaged Dynamics 365 solution in headless Chromium. The demo's Dynamics page
//! (`/dynamics/record`, src/sandbox/dynamics.rs) runs the solution's `launcher.js`, `pane.html`
//! and `dialog.html` as served from the zip `make package` built, against the `Xrm` double of the
//! package's tests; the user signs in with the demo identity provider's signed assertion,
//! exchanged at `/v1/sso/exchange` by the package's own code.
//! Needs `make plugin` then `make package` (make test runs both, in that order).
//! Run alone: the harness binds the demo host's port.
//! `cargo test --features sandbox --test e2e_dynamics`

mod support;

use std::path::Path;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use crm_sidebar::sandbox::dynamics;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

const REP: &str = "rep-ava";

/// A lead as a Dynamics org holds it: a GUID id. Made in the platform (which then knows it, as
/// it would a synced lead) and so listed by the demo CRM the page's double reads.
struct Lead {
    id: String,
    newest_activity: DateTime<Utc>,
}

/// A POST to a development endpoint as the rep, which must succeed.
async fn dev_post(token: &str, path: &str, body: &Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", harness().api))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "{path}: {}",
        answer.text().await.unwrap()
    );
}

/// Adds `count` leads of the rep with GUID ids, each with two page visits, the newer a distinct
/// number of hours ago.
async fn dynamics_leads(count: usize) -> Vec<Lead> {
    let token = token(REP).await;
    let stamp = Utc::now().timestamp_micros() as u64;
    let now = Utc::now().trunc_subsecs(3);
    let mut leads = Vec::new();
    for n in 0..count {
        let id = format!(
            "d3650000-0000-4000-8000-{:012x}",
            (stamp + n as u64) & 0xffff_ffff_ffff
        );
        let lead = json!({
            "entity": "lead", "crmId": id, "email": format!("dynamics-{n}-{stamp}@example.com"),
            "firstName": format!("Dana{n}"), "lastName": "Dynamics", "company": "Fabrikam",
            "jobTitle": "Buyer",
        });
        dev_post(&token, "/dev/records", &lead).await;
        let newest = now - Duration::hours(n as i64 + 1);
        let activities = [newest - Duration::days(3), newest].map(|at| {
            json!({
                "entity": "lead", "crmId": id, "kind": "pageVisit", "occurredAt": at.to_rfc3339(),
                "url": "https://www.example.com/pricing", "subject": "Pricing",
            })
        });
        dev_post(&token, "/dev/activities", &json!(activities)).await;
        leads.push(Lead {
            id,
            newest_activity: newest,
        });
    }
    leads
}

fn assert_the_package_is_built() {
    let zip = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("dist/packages")
        .join(dynamics::package_file_name());
    assert!(
        zip.exists(),
        "{} is not built: run `make package` after `make plugin` (make test does)",
        zip.display()
    );
}

/// From the Dynamics page into the plugin's frame inside the side pane's page.
async fn enter_the_side_pane_plugin(client: &Client) {
    wait_for(client, "#side-pane-frame")
        .await
        .enter_frame()
        .await
        .unwrap();
    wait_for(client, "#msb-sidebar iframe")
        .await
        .enter_frame()
        .await
        .unwrap();
}

/// Waits until the plugin in the current frame shows `lead`'s newest activity first.
async fn wait_for_newest_activity_of(client: &Client, lead: &Lead) {
    let wanted = lead.newest_activity;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let first = first_row_time(client).await;
        if same_instant(&first, wanted) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the pane shows {first} first, not {} of {}",
            wanted.to_rfc3339(),
            lead.id
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// How often the page's scripts called `api` of the `Xrm` double.
async fn calls_to(client: &Client, api: &str) -> u64 {
    eval(
        client,
        &format!("return window.DynamicsDemo.crm.callsTo({api:?}).length;"),
    )
    .await
    .as_u64()
    .unwrap()
}

/// The subject of the email sent to a lead through the platform (the newest `emailSent`).
async fn sent_subject(lead: &str) -> String {
    let page: Value = api_get(
        REP,
        &format!("/v1/records/lead/{lead}/activities?kinds=emailSent&limit=1"),
    )
    .await;
    page["items"][0]["subject"]
        .as_str()
        .unwrap_or_else(|| panic!("no email sent to {lead}: {page}"))
        .to_owned()
}

#[tokio::test]
async fn the_packaged_pane_follows_the_record_and_the_grid_button_sends_to_three_with_notes() {
    assert_the_package_is_built();
    let leads = dynamics_leads(3).await;
    let client = browser().await;
    client
        .goto(&format!(
            "{}/dynamics/record?entity=lead&id={}&user={REP}",
            harness().host,
            leads[0].id
        ))
        .await
        .unwrap();

    // The form's OnLoad opened the pane, whose plugin shows the record's newest activity.
    enter_the_side_pane_plugin(&client).await;
    wait_for_newest_activity_of(&client, &leads[0]).await;
    client.enter_parent_frame().await.unwrap();
    client.enter_parent_frame().await.unwrap();
    assert_eq!(
        eval(
            &client,
            "return document.getElementById('side-pane-title').textContent;"
        )
        .await,
        json!("Marketing")
    );
    // It signed in through the demo identity provider and the exchange, never a dev token.
    let requests = eval(
        &client,
        "return [...document.querySelectorAll('iframe')].flatMap(f => {
           try { return f.contentWindow.performance.getEntriesByType('resource'); } catch (_) { return []; }
         }).map(e => new URL(e.name).pathname);",
    )
    .await;
    for path in ["/v1/sso/exchange"] {
        assert!(
            requests.as_array().unwrap().iter().any(|p| p == path),
            "{path} in {requests}"
        );
    }

    // Another record, opened from the grid within the app: the open pane moves to it.
    click_on(&client, "#nav-lead").await;
    click_on(&client, &format!("a[data-record-id='{}']", leads[1].id)).await;
    assert_eq!(text_of(&client, "#form-name").await, "Dana1 Dynamics");
    enter_the_side_pane_plugin(&client).await;
    wait_for_newest_activity_of(&client, &leads[1]).await;
    client.enter_parent_frame().await.unwrap();
    client.enter_parent_frame().await.unwrap();
    // With a new context, not a reload: one pane, navigated once.
    assert_eq!(calls_to(&client, "sidePanes.createPane").await, 1);
    assert_eq!(calls_to(&client, "pane.navigate").await, 1);

    // The grid's "Send marketing email" with three ticked opens the dialog with the three.
    click_on(&client, "#nav-lead").await;
    for lead in &leads {
        click_on(
            &client,
            &format!("input.d365-select[value='{{{}}}']", lead.id.to_uppercase()),
        )
        .await;
    }
    assert_eq!(text_of(&client, "#grid-count").await, "3 selected");
    click_on(&client, "#cmd-send").await;
    wait_until(
        &client,
        "the dialog is open",
        "return document.getElementById('d365-dialog').open;",
    )
    .await;
    wait_for(&client, "#dialog-frame")
        .await
        .enter_frame()
        .await
        .unwrap();
    wait_for(&client, "#msb-sidebar iframe")
        .await
        .enter_frame()
        .await
        .unwrap();
    assert_eq!(text_of(&client, ".send-heading").await, "Email 3 leads");
    wait_for(&client, ".template input").await;
    click_on(&client, ".template input").await;
    wait_until(
        &client,
        "the pre-flight says all three receive it",
        "const t = document.querySelector('.preflight-count');
         return !!t && t.textContent === '3 recipients will receive it';",
    )
    .await;
    click_on(&client, "#send-submit").await;
    wait_for(&client, ".send-results").await;
    assert_eq!(text_of(&client, ".send-summary").await, "3 sent");

    // Three Notes, one on each lead, through the double's WebApi.createRecord.
    client.enter_parent_frame().await.unwrap();
    client.enter_parent_frame().await.unwrap();
    wait_until(
        &client,
        "three Notes are created",
        "return window.DynamicsDemo.crm.notes().length === 3;",
    )
    .await;
    let notes = eval(&client, "return window.DynamicsDemo.crm.notes();").await;
    let notes: Vec<(String, String)> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|note| {
            (
                note["objectid_lead@odata.bind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                note["subject"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for lead in &leads {
        // The subject as merged for the lead, as the platform sent it.
        let subject = format!("Sent Email: {}", sent_subject(&lead.id).await);
        let on_lead: Vec<_> = notes
            .iter()
            .filter(|(bound, _)| bound == &format!("/leads({})", lead.id))
            .collect();
        assert_eq!(on_lead.len(), 1, "{}: {notes:?}", lead.id);
        assert_eq!(on_lead[0].1, subject);
        // And the demo CRM holds it, as Dynamics would.
        let kept = crm_notes(REP, &lead.id).await;
        assert!(
            kept.iter().any(|(s, _)| s == &subject),
            "{}: {kept:?}",
            lead.id
        );
    }
    client.close().await.unwrap();
}
