//! Sending one email to 200 records selected in the demo list view, in headless Chromium:
//! the number of `POST /v1/sends` requests (must be one) and the time from clicking Send
//! (`sidebar:send-click`) to the results painted (`sidebar:send-results`).
//!
//! Each run emails another page of 200 leads as another rep, so no run replays an earlier one
//! and no rep passes the daily limit of 1,000. `make bench` (needs `make plugin`).

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::*;

const REPS: [&str; 4] = ["rep-ava", "rep-ben", "rep-chloe", "rep-dan"];
const RUNS_PER_REP: usize = 2;

#[tokio::main]
async fn main() {
    let client = browser().await;
    let mut times = Vec::new();
    for run in 0..RUNS_PER_REP {
        for rep in REPS {
            client
                .goto(&format!(
                    "{}/list?entity=lead&user={rep}&limit=200&page={}",
                    harness().host,
                    run + 1
                ))
                .await
                .unwrap();
            wait_for(&client, "input.select-record").await;
            click_on(&client, "#select-page").await;
            let selected = eval(
                &client,
                "return [document.getElementById('selection-count').textContent,
                         document.querySelectorAll('#record-rows tr').length,
                         new Set([...document.querySelectorAll('#record-rows tr')].map(r => r.dataset.recordId)).size];",
            )
            .await;
            assert_eq!(
                selected[0],
                "200 selected",
                "{rep} page {}: {selected}",
                run + 1
            );
            click_on(&client, "#send-email").await;
            let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
            frame.enter_frame().await.unwrap();
            wait_for(&client, ".template input").await;
            click_on(&client, ".template input").await;
            wait_until(
                &client,
                "the pre-flight allows sending",
                "const b = document.getElementById('send-submit'); return !!b && !b.disabled;",
            )
            .await;
            click_on(&client, "#send-submit").await;
            wait_for(&client, ".send-results").await;
            let measured: Value = eval(
                &client,
                "const c = performance.getEntriesByName('sidebar:send-click').at(-1);
                 const r = performance.getEntriesByName('sidebar:send-results').at(-1);
                 const posts = performance.getEntriesByType('resource')
                   .filter(e => new URL(e.name).pathname === '/v1/sends').length;
                 return { ms: c && r ? r.startTime - c.startTime : null, posts,
                          summary: document.querySelector('.send-summary').textContent };",
            )
            .await;
            assert_eq!(measured["posts"], Value::from(1), "one request: {measured}");
            times.push(measured["ms"].as_f64().expect("both marks"));
            println!(
                "{rep}, page {}: {} in {:.1} ms",
                run + 1,
                measured["summary"].as_str().unwrap_or_default(),
                measured["ms"].as_f64().unwrap_or_default()
            );
            client.enter_parent_frame().await.unwrap();
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "Send to 200 selected records, click -> results over {} runs (one POST /v1/sends each): \
         median {:.1} ms, max {:.1} ms",
        times.len(),
        times[times.len() / 2],
        times.last().unwrap()
    );
    client.close().await.unwrap();
}
