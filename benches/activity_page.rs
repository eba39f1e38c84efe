//! Latency of one record's activity page over loopback with 1,000,000 activities in the database.
//!
//! `cargo bench --features sandbox --bench activity_page` (the database is seeded once, into
//! `target/bench/`, and reused). Prints p50/p99/max per scenario over sequential requests with a
//! kept-alive connection, as a plugin makes them.

use std::time::{Duration, Instant};

use crm_sidebar::sandbox::{self, seed, Config};
use crm_sidebar::wire::{ActivityPage, TokenResponse};

const WARMUP: usize = 200;
const SAMPLES: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let activities = std::env::var("BENCH_ACTIVITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(seed::BENCH_ACTIVITIES);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let db_path = dir.join(format!("activities-{activities}.db"));
    let mut config = Config::new(db_path.clone());
    config.api_addr = "127.0.0.1:0".parse().unwrap();
    config.host_addr = "127.0.0.1:0".parse().unwrap();
    config.rate_limit_per_minute = 0;
    config.seed.activities = activities;
    let started = Instant::now();
    let running = sandbox::start(config).await.expect("sandbox starts");
    let total: i64 = running
        .state
        .db
        .run(|conn| Ok(conn.query_row("SELECT count(*) FROM activities", [], |r| r.get(0))?))
        .await
        .unwrap();
    println!(
        "database {} with {total} activities ready in {:.1} s",
        db_path.display(),
        started.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let token = client
        .post(format!("{}/dev/sso/token", running.api_origin))
        .json(&serde_json::json!({"crmUser": "rep-ava", "ttlSeconds": 3600}))
        .send()
        .await
        .unwrap()
        .json::<TokenResponse>()
        .await
        .unwrap()
        .token;

    // A cursor deep in the 10,000-activity record, to time a page far down the history.
    let mut deep_cursor = String::new();
    let base = format!(
        "{}/v1/records/lead/{}/activities",
        running.api_origin,
        seed::PERF_RECORD
    );
    for _ in 0..40 {
        let url = if deep_cursor.is_empty() {
            format!("{base}?limit=200")
        } else {
            format!("{base}?limit=200&cursor={deep_cursor}")
        };
        let page: ActivityPage = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deep_cursor = page.next_cursor.unwrap_or_default();
    }

    let scenarios = [
        (
            "first page, 50 rows (LEAD-PERF, 10,000 activities)",
            format!("{base}?limit=50"),
        ),
        (
            "first page, 50 rows (LEAD-0001)",
            format!(
                "{}/v1/records/lead/{}/activities?limit=50",
                running.api_origin,
                seed::DEMO_LEAD
            ),
        ),
        (
            "page 161 via cursor, 50 rows",
            format!("{base}?limit=50&cursor={deep_cursor}"),
        ),
        (
            "kinds=emailClicked,formSubmitted, 50 rows",
            format!("{base}?limit=50&kinds=emailClicked,formSubmitted"),
        ),
        (
            "q=pricing, 50 rows (the search index)",
            format!("{base}?limit=50&q=pricing"),
        ),
        (
            "q=pr, 50 rows (under three characters: read row by row)",
            format!("{base}?limit=50&q=pr"),
        ),
    ];
    println!("\n| scenario | p50 | p99 | max |\n| --- | --- | --- | --- |");
    for (name, url) in scenarios {
        for _ in 0..WARMUP {
            let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
            assert!(response.status().is_success());
            response.bytes().await.unwrap();
        }
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let start = Instant::now();
            let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
            response.bytes().await.unwrap();
            samples.push(start.elapsed());
        }
        samples.sort();
        println!(
            "| {name} | {} | {} | {} |",
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(*samples.last().unwrap())
        );
    }
}
