//! The sidebar's first activity row against a page written by hand (`benches/first_row/`, plain
//! JavaScript) doing the same first job: read the token and record, fetch the first activity
//! page, render it grouped by day with times in the user's locale and zone.
//!
//! Both marks mean the same: the plugin's `sidebar:first-row` and the page's `page:first-row` are
//! taken in a `requestAnimationFrame` requested after the DOM change that added the rows
//! (`src/plugin/views/activity/list.rs` requests it from the effect that runs once the rows are in
//! the DOM), so each is "rows painted". `context` is the plugin's `sidebar:context` (the host's
//! context message received) and the page's `page:context` (its script reading the fragment).
//!
//! Headless Chromium, the demo CRM's lead (300 activities), plugin and page alternating, a
//! warm-up then [`RUNS`] runs each, medians:
//! - warm HTTP cache, and whether the plugin's wasm, js or css came over the network at all;
//! - cold cache (cleared through the DevTools Protocol before every run);
//! - cold cache under `Network.emulateNetworkConditions`, 10 Mbit/s and 40 ms latency;
//! - the plugin's phases (context → activities request sent → response → rows painted, and when
//!   the profile request left), from its marks and resource timing;
//! - the 10,000-activity record scrolled top to bottom a step per frame: rows in the DOM at most,
//!   and frames dropped at 60 fps (rAF timestamps more than a frame apart).
//!
//! `make bench` (needs `trunk build --release` and chromedriver, as `make test` does).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

const RUNS: usize = 15;
const LOCALE: &str = "en-US";
const TIME_ZONE: &str = "America/New_York";

/// Serves the hand-written page from an origin of its own, as a CDN would: the page revalidated,
/// its script cached for good.
async fn serve_page() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/first_row");
    let html = std::fs::read_to_string(format!("{dir}/page.html")).unwrap();
    let js = std::fs::read_to_string(format!("{dir}/page.js")).unwrap();
    let app = axum::Router::new()
        .route(
            "/page.html",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    html,
                )
                    .into_response()
            }),
        )
        .route(
            "/page.js",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript"),
                        (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                    ],
                    js,
                )
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    origin
}

