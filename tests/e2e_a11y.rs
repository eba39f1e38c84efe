//! End-to-end: every view of the sidebar, in the demo CRM in headless Chromium, checked by
//! axe-core (the accessibility rules of WCAG 2.x A and AA, and best practices) in the state a
//! rep sees it: a row expanded, a period of the timeline opened, a template chosen.
//! axe-core is installed by `.ci/install-tools.sh test` into `target/axe`.
//! `cargo test --features sandbox --test e2e_a11y`

mod support;

use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::Value;
use support::browser::*;

fn axe_source() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/axe/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run .ci/install-tools.sh test)"))
}

/// axe's violations in the sidebar's frame (the client is in it), one line each with up to
/// three of the elements concerned.
async fn violations(client: &Client, axe: &str) -> Vec<String> {
    // The source is the script's body, not eval'd: the page's CSP forbids eval.
    let script = format!(
        "{axe}
         ;const result = await axe.run(document, {{ resultTypes: ['violations'] }});
         return result.violations.map(v => `${{v.impact}} ${{v.id}}: ${{v.help}} | ` +
           v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' || '));"
    );
    let found: Value = client.execute(&script, vec![]).await.unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn every_view_passes_axe() {
    let axe = axe_source();
    let client = browser().await;
    let lead = seed::DEMO_LEAD;
    let record = |view: &str| format!("/record?entity=lead&id={lead}&user=rep-ava&view={view}");
    let mut found = Vec::new();

    open_sidebar(&client, &record("activity")).await;
    wait_for(&client, ".activity-row").await;
    click_on(&client, "button.activity-summary").await;
    wait_for(&client, ".activity-details").await;
    found.push(("activity, a row expanded", violations(&client, &axe).await));

    open_sidebar(&client, &record("timeline")).await;
    wait_for(&client, ".timeline-summary").await;
    click_on(&client, "rect.bucket-hit:last-of-type").await;
    wait_for(&client, ".bucket-title").await;
    found.push(("timeline, a period opened", violations(&client, &axe).await));

    open_sidebar(&client, &record("programs")).await;
    wait_for(&client, ".program").await;
    found.push(("programs", violations(&client, &axe).await));

    open_sidebar(&client, &record("send")).await;
    click_on(&client, ".template input").await;
    wait_for(&client, ".preflight").await;
    found.push(("send, a template chosen", violations(&client, &axe).await));

    open_sidebar(&client, &format!("/hot-prospects?user={}", seed::MANAGER_A)).await;
    wait_for(&client, "#prospects-owner").await;
    found.push((
        "hot prospects of a manager",
        violations(&client, &axe).await,
    ));

    let failing: Vec<_> = found.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(failing.is_empty(), "{failing:#?}");
    client.close().await.unwrap();
}
