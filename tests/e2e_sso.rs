//! End-to-end: the demo CRM signs its reps in the way a real CRM does, through the demo identity
//! provider and the platform's SSO exchange, in headless Chromium (see `support/browser.rs`).
//! Run alone: the harness binds the demo host's port.
//! `cargo test --features sandbox --test e2e_sso`

mod support;

use crm_sidebar::sandbox::{db, demo_idp, seed};
use fantoccini::Locator;
use serde_json::Value;
use support::browser::*;

/// The tokens the exchange minted for `user` through the demo connection of their tenant.
fn demo_sign_ins(user: &str) -> i64 {
    let conn = db::open(&harness().db_path).unwrap();
    conn.query_row(
        "SELECT count(*) FROM sso_sign_ins s
         JOIN crm_connections c ON c.id = s.connection_id
         JOIN users u ON u.id = s.user_id
         WHERE c.jwks_url = ?1 AND u.crm_user = ?2",
        [demo_idp::JWKS_PATH, user],
        |row| row.get(0),
    )
    .unwrap()
}

/// The paths the host page fetched.
async fn host_requests(client: &fantoccini::Client) -> Vec<String> {
    let paths = eval(
        client,
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);",
    )
    .await;
    paths
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_demo_signs_in_through_the_exchange_and_the_user_switcher_signs_in_another() {
    let client = browser().await;
    let (ava, olivia) = (demo_sign_ins("rep-ava"), demo_sign_ins(seed::MANAGER_A));
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={}&user=rep-ava", seed::DEMO_LEAD),
    )
    .await;
    // The first row came from the API, with the token the exchange gave.
    first_row_time(&client).await;
    assert!(
        demo_sign_ins("rep-ava") > ava,
        "no token came through the exchange"
    );
    client.enter_parent_frame().await.unwrap();
    let requests = host_requests(&client).await;
    for path in [demo_idp::ASSERTION_PATH, "/v1/sso/exchange"] {
        assert!(requests.iter().any(|p| p == path), "{path} in {requests:?}");
    }
    assert!(
        !requests.iter().any(|p| p == "/dev/sso/token"),
        "the demo minted a development token: {requests:?}"
    );

    let switcher = client
        .wait()
        .for_element(Locator::Css("#user-switcher:enabled"))
        .await
        .unwrap();
    switcher.select_by_value(seed::MANAGER_A).await.unwrap();
    wait_until(
        &client,
        "the page reloads for the manager",
        &format!(
            "return location.search.includes('user={}');",
            seed::MANAGER_A
        ),
    )
    .await;
    let frame = wait_for(&client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    first_row_time(&client).await;
    assert!(
        demo_sign_ins(seed::MANAGER_A) > olivia,
        "the manager did not sign in"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_crm_page_the_manifest_allows_but_the_connection_does_not_serve_shows_no_data() {
    let client = browser().await;
    let before = demo_sign_ins("rep-ava");
    // `*.localhost` is loopback to Chromium and matches the manifest's `http://*.localhost:8788`;
    // the demo connections serve only the demo CRM's exact origins.
    let host = harness().host.replace("127.0.0.1", "x.localhost");
    client
        .goto(&format!(
            "{host}/record?entity=lead&id={}&user=rep-ava",
            seed::DEMO_LEAD
        ))
        .await
        .unwrap();
    let frame = wait_for(&client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    let shown = poll(
        &client,
        "the refusal",
        "const main = document.querySelector('main.sidebar');
         return main && main.textContent.includes('not connected') ? main.textContent : null;",
    )
    .await;
    assert!(
        shown
            .as_str()
            .unwrap()
            .contains(&format!("This sidebar is not connected for {host}")),
        "{shown}"
    );
    // A real sign-in, refused for this page: the token came through the exchange.
    assert!(demo_sign_ins("rep-ava") > before, "no token was exchanged");
    let calls = eval(
        &client,
        "return performance.getEntriesByType('resource')
           .filter(e => new URL(e.name).pathname.startsWith('/v1/'))
           .map(e => [new URL(e.name).pathname, e.responseStatus]);",
    )
    .await;
    let calls = calls.as_array().unwrap();
    assert!(!calls.is_empty(), "the plugin asked the API nothing");
    // A call still in flight when the refusal closed the view is aborted before any answer
    // (status 0); every answer there was is the refusal.
    assert!(
        calls.iter().any(|call| call[1] == 403),
        "no call was refused: {calls:?}"
    );
    for call in calls {
        assert!(
            call[1] == 403 || call[1] == 0,
            "every answered call was refused: {calls:?}"
        );
    }
    let data = eval(
        &client,
        "return document.querySelectorAll('.activity-row, .tabs, .record').length;",
    )
    .await;
    assert_eq!(data, 0, "no record data is shown");
    client.close().await.unwrap();
}
