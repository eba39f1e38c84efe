//! Injected faults (`--faults`) over real HTTP on loopback: each kind as a client sees it, only
//! under `/v1`, the same seed failing the same requests the same way, a held answer outlasting
//! the plugin's timeout, and which kinds still perform the request.

mod support;

use std::time::Duration;

use chrono::Utc;
use crm_sidebar::sandbox::{db, faults};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::sandbox::*;

/// A sandbox failing `/v1` requests as `spec` says.
fn faulty(spec: &str) -> Sandbox {
    let spec: faults::FaultSpec = spec.parse().unwrap();
    start(move |config| {
        config.seed.activities = 2_000;
        config.faults = Some(spec);
    })
}

/// What a client made of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Seen {
    /// A whole answer that is JSON (2xx or an error in the API's shape), by status.
    Answer(u16),
    /// A 429 with a whole-second `Retry-After`.
    RetryAfter(u64),
    /// No answer within the client's timeout.
    NoAnswer,
    /// A success whose JSON ends too soon.
    CutShort,
    /// The connection closed before any answer.
    Dropped,
}

async fn seen(request: reqwest::RequestBuilder) -> Seen {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) if error.is_timeout() => return Seen::NoAnswer,
        Err(error) => {
            assert!(!error.is_connect(), "the sandbox is not listening: {error}");
            return Seen::Dropped;
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().parse::<u64>().unwrap());
    let body = response.bytes().await.unwrap();
    match serde_json::from_slice::<Value>(&body) {
        Err(error) => {
            assert!(error.is_eof(), "JSON that ends too soon, not {error}");
            assert!(status.is_success(), "{status}");
            Seen::CutShort
        }
        Ok(json) if status == StatusCode::TOO_MANY_REQUESTS => {
            assert_eq!(json["error"]["code"], "rateLimited");
            Seen::RetryAfter(retry_after.expect("a 429 says when to retry"))
        }
        Ok(json) => {
            if !status.is_success() {
                assert!(json["error"]["message"].is_string(), "{json}");
            }
            Seen::Answer(status.as_u16())
        }
    }
}

fn client_waiting(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap()
}

async fn me(sandbox: &Sandbox, client: &reqwest::Client, token: &str) -> Seen {
    seen(
        client
            .get(format!("{}/v1/me", sandbox.api))
            .bearer_auth(token),
    )
    .await
}

#[tokio::test]
async fn every_kind_of_fault_is_seen_by_a_client() {
    let sandbox = faulty("rate=1,kinds=500|503|429|timeout|malformed|reset,seed=7");
    let token = token_for(&sandbox, "rep-ava").await;
    let client = client_waiting(Duration::from_secs(2));
    let expected = [
        Seen::Answer(500),
        Seen::Answer(503),
        Seen::RetryAfter(faults::RETRY_AFTER_SECONDS),
        Seen::NoAnswer,
        Seen::CutShort,
        Seen::Dropped,
    ];
    let mut found = std::collections::HashSet::new();
    for _ in 0..60 {
        let outcome = me(&sandbox, &client, &token).await;
        assert!(expected.contains(&outcome), "{outcome:?} at rate=1");
        found.insert(outcome);
        if found.len() == expected.len() {
            break;
        }
    }
    assert_eq!(found.len(), expected.len(), "seen only {found:?}");
    // Only /v1 fails: the plugin's files and the development endpoints answer.
    for path in ["/dev/users", "/index.html"] {
        let answer = client
            .get(format!("{}{path}", sandbox.api))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert!(answer.headers().get(faults::FAULT_HEADER).is_none());
    }
}

/// The 40 answers of `/v1/me` in a row, in a fresh sandbox with `spec`.
async fn forty_answers(spec: &str) -> Vec<Seen> {
    let sandbox = faulty(spec);
    let token = token_for(&sandbox, "rep-ava").await;
    let client = client_waiting(Duration::from_secs(2));
    let mut outcomes = Vec::new();
    for _ in 0..40 {
        outcomes.push(me(&sandbox, &client, &token).await);
    }
    outcomes
}

#[tokio::test]
async fn the_same_seed_fails_the_same_requests_the_same_way() {
    let spec = "rate=0.5,kinds=500|503|429|malformed|reset,seed=7";
    let other_seed = spec.replace("seed=7", "seed=8");
    let (first, again, other) = tokio::join!(
        forty_answers(spec),
        forty_answers(spec),
        forty_answers(&other_seed),
    );
    assert_eq!(first, again);
    assert_ne!(first, other);
    let failed = first.iter().filter(|s| **s != Seen::Answer(200)).count();
    assert!(
        (8..=32).contains(&failed),
        "{failed} of 40 failed: {first:?}"
    );
}

#[tokio::test]
async fn a_held_answer_outlasts_the_plugins_timeout() {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/plugin/api.rs")).unwrap();
    let plugin_timeout_ms: u64 = source
        .split("pub const REQUEST_TIMEOUT_MS: u32 = ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .map(|n| n.replace('_', "").parse().unwrap())
        .expect("the plugin names its request timeout");
    assert!(faults::HOLD > Duration::from_millis(plugin_timeout_ms));
    let sandbox = faulty("rate=1,kinds=timeout,seed=1");
    let token = token_for(&sandbox, "rep-ava").await;
    // A client as patient as the plugin, and a little more, still gets nothing.
    let plugin = client_waiting(Duration::from_millis(plugin_timeout_ms + 500));
    assert_eq!(me(&sandbox, &plugin, &token).await, Seen::NoAnswer);
}

/// Sends to one new recipient under `key`: what the client saw, and how many sends the
/// database has under the key afterwards.
async fn send_under_faults(sandbox: &Sandbox, key: &str) -> (Seen, i64) {
    let token = token_for(sandbox, "rep-ava").await;
    let client = client_waiting(Duration::from_secs(2));
    let crm_id = format!("LEAD-{key}");
    let request = client
        .post(format!("{}/v1/sends", sandbox.api))
        .bearer_auth(&token)
        .header("Idempotency-Key", key)
        .json(
            &json!({"templateId": first_template(sandbox), "recipients": [
                {"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com")}
            ]}),
        );
    let outcome = seen(request).await;
    // The answer may be held or cut while the send finishes: wait for the database to settle.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let conn = db::open(&sandbox.db_path).unwrap();
    let sends: i64 = conn
        .query_row(
            "SELECT count(*) FROM sends WHERE idempotency_key = ?1",
            [key],
            |row| row.get(0),
        )
        .unwrap();
    (outcome, sends)
}

fn first_template(sandbox: &Sandbox) -> i64 {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row(
        "SELECT t.id FROM templates t JOIN users u ON u.tenant_id = t.tenant_id
         WHERE u.crm_user = 'rep-ava' ORDER BY t.id LIMIT 1",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn a_refused_request_is_not_performed_and_a_spoiled_answer_is() {
    let stamp = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    for (kind, seen_as, performed) in [
        ("503", Seen::Answer(503), 0),
        ("500", Seen::Answer(500), 0),
        ("429", Seen::RetryAfter(faults::RETRY_AFTER_SECONDS), 0),
        ("reset", Seen::Dropped, 1),
        ("malformed", Seen::CutShort, 1),
        ("timeout", Seen::NoAnswer, 1),
    ] {
        let sandbox = faulty(&format!("rate=1,kinds={kind},seed=3"));
        let (outcome, sends) = send_under_faults(&sandbox, &format!("{kind}-{stamp}")).await;
        assert_eq!((outcome, sends), (seen_as, performed), "{kind}");
    }
}
