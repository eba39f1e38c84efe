//! Latency of `GET /v1/hot-prospects` over loopback with 1,000,000 activities in the database.
//!
//! `cargo bench --features sandbox --bench hot_prospects` (the database is the one
//! `activity_page` uses, seeded once into `target/bench/` and reused). Prints p50/p99/max per
//! scenario over sequential requests with a kept-alive connection, as a plugin makes them, and
//! the first ranking of a day: cold (every record's kept score recomputed from its activities of
//! the last 97 days) and after the background warmer has gone through, with the warmer's steps.

use std::time::{Duration, Instant};

use chrono::Utc;
use crm_sidebar::sandbox::prospects::{self, scoring};
use crm_sidebar::sandbox::{self, seed, AppState, Config};
use crm_sidebar::wire::{HotProspects, TokenResponse};

const WARMUP: usize = 200;
const SAMPLES: usize = 2_000;
const COLD_SAMPLES: usize = 20;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "| {name} | {} | {} | {} |",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    );
}

async fn token(client: &reqwest::Client, api: &str, crm_user: &str) -> String {
    client
        .post(format!("{api}/dev/sso/token"))
        .json(&serde_json::json!({"crmUser": crm_user, "ttlSeconds": 3600}))
        .send()
        .await
        .unwrap()
        .json::<TokenResponse>()
        .await
        .unwrap()
        .token
}

async fn request(client: &reqwest::Client, url: &str, token: &str) -> HotProspects {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Forgets every kept score, as a new UTC day does.
async fn forget_scores(state: &AppState) {
    state
        .db
        .run(|conn| Ok(conn.execute("DELETE FROM prospect_scores", [])?))
        .await
        .unwrap();
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
    // The bench drives the warmer itself, to measure the cold case and the warm-up.
    config.warm_prospect_scores = false;
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
    let api = &running.api_origin;
    let rep = token(&client, api, "rep-ava").await;
    let manager = token(&client, api, seed::MANAGER_A).await;
    let scenarios = [
        (
            "rep, owner=me (20 rows)",
            format!("{api}/v1/hot-prospects?owner=me"),
            &rep,
        ),
        (
            "manager, owner=team (20 rows)",
            format!("{api}/v1/hot-prospects?owner=team"),
            &manager,
        ),
        (
            "manager, owner=team&limit=50",
            format!("{api}/v1/hot-prospects?owner=team&limit=50"),
            &manager,
        ),
    ];

    println!("\n| scenario | p50 | p99 | max |\n| --- | --- | --- | --- |");
    for (name, url, token) in &scenarios {
        let answer = request(&client, url, token).await;
        assert!(!answer.items.is_empty(), "{name}: no rows");
        for _ in 0..WARMUP {
            request(&client, url, token).await;
        }
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let start = Instant::now();
            let response = client.get(url).bearer_auth(*token).send().await.unwrap();
            response.bytes().await.unwrap();
            samples.push(start.elapsed());
        }
        row(name, samples);
    }

    // The first ranking of a day recomputes the owners' records; later ones read kept scores.
    for (name, url, token) in &scenarios[..2] {
        let mut samples = Vec::with_capacity(COLD_SAMPLES);
        for _ in 0..COLD_SAMPLES {
            forget_scores(&running.state).await;
            let start = Instant::now();
            let response = client.get(url).bearer_auth(*token).send().await.unwrap();
            response.bytes().await.unwrap();
            samples.push(start.elapsed());
        }
        row(&format!("{name}, first of the day, nothing kept"), samples);
    }

    // What the sandbox does instead: the warmer keeps every score ready after midnight, one
    // small batch per hold of the database, so the first ranking of the day reads kept scores.
    forget_scores(&running.state).await;
    let today = scoring::day_of(Utc::now().timestamp_millis());
    let mut holds = Vec::new();
    let started = Instant::now();
    loop {
        let start = Instant::now();
        let computed = running
            .state
            .db
            .run(move |conn| Ok(prospects::warm_scores(conn, today, prospects::WARM_BATCH)?))
            .await
            .unwrap();
        if computed == 0 {
            break;
        }
        holds.push(start.elapsed());
    }
    let warm_total = started.elapsed();
    println!(
        "\nwarming every owned record's score after midnight: {} steps of {} records in {:.2} s",
        holds.len(),
        prospects::WARM_BATCH,
        warm_total.as_secs_f64()
    );
    println!("\n| scenario | p50 | p99 | max |\n| --- | --- | --- | --- |");
    row("one warming step (database held)", holds);
    for (name, url, token) in &scenarios[..2] {
        let mut samples = Vec::with_capacity(COLD_SAMPLES);
        for _ in 0..COLD_SAMPLES {
            forget_scores(&running.state).await;
            running
                .state
                .db
                .run(move |conn| {
                    while prospects::warm_scores(conn, today, prospects::WARM_BATCH)? > 0 {}
                    Ok(())
                })
                .await
                .unwrap();
            let start = Instant::now();
            let response = client.get(url).bearer_auth(*token).send().await.unwrap();
            response.bytes().await.unwrap();
            samples.push(start.elapsed());
        }
        row(&format!("{name}, first of the day, warmed"), samples);
    }
}
