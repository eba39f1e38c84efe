//! End-to-end: reps and their manager use the demo CRM's Hot Prospects tab, in headless
//! Chromium (see `support/browser.rs` for the harness).

mod support;

use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

/// The CRM ids the sandbox ranks for `owner` (`me`, `team` or a user id), best first.
async fn ranked(crm_user: &str, owner: &str) -> Vec<String> {
    let answer: Value = api_get(
        crm_user,
        &format!("/v1/hot-prospects?owner={owner}&limit=20"),
    )
    .await;
    answer["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|p| p["crmId"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until the table lists exactly `ids`, in order.
async fn wait_for_rows(client: &Client, what: &str, ids: &[String]) {
    wait_until(
        client,
        what,
        &format!(
            "const ids = [...document.querySelectorAll('tbody.prospect')].map(b => b.dataset.crmId);
             return JSON.stringify(ids) === {:?};",
            serde_json::to_string(ids).unwrap()
        ),
    )
    .await;
}

#[tokio::test]
async fn a_rep_sees_their_top_20_and_why_the_first_is_hot() {
    let client = browser().await;
    let rep = seed::REPS_A[0];
    open_sidebar(&client, &format!("/hot-prospects?user={rep}")).await;
    let expected = ranked(rep, "me").await;
    assert_eq!(expected.len(), 20, "the seed gives {rep} at least 20 prospects");
    wait_for_rows(&client, "the sandbox's ranking is shown", &expected).await;
    assert_eq!(
        eval(&client, "return document.querySelectorAll('#prospects-owner').length;").await,
        json!(0),
        "a rep has no owner picker"
    );
    assert!(text_of(&client, ".prospects-updated").await.starts_with("Updated "));

    // "Why" on the first row lists the activities behind its score, with their points.
    let first = &expected[0];
    let reasons: Value = api_get(rep, &format!("/v1/records/lead/{first}/score-reasons")).await;
    let points: Vec<String> = reasons["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("{reasons}"))
        .iter()
        .map(|r| format!("{:+}", r["points"].as_i64().unwrap()))
        .collect();
    assert!(!points.is_empty());
    click_on(&client, "tbody.prospect .prospect-why").await;
    assert_eq!(
        attr_of(&client, "tbody.prospect .prospect-why", "aria-expanded").await,
        "true"
    );
    wait_until(
        &client,
        "the reasons are listed",
        &format!(
            "const p = [...document.querySelectorAll('.reason .reason-points')].map(e => e.textContent);
             return JSON.stringify(p) === {:?};",
            serde_json::to_string(&points).unwrap()
        ),
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_manager_switches_to_a_rep_and_the_team_and_opens_a_prospect() {
    let client = browser().await;
    let manager = seed::MANAGER_A;
    open_sidebar(&client, &format!("/hot-prospects?user={manager}")).await;
    let me: Value = api_get(manager, "/v1/me").await;
    let rep = me["team"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["crmUser"] == json!(seed::REPS_A[1]))
        .unwrap_or_else(|| panic!("{me}"))
        .clone();
    let rep_id = rep["id"].as_i64().unwrap().to_string();
    wait_for(&client, "#prospects-owner").await;

    let choose = |value: String| {
        let client = client.clone();
        async move {
            eval(
                &client,
                &format!(
                    "const s = document.getElementById('prospects-owner');
                     s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));
                     return true;"
                ),
            )
            .await;
        }
    };
    choose(rep_id.clone()).await;
    let expected = ranked(manager, &rep_id).await;
    assert!(!expected.is_empty());
    wait_for_rows(&client, "the rep's ranking is shown", &expected).await;
    let owners = eval(
        &client,
        "return [...new Set([...document.querySelectorAll('tbody.prospect .col-owner')].map(e => e.textContent))];",
    )
    .await;
    assert_eq!(owners, json!([rep["name"]]));

    choose("team".into()).await;
    let team = ranked(manager, "team").await;
    assert_eq!(team.len(), 20);
    wait_for_rows(&client, "the team's ranking is shown", &team).await;

    // A name opens the record's page in the CRM, whose sidebar shows that record.
    let name = text_of(&client, "tbody.prospect .prospect-name").await;
    click_on(&client, "tbody.prospect .prospect-name").await;
    client.enter_parent_frame().await.unwrap();
    let wanted = format!("id={}", team[0]);
    for _ in 0..100 {
        if client.current_url().await.unwrap().as_str().contains(&wanted) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let url = client.current_url().await.unwrap();
    assert!(url.path().ends_with("/record"), "{url}");
    assert!(url.as_str().contains(&wanted), "{url}");
    let frame = wait_for(&client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    wait_until(
        &client,
        "the sidebar shows the prospect",
        &format!(
            "const h = document.querySelector('.record-name'); return !!h && h.textContent === {name:?};"
        ),
    )
    .await;
    client.close().await.unwrap();
}