/// A DevTools Protocol command through chromedriver (fantoccini speaks WebDriver only).
async fn cdp(client: &Client, cmd: &str, params: Value) {
    let session = client.session_id().await.unwrap().expect("a session");
    let response = reqwest::Client::new()
        .post(format!(
            "{}/session/{session}/goog/cdp/execute",
            harness().webdriver
        ))
        .json(&json!({"cmd": cmd, "params": params}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{cmd}: {}",
        response.text().await.unwrap_or_default()
    );
}

#[derive(Default)]
struct Sample {
    context_to_row: f64,
    navigation_to_row: f64,
    /// Context → activities request sent, its response, response → rows painted, response →
    /// the page decoded, and (the plugin's only) the profile request sent after context.
    phases: Option<[f64; 5]>,
}

async fn plugin_run(client: &Client) -> Sample {
    open_sidebar(
        client,
        &format!(
            "/record?entity=lead&id={}&user=rep-ava&locale={LOCALE}&tz={TIME_ZONE}",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let value = poll(
        client,
        "sidebar:first-row",
        "const c = performance.getEntriesByName('sidebar:context')[0];
         const r = performance.getEntriesByName('sidebar:first-row')[0];
         if (!c || !r) return null;
         const res = performance.getEntriesByType('resource');
         const acts = res.find(e => e.name.includes('/activities'));
         const profile = res.find(e => /\\/v1\\/records\\/[^/]+\\/[^/?]+(\\?|$)/.test(e.name));
         const d = performance.getEntriesByName('sidebar:first-page')[0];
         return {context: r.startTime - c.startTime, navigation: r.startTime,
                 sent: acts ? acts.startTime - c.startTime : null,
                 response: acts ? acts.responseEnd - acts.startTime : null,
                 painted: acts ? r.startTime - acts.responseEnd : null,
                 decoded: acts && d ? d.startTime - acts.responseEnd : null,
                 profile: profile ? profile.startTime - c.startTime : null};",
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    let phase = |name: &str| value[name].as_f64().unwrap_or(f64::NAN);
    Sample {
        context_to_row: phase("context"),
        navigation_to_row: phase("navigation"),
        phases: Some([
            phase("sent"),
            phase("response"),
            phase("painted"),
            phase("decoded"),
            phase("profile"),
        ]),
    }
}

async fn page_run(client: &Client, page: &str) -> Sample {
    let token = token("rep-ava").await;
    let fragment: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", &token)
        .append_pair("api", &harness().api)
        .append_pair("entity", "lead")
        .append_pair("id", seed::DEMO_LEAD)
        .append_pair("locale", LOCALE)
        .append_pair("zone", TIME_ZONE)
        .finish();
    client
        .goto(&format!("{page}/page.html#{fragment}"))
        .await
        .unwrap();
    let value = poll(
        client,
        "page:first-row",
        "const f = performance.getEntriesByName('page:failed')[0];
         if (f) return {failed: document.body.textContent};
         const c = performance.getEntriesByName('page:context')[0];
         const r = performance.getEntriesByName('page:first-row')[0];
         if (!c || !r) return null;
         const at = name => performance.getEntriesByName(name)[0].startTime;
         const acts = performance.getEntriesByType('resource')
           .find(e => e.name.includes('/activities'));
         return {context: r.startTime - c.startTime, navigation: r.startTime,
                 sent: at('page:request') - c.startTime,
                 response: acts.responseEnd - acts.startTime,
                 decoded: at('page:decoded') - acts.responseEnd,
                 painted: r.startTime - acts.responseEnd};",
    )
    .await;
    assert!(value["failed"].is_null(), "the page failed: {value}");
    let phase = |name: &str| value[name].as_f64().unwrap_or(f64::NAN);
    Sample {
        context_to_row: phase("context"),
        navigation_to_row: phase("navigation"),
        phases: Some([
            phase("sent"),
            phase("response"),
            phase("painted"),
            phase("decoded"),
            f64::NAN,
        ]),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if values.is_empty() {
        return f64::NAN;
    }
    values[values.len() / 2]
}

/// A warm-up of each, then [`RUNS`] of each alternating; `cold` clears the HTTP cache before every
/// load. Prints the medians and ratios.
async fn side_by_side(client: &Client, page: &str, label: &str, cold: bool) {
    let clear = || async {
        if cold {
            cdp(client, "Network.clearBrowserCache", json!({})).await;
        }
    };
    clear().await;
    plugin_run(client).await;
    clear().await;
    page_run(client, page).await;
    let (mut plugin, mut hand) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        clear().await;
        plugin.push(plugin_run(client).await);
        clear().await;
        hand.push(page_run(client, page).await);
    }
    let of =
        |samples: &[Sample], pick: fn(&Sample) -> f64| median(samples.iter().map(pick).collect());
    println!("\n{label}, median of {RUNS}:\n");
    println!("| | plugin | hand-written page | ratio |\n| --- | --- | --- | --- |");
    for (name, pick) in [
        (
            "`context` → first row",
            (|s: &Sample| s.context_to_row) as fn(&Sample) -> f64,
        ),
        ("navigation → first row", |s: &Sample| s.navigation_to_row),
    ] {
        let (p, h) = (of(&plugin, pick), of(&hand, pick));
        println!("| {name} | {p:.1} ms | {h:.1} ms | ×{:.2} |", p / h);
    }
    let phase = |samples: &[Sample], at: usize| {
        median(samples.iter().map(|s| s.phases.unwrap()[at]).collect())
    };
    println!(
        "\nplugin phases (medians): context → activities request sent {:.1} ms, its response \
         {:.1} ms, response → decoded {:.1} ms, response → rows painted {:.1} ms; profile request \
         sent {:.1} ms after context",
        phase(&plugin, 0),
        phase(&plugin, 1),
        phase(&plugin, 3),
        phase(&plugin, 2),
        phase(&plugin, 4)
    );
    println!(
        "page phases (medians): context → activities request sent {:.1} ms, its response \
         (with the CORS preflight, if not cached) {:.1} ms, response → decoded {:.1} ms, \
         response → rows painted {:.1} ms",
        phase(&hand, 0),
        phase(&hand, 1),
        phase(&hand, 3),
        phase(&hand, 2)
    );
}

/// Which of the plugin's wasm, js and css came over the network on a warm load (resource timing's
/// `transferSize` is 0 for an answer from the HTTP cache without revalidation).
async fn warm_transfers(client: &Client) {
    plugin_run(client).await;
    let frame = wait_for(client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    let files = eval(
        client,
        "return performance.getEntriesByType('resource')
           .filter(e => /\\.(wasm|js|css)(\\?|$)/.test(e.name))
           .map(e => [e.name.split('/').pop(), e.transferSize]);",
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    let files: Vec<(String, u64)> = serde_json::from_value(files).unwrap();
    let fetched: Vec<_> = files.iter().filter(|(_, size)| *size > 0).collect();
    println!(
        "\nwarm load: {} of the plugin's {} wasm/js/css files came over the network{}",
        fetched.len(),
        files.len(),
        if fetched.is_empty() {
            String::new()
        } else {
            format!(": {fetched:?}")
        }
    );
}

/// The 10,000-activity history scrolled from top to bottom, one step per animation frame, while
/// pages load as they come into view.
async fn long_list(client: &Client) {
    open_sidebar(
        client,
        &format!("/record?entity=lead&id={}&user=rep-ava", seed::PERF_RECORD),
    )
    .await;
    first_row_time(client).await;
    eval(
        client,
        "const s = document.querySelector('.history-scroll');
         const stats = window.scrollStats = {frames: [], maxRows: 0, done: false};
         const step = () => {
           stats.frames.push(performance.now());
           stats.maxRows = Math.max(stats.maxRows,
             document.querySelectorAll('.history-rows > li').length);
           const atEnd = s.scrollTop + s.clientHeight >= s.scrollHeight - 1;
           if (atEnd && document.body.innerText.includes('Beginning of marketing history')) {
             stats.done = true;
             return;
           }
           s.scrollTop += 600;
           requestAnimationFrame(step);
         };
         requestAnimationFrame(step);
         return true;",
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let done = eval(client, "return window.scrollStats.done;").await;
        if done == Value::Bool(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reached the end of the history"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stats = eval(
        client,
        "const f = window.scrollStats.frames;
         const frame = 1000 / 60;
         let dropped = 0;
         for (let i = 1; i < f.length; i++) dropped += Math.max(0, Math.round((f[i] - f[i - 1]) / frame) - 1);
         return {frames: f.length, dropped, seconds: (f[f.length - 1] - f[0]) / 1000,
                 maxRows: window.scrollStats.maxRows};",
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    let (frames, dropped) = (
        stats["frames"].as_f64().unwrap(),
        stats["dropped"].as_f64().unwrap(),
    );
    println!(
        "\n10,000-activity history scrolled top to bottom in {:.1} s: {frames} frames painted, \
         {dropped} dropped at 60 fps ({:.1}%), at most {} rows in the DOM",
        stats["seconds"].as_f64().unwrap(),
        100.0 * dropped / (frames + dropped),
        stats["maxRows"]
    );
}

#[tokio::main]
async fn main() {
    let page = serve_page().await;
    harness_allowing(vec![page.clone()]);
    let client = browser().await;

    side_by_side(&client, &page, "Warm HTTP cache", false).await;
    warm_transfers(&client).await;
    side_by_side(&client, &page, "Cold HTTP cache", true).await;
    cdp(&client, "Network.enable", json!({})).await;
    cdp(
        &client,
        "Network.emulateNetworkConditions",
        json!({
            "offline": false,
            "latency": 40,
            "downloadThroughput": 10_000_000 / 8,
            "uploadThroughput": 10_000_000 / 8,
        }),
    )
    .await;
    side_by_side(
        &client,
        &page,
        "Cold HTTP cache, 10 Mbit/s and 40 ms latency",
        true,
    )
    .await;
    cdp(
        &client,
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await;
    long_list(&client).await;
    client.close().await.unwrap();
}
