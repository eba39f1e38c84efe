//! The plugin's size and speed, measured in headless Chromium against the demo CRM:
//! - brotli size of each of the plugin's bundles (wasm + js + css of the sidebar's in `dist/`
//!   and the CRM tab's in `dist/tab/`, as `plugin-dist` compresses them); the bench fails when
//!   one is above the budget, 300 KB;
//! - time from `sidebar:context` to `sidebar:first-row` (the performance marks), median of runs;
//! - DOM rows at the bottom of the 10,000-activity history, target at most 100.
//!
//! `make bench` (needs `make plugin` and chromedriver, as `make test` does).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use crm_sidebar::dist;
use crm_sidebar::sandbox::seed;
use serde_json::Value;
use support::browser::*;

const PAINT_RUNS: usize = 15;

/// The size budget of each bundle, wasm + js + css in brotli.
const BUDGET_KB: f64 = 300.0;

/// Each bundle's files (wasm + js + css, as its page loads them), the brotli size of each and of
/// the bundle, printed as a table; fails if a bundle is over the budget.
fn bundle_sizes() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    let mut over = Vec::new();
    println!("| bundle | file | bytes | brotli |\n| --- | --- | --- | --- |");
    for bundle in dist::BUNDLES {
        let folder = dist.join(bundle);
        let label = if bundle.is_empty() { "sidebar" } else { bundle };
        let mut entries: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|_| panic!("{} exists: run make plugin", folder.display()))
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        let (mut total, mut raw_total) = (0, 0);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
                continue;
            }
            let bytes = std::fs::read(entry.path()).unwrap();
            let compressed = dist::brotli(&bytes).len();
            println!("| {label} | {name} | {} | {compressed} |", bytes.len());
            total += compressed;
            raw_total += bytes.len();
        }
        let total_kb = total as f64 / 1024.0;
        println!("| **{label}** | **total** | {raw_total} | **{total_kb:.1} KB** |");
        if total_kb > BUDGET_KB {
            over.push(format!("{label} is {total_kb:.1} KB"));
        }
    }
    println!();
    assert!(
        over.is_empty(),
        "over the budget of {BUDGET_KB} KB in brotli: {}",
        over.join(", ")
    );
}

#[tokio::main]
async fn main() {
    bundle_sizes();

    let client = browser().await;
    let mut paints = Vec::new();
    for _ in 0..PAINT_RUNS {
        open_sidebar(
            &client,
            &format!("/record?entity=lead&id={}&user=rep-ava", seed::DEMO_LEAD),
        )
        .await;
        first_row_time(&client).await;
        let value = eval(
            &client,
            "const c = performance.getEntriesByName('sidebar:context')[0];
             const r = performance.getEntriesByName('sidebar:first-row')[0];
             return c && r ? r.startTime - c.startTime : null;",
        )
        .await;
        if let Some(ms) = value.as_f64() {
            paints.push(ms);
        }
        client.enter_parent_frame().await.unwrap();
    }
    paints.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "sidebar:context -> sidebar:first-row over {} loads: median {:.1} ms, max {:.1} ms",
        paints.len(),
        paints[paints.len() / 2],
        paints.last().unwrap()
    );

    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={}&user=rep-ava", seed::PERF_RECORD),
    )
    .await;
    first_row_time(&client).await;
    let mut max_rows = 0;
    let started = std::time::Instant::now();
    loop {
        let state: Value = eval(
            &client,
            "const s = document.querySelector('.history-scroll');
             s.scrollTop = s.scrollHeight;
             return {rows: document.querySelectorAll('.history-rows > li').length,
                     end: document.body.innerText.includes('Beginning of marketing history')};",
        )
        .await;
        max_rows = max_rows.max(state["rows"].as_u64().unwrap_or(0));
        if state["end"] == Value::Bool(true) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "never reached the end of the history"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "10,000-activity history scrolled to the end in {:.1} s: at most {max_rows} rows in the DOM",
        started.elapsed().as_secs_f64()
    );
    client.close().await.unwrap();
}
