//! The hardening a review asked for, over real HTTP on loopback: both origins answer only to their
//! own host names (DNS rebinding), the demo CRM's API takes changes only as JSON from its own
//! pages, the rate limit is the user's whatever the token, the daily send limit counts the day of
//! delivery, one referrer policy, and the signing secret's length.

mod support;

use std::sync::OnceLock;

use chrono::{DateTime, Duration, DurationRound, Utc};
use crm_sidebar::sandbox::{self, seed, Config};
use crm_sidebar::wire::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|config| config.seed.activities = 2_000))
}

/// `http://127.0.0.1:40123` → `40123`.
fn port_of(origin: &str) -> u16 {
    origin.rsplit(':').next().unwrap().parse().unwrap()
}

/// A GET of `origin` + `path` naming `host` in the `Host` header.
async fn get_as_host(origin: &str, path: &str, host: &str) -> reqwest::Response {
    client()
        .get(format!("{origin}{path}"))
        .header("host", host)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_origin_answers_only_to_its_own_host_names() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    for (origin, path) in [
        (&sandbox.api, "/dev/users"),
        (&sandbox.api, "/index.html"),
        (&sandbox.host, "/record"),
        (&sandbox.host, "/crm/api/config"),
    ] {
        let port = port_of(origin);
        for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
            let answer = get_as_host(origin, path, &host).await;
            assert_eq!(answer.status(), StatusCode::OK, "{path} as {host}");
        }
        let other_port = if origin == &sandbox.api {
            port_of(&sandbox.host)
        } else {
            port_of(&sandbox.api)
        };
        for host in [
            format!("evil.example:{port}"),
            "evil.example".to_owned(),
            format!("localhost:{other_port}"),
            format!("127.0.0.2:{port}"),
        ] {
            let answer = get_as_host(origin, path, &host).await;
            assert_eq!(
                answer.headers()["referrer-policy"],
                "no-referrer",
                "{path} as {host}"
            );
            let (status, error) = error_of(answer).await;
            assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{path} as {host}");
            assert_eq!(error.code, ErrorCode::Forbidden);
            assert!(error.message.contains(&host), "{}", error.message);
        }
    }
    // A valid token changes nothing: a rebound page must not reach the API.
    let rebound = client()
        .get(format!("{}/v1/me", sandbox.api))
        .header("host", format!("evil.example:{}", port_of(&sandbox.api)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
}

fn note_url(sandbox: &Sandbox, crm_id: &str) -> String {
    format!("{}/crm/api/notes/lead/{crm_id}?user=rep-ava", sandbox.host)
}

async fn notes_of(sandbox: &Sandbox, crm_id: &str) -> Vec<Value> {
    client()
        .get(note_url(sandbox, crm_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_crm_takes_notes_only_as_json_from_its_own_pages() {
    let sandbox = shared();
    let crm_id = seed::CRM_ONLY_LEAD;
    let note = json!({"subject": "Cross-site", "body": "should not be stored"}).to_string();
    let localhost = format!("http://localhost:{}", port_of(&sandbox.host));
    // What a cross-site `fetch(url, {mode: 'no-cors', method: 'POST', body})` sends.
    let refused = [
        ("text/plain;charset=UTF-8", Some("https://evil.example")),
        ("text/plain;charset=UTF-8", Some(sandbox.host.as_str())),
        (
            "application/x-www-form-urlencoded",
            Some(sandbox.host.as_str()),
        ),
        ("application/json", Some("https://evil.example")),
        ("application/json", Some("null")),
        ("application/json", Some(sandbox.api.as_str())),
        ("application/json", None),
    ];
    for (content_type, origin) in refused {
        let mut request = client()
            .post(note_url(sandbox, crm_id))
            .header("content-type", content_type)
            .body(note.clone());
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let (status, error) = error_of(request.send().await.unwrap()).await;
        let expected = if content_type.starts_with("application/json") {
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        } else {
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::InvalidParameter,
            )
        };
        assert_eq!(
            (status, error.code),
            expected,
            "{content_type} from {origin:?}"
        );
    }
    assert!(notes_of(sandbox, crm_id)
        .await
        .iter()
        .all(|n| n["subject"] != "Cross-site"));
    for origin in [sandbox.host.as_str(), localhost.as_str()] {
        let saved = client()
            .post(note_url(sandbox, crm_id))
            .header("content-type", "application/json; charset=utf-8")
            .header("origin", origin)
            .body(json!({"subject": format!("From {origin}"), "body": "ok"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::CREATED, "from {origin}");
    }
    let subjects: Vec<Value> = notes_of(sandbox, crm_id)
        .await
        .into_iter()
        .map(|n| n["subject"].clone())
        .collect();
    assert!(subjects.contains(&json!(format!("From {}", sandbox.host))));
    assert!(subjects.contains(&json!(format!("From {localhost}"))));
}

#[tokio::test]
async fn a_new_token_does_not_reset_a_users_rate_limit() {
    let sandbox = start(|config| {
        config.rate_limit_per_minute = 3;
        config.seed.activities = 2_000;
    });
    let first = token_for(&sandbox, "rep-ava").await;
    for _ in 0..3 {
        assert_eq!(
            get(&sandbox, &first, "/v1/me").await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        get(&sandbox, &first, "/v1/me").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Tokens are minted per second: wait for one that differs.
    let mut second = token_for(&sandbox, "rep-ava").await;
    while second == first {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        second = token_for(&sandbox, "rep-ava").await;
    }
    let refused = get(&sandbox, &second, "/v1/me").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    // Another user has a budget of their own.
    let other = token_for(&sandbox, "rep-ben").await;
    assert_eq!(
        get(&sandbox, &other, "/v1/me").await.status(),
        StatusCode::OK
    );
}

/// `count` recipients no other send names.
fn fresh_recipients(label: &str, count: usize) -> Vec<Value> {
    let stamp = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    (0..count)
        .map(|i| {
            let crm_id = format!("LEAD-{label}-{stamp}-{i}");
            json!({"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com")})
        })
        .collect()
}

async fn send_at(
    sandbox: &Sandbox,
    token: &str,
    template: i64,
    recipients: Vec<Value>,
    at: Option<DateTime<Utc>>,
) -> SendResponse {
    let response = client()
        .post(format!("{}/v1/sends", sandbox.api))
        .bearer_auth(token)
        .header(
            "Idempotency-Key",
            format!("k-{}", Utc::now().timestamp_nanos_opt().unwrap_or_default()),
        )
        .json(&json!({"templateId": template, "recipients": recipients, "scheduledAt": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn scheduled_sends_count_against_the_day_they_are_delivered_on() {
    let sandbox = start(|config| config.seed.activities = 2_000);
    let token = token_for(&sandbox, "rep-dan").await;
    let templates: TemplateList = get_json(&sandbox, &token, "/v1/templates").await;
    let template = templates.items[0].id;
    let midnight = Utc::now().duration_trunc(Duration::days(1)).unwrap();
    let tomorrow = midnight + Duration::days(1) + Duration::hours(9);
    let day_after = tomorrow + Duration::days(1);
    // A whole day's allowance, in five sends scheduled for one morning.
    for batch in 0..5 {
        let scheduled = send_at(
            &sandbox,
            &token,
            template,
            fresh_recipients(&format!("morning{batch}"), 200),
            Some(tomorrow),
        )
        .await;
        assert_eq!(scheduled.count(SendOutcome::Scheduled), 200);
        assert_eq!(scheduled.remaining_today, 800 - 200 * batch as u32);
        assert_eq!(scheduled.limit_resets_at, midnight + Duration::days(2));
    }
    // That morning is full: more for it is excluded as over the limit, as on the day itself.
    let refused = send_at(
        &sandbox,
        &token,
        template,
        fresh_recipients("more", 2),
        Some(tomorrow),
    )
    .await;
    assert_eq!(refused.count(SendOutcome::Scheduled), 0);
    assert!(refused
        .results
        .iter()
        .all(|r| r.reason == Some(ExclusionReason::DailyLimit)));
    let asked = client()
        .post(format!("{}/v1/sends/preflight", sandbox.api))
        .bearer_auth(&token)
        .json(
            &json!({"templateId": template, "recipients": fresh_recipients("asked", 1),
                      "scheduledAt": tomorrow + Duration::hours(3)}),
        )
        .send()
        .await
        .unwrap();
    let asked: PreflightResponse = asked.json().await.unwrap();
    assert_eq!((asked.sendable, asked.remaining_today), (0, 0));
    // Today and the day after keep their own allowance.
    let now = send_at(&sandbox, &token, template, fresh_recipients("now", 2), None).await;
    assert_eq!(now.count(SendOutcome::Sent), 2);
    assert_eq!(now.remaining_today, DAILY_SEND_LIMIT - 2);
    let later = send_at(
        &sandbox,
        &token,
        template,
        fresh_recipients("later", 2),
        Some(day_after),
    )
    .await;
    assert_eq!(later.count(SendOutcome::Scheduled), 2);
    assert_eq!(later.remaining_today, DAILY_SEND_LIMIT - 2);
}

#[tokio::test]
async fn the_referrer_policy_header_and_the_page_agree() {
    let sandbox = shared();
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.html")).unwrap();
    let meta = page
        .split("<meta name=\"referrer\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the plugin page names its referrer policy");
    assert_eq!(meta, "no-referrer");
    for url in [
        format!("{}/index.html", sandbox.api),
        format!("{}/v1/openapi.json", sandbox.api),
        format!("{}/record", sandbox.host),
    ] {
        let answer = client().get(&url).send().await.unwrap();
        assert_eq!(answer.headers()["referrer-policy"], meta, "{url}");
    }
}

#[tokio::test]
async fn a_short_signing_secret_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("sandbox.db"));
    config.api_addr = "127.0.0.1:0".parse().unwrap();
    config.host_addr = "127.0.0.1:0".parse().unwrap();
    config.jwt_secret = b"only-31-bytes-of-signing-secret".to_vec();
    let refusal = sandbox::start(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refusal.contains("at least 32"), "{refusal}");
    assert!(
        !dir.path().join("sandbox.db").exists(),
        "refused before opening the database"
    );
    // The binary says so before anything else, without echoing the secret.
    for (flag, env) in [(true, false), (false, true)] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sandbox"));
        command.arg("--db").arg(dir.path().join("cli.db"));
        if flag {
            command.args(["--jwt-secret", "hunter2-hunter2"]);
        }
        if env {
            command.env("SANDBOX_JWT_SECRET", "hunter2-hunter2");
        }
        let output = exited_within_a_minute(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(
            stderr.contains("15 bytes") && stderr.contains("at least 32"),
            "{stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

/// The output of `command`, which must exit by itself (a sandbox that started would not).
fn exited_within_a_minute(mut command: std::process::Command) -> std::process::Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the sandbox started with a short secret");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}
