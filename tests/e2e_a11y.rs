//! End-to-end: every view of the sidebar, in the demo CRM in headless Chromium, checked by
//! axe-core (the accessibility rules of WCAG 2.x A and AA, and best practices) in the state a
//! rep sees it (a row expanded, a period of the timeline opened, a template chosen), in the demo's
//! frame and again narrowed to 320 px, where nothing may make the page scroll sideways.
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

/// What is wrong with the view in the sidebar's frame (the client is in it): axe's violations
/// at the frame's width, then, with the frame narrowed to 320 px by the host, the sideways
/// scrolling and axe's violations there. The client is back in the frame afterwards.
async fn problems(client: &Client, axe: &str) -> Vec<String> {
    let mut found = violations(client, axe).await;
    narrow_frame(client, 320).await;
    // The elements sticking out, for the message (a scroller of its own, like the chips'
    // row, does not widen the page).
    let sideways = eval(
        client,
        "const width = document.documentElement.clientWidth;
         if (document.documentElement.scrollWidth <= width) return [];
         return [...document.querySelectorAll('body *')]
           .filter(e => e.getBoundingClientRect().right > width + 0.5)
           .slice(0, 5)
           .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));",
    )
    .await;
    for element in sideways.as_array().unwrap() {
        found.push(format!("at 320 px, sticks out sideways: {element}"));
    }
    for violation in violations(client, axe).await {
        found.push(format!("at 320 px: {violation}"));
    }
    found
}

#[tokio::test]
async fn every_view_passes_axe_and_fits_320_px() {
    let axe = axe_source();
    let client = browser().await;
    let lead = seed::DEMO_LEAD;
    let record = |view: &str| format!("/record?entity=lead&id={lead}&user=rep-ava&view={view}");
    let mut found = Vec::new();

    open_sidebar(&client, &record("activity")).await;
    wait_for(&client, ".activity-row").await;
    click_on(&client, "button.activity-summary").await;
    wait_for(&client, ".activity-details").await;
    found.push(("activity, a row expanded", problems(&client, &axe).await));

    open_sidebar(&client, &record("timeline")).await;
    wait_for(&client, ".timeline-summary").await;
    click_on(&client, "rect.bucket-hit:last-of-type").await;
    wait_for(&client, ".bucket-title").await;
    found.push(("timeline, a period opened", problems(&client, &axe).await));
    click_on(&client, ".timeline-chart-panel .link-button").await;
    wait_for(&client, ".timeline-table-scroll").await;
    found.push(("timeline, as a table", problems(&client, &axe).await));

    open_sidebar(&client, &record("programs")).await;
    wait_for(&client, ".program").await;
    found.push(("programs", problems(&client, &axe).await));

    open_sidebar(&client, &record("send")).await;
    click_on(&client, ".template input").await;
    wait_for(&client, ".preflight").await;
    found.push(("send, a template chosen", problems(&client, &axe).await));

    open_sidebar(&client, &format!("/hot-prospects?user={}", seed::MANAGER_A)).await;
    wait_for(&client, "#prospects-owner").await;
    found.push(("hot prospects of a manager", problems(&client, &axe).await));

    open_sidebar(&client, &format!("/dashboard?user={}", seed::MANAGER_A)).await;
    wait_for(&client, "#dashboard-owner").await;
    wait_until(
        &client,
        "both sections answered",
        "return !document.querySelector('.dashboard-section .skeleton');",
    )
    .await;
    found.push(("the dashboard of a manager", problems(&client, &axe).await));

    // A list view's actions on three ticked leads: the send with a template chosen, and the
    // enrolment.
    for (action, ready, what) in [
        (
            "#send-email",
            ".template input",
            "a list view's send, a template chosen",
        ),
        ("#enrol-program", ".program", "a list view's enrolment"),
    ] {
        select_leads(&client, 3).await;
        click_on(&client, action).await;
        let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
        frame.enter_frame().await.unwrap();
        wait_for(&client, ready).await;
        if action == "#send-email" {
            click_on(&client, ".template input").await;
            wait_for(&client, ".preflight").await;
        }
        found.push((what, problems(&client, &axe).await));
    }

    let failing: Vec<_> = found.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(failing.is_empty(), "{failing:#?}");
    client.close().await.unwrap();
}
