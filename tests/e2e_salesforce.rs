//! End-to-end: the Salesforce canvas app in headless Chromium (see `support/browser.rs`), on the
//! demo org's pages (`src/sandbox/salesforce/demo.rs`), which play Lightning and a list button's
//! Visualforce page: a signed request posted into a frame, the canvas SDK's events, and the REST
//! stand-in where the shell reads people and logs Tasks.
//! Run alone: the harness binds the demo host's port.
//! `cargo test --features sandbox --test e2e_salesforce`

mod support;

use crm_sidebar::sandbox::connections::{self, Trust};
use crm_sidebar::sandbox::db;
use crm_sidebar::sandbox::salesforce::{api_version, demo};
use crm_sidebar::sandbox::seed::{B_LEAD, REP_B};
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

/// Opens a demo Salesforce page and enters the plugin's frame, inside the canvas shell's.
async fn open_canvas_app(client: &Client, path_and_query: &str) {
    client
        .goto(&format!("{}{path_and_query}", harness().host))
        .await
        .unwrap();
    let canvas = wait_for(client, "iframe#marketingSidebar").await;
    canvas.enter_frame().await.unwrap();
    let plugin = wait_for(client, "#sidebar-frame").await;
    plugin.enter_frame().await.unwrap();
}

/// A SOQL query to the REST stand-in as `REP_B`, as the shell sends it.
async fn soql(query: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!(
            "{}/services/data/v{}/query",
            harness().host,
            api_version()
        ))
        .query(&[("q", query)])
        .bearer_auth(format!("standin-{REP_B}"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// Three of `REP_B`'s leads that may be emailed (an address, subscribed), other than `B_LEAD`.
async fn three_sendable_leads() -> Vec<String> {
    let list: Value = reqwest::get(format!(
        "{}/crm/api/records?entity=lead&owner={REP_B}&user={REP_B}&limit=200",
        harness().host
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut found = Vec::new();
    for item in list["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        if id == B_LEAD
            || item["email"].is_null()
            || !item["knownToMarketing"].as_bool().unwrap_or(false)
        {
            continue;
        }
        let profile: Value = api_get(REP_B, &format!("/v1/records/lead/{id}")).await;
        if profile["subscriptionStatus"] == json!("subscribed") {
            found.push(id.to_owned());
            if found.len() == 3 {
                return found;
            }
        }
    }
    panic!("{REP_B} has fewer than three sendable leads: {found:?}");
}

/// The stand-in's Tasks on these people: (WhoId, Subject).
async fn tasks_on(ids: &[String]) -> Vec<(String, String)> {
    let list = ids
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let answer = soql(&format!(
        "SELECT Id, Subject, WhoId FROM Task WHERE WhoId IN ({list})"
    ))
    .await;
    answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| {
            (
                task["WhoId"].as_str().unwrap_or_default().to_owned(),
                task["Subject"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_record_page_shows_the_leads_newest_activity() {
    let client = browser().await;
    open_canvas_app(
        &client,
        &format!("/salesforce/demo/record?entity=lead&id={B_LEAD}&user={REP_B}"),
    )
    .await;
    let newest = api_page(
        REP_B,
        &format!("/v1/records/lead/{B_LEAD}/activities?limit=1"),
    )
    .await
    .items
    .remove(0);
    let shown = first_row_time(&client).await;
    assert!(
        same_instant(&shown, newest.occurred_at),
        "{shown} vs {}",
        newest.occurred_at
    );
    assert_eq!(
        text_of(&client, ".activity-row .activity-label").await,
        newest.kind.label()
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn three_people_selected_in_a_list_view_are_emailed_and_each_gets_a_task() {
    let client = browser().await;
    let leads = three_sendable_leads().await;
    assert!(
        tasks_on(&leads).await.is_empty(),
        "the leads had Tasks before the send"
    );
    open_canvas_app(
        &client,
        &format!(
            "/salesforce/demo/list?entity=lead&ids={}&user={REP_B}",
            leads.join(",")
        ),
    )
    .await;
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

    // The shell logs each as a completed Task on the person, after the send's answer.
    let deadline = std::time::Instant::now() + WAIT;
    let mut tasks = tasks_on(&leads).await;
    while tasks.len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        tasks = tasks_on(&leads).await;
    }
    tasks.sort();
    let mut expected: Vec<String> = leads.clone();
    expected.sort();
    assert_eq!(
        tasks.iter().map(|(who, _)| who.clone()).collect::<Vec<_>>(),
        expected,
        "{tasks:?}"
    );
    for (who, subject) in &tasks {
        assert!(subject.starts_with("Sent Email: "), "{who}: {subject}");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_demo_pages_hold_the_signed_request_but_never_the_consumer_secret() {
    let url = format!(
        "{}/salesforce/demo/record?entity=lead&id={B_LEAD}&user={REP_B}",
        harness().host
    );
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="signed_request" value=""#), "{page}");
    let conn = db::open(&harness().db_path).unwrap();
    let org = connections::for_salesforce_org(&conn, demo::DEMO_ORG_ID)
        .unwrap()
        .expect("the page made the demo org's connection");
    assert_eq!(org.origins, [harness().host.clone()]);
    let Trust::SalesforceCanvas {
        consumer_secret, ..
    } = org.trust
    else {
        panic!("the demo org is a salesforce connection");
    };
    assert!(consumer_secret.expose().len() >= 32);
    assert!(
        !page.contains(consumer_secret.expose()),
        "the page holds the secret"
    );
    let fresh: Value = reqwest::get(format!(
        "{}/salesforce/demo/signed-request?entity=lead&id={B_LEAD}&user={REP_B}",
        harness().host
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        fresh["signedRequest"].as_str().unwrap().contains('.'),
        "{fresh}"
    );
    assert!(!fresh.to_string().contains(consumer_secret.expose()));
}
