//! The sandbox API over real HTTP on loopback: tokens, tenant isolation, pagination, filters,
//! errors, rate limiting, CORS, headers and the OpenAPI copy.

mod support;

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use crm_sidebar::sandbox::auth::{self, Claims};
use crm_sidebar::sandbox::seed;
use crm_sidebar::wire::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|_| {}))
}

fn activities_path(crm_id: &str, query: &str) -> String {
    format!("/v1/records/lead/{crm_id}/activities?{query}")
}

/// Every activity of a record matching `query`, following cursors.
async fn all_pages(sandbox: &Sandbox, token: &str, crm_id: &str, query: &str) -> Vec<Activity> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = activities_path(crm_id, query);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: ActivityPage = get_json(sandbox, token, &path).await;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

#[tokio::test]
async fn me_names_the_user_the_tenant_and_a_managers_team() {
    let sandbox = shared();
    let rep: Me = get_json(sandbox, &token_for(sandbox, "rep-ava").await, "/v1/me").await;
    assert_eq!(rep.user.crm_user, "rep-ava");
    assert_eq!(rep.user.role, Role::Rep);
    assert_eq!(rep.tenant.name, seed::TENANT_A);
    assert!(rep.team.is_empty());
    let manager: Me = get_json(
        sandbox,
        &token_for(sandbox, seed::MANAGER_A).await,
        "/v1/me",
    )
    .await;
    assert_eq!(manager.user.role, Role::Manager);
    let mut team: Vec<String> = manager.team.iter().map(|u| u.crm_user.clone()).collect();
    team.sort();
    assert_eq!(team, seed::REPS_A.to_vec());
}

#[tokio::test]
async fn every_token_failure_is_a_401_with_its_code() {
    let sandbox = shared();
    let good = token_for(sandbox, "rep-ava").await;
    let claims: Claims = {
        let payload = good.split('.').nth(1).unwrap();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let mut expired = claims.clone();
    expired.exp = Utc::now().timestamp() - 1;
    let mut wrong_audience = claims.clone();
    wrong_audience.aud = "another-api".into();
    let cases: Vec<(Option<String>, ErrorCode)> = vec![
        (None, ErrorCode::TokenInvalid),
        (Some("Basic abc".into()), ErrorCode::TokenInvalid),
        (Some("Bearer not-a-jwt".into()), ErrorCode::TokenInvalid),
        (
            Some(format!("Bearer {}", auth::mint(b"another secret", &claims))),
            ErrorCode::TokenInvalid,
        ),
        (
            Some(format!("Bearer {}", auth::mint(SECRET, &wrong_audience))),
            ErrorCode::TokenInvalid,
        ),
        (
            Some(format!("Bearer {}", auth::mint(SECRET, &expired))),
            ErrorCode::TokenExpired,
        ),
    ];
    for (header, code) in cases {
        let mut request = client().get(format!("{}/v1/me", sandbox.api));
        if let Some(value) = &header {
            request = request.header("authorization", value);
        }
        let (status, error) = error_of(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(error.code, code, "{header:?}");
    }
    let ok = client()
        .get(format!("{}/v1/me", sandbox.api))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_tenant_reads_only_its_own_records() {
    let sandbox = shared();
    let a = token_for(sandbox, "rep-ava").await;
    let b = token_for(sandbox, seed::REP_B).await;
    let own: RecordProfile =
        get_json(sandbox, &b, &format!("/v1/records/lead/{}", seed::B_LEAD)).await;
    assert_eq!(own.crm_id, seed::B_LEAD);
    for (token, crm_id) in [(&b, seed::DEMO_LEAD), (&a, seed::B_LEAD)] {
        for path in [
            format!("/v1/records/lead/{crm_id}"),
            activities_path(crm_id, ""),
            format!("/v1/records/lead/{crm_id}/engagement"),
        ] {
            let (status, error) = error_of(get(sandbox, token, &path).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(error.code, ErrorCode::NotFound);
        }
    }
    // Not by email either.
    let email = own.email.clone().unwrap();
    let response = get(sandbox, &a, &format!("/v1/records/lead/NOPE?email={email}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Nor can it write into another tenant's record.
    let response = client()
        .post(format!("{}/dev/activities", sandbox.api))
        .bearer_auth(&a)
        .json(
            &json!({"entity": "lead", "crmId": seed::B_LEAD, "kind": "pageVisit",
                      "occurredAt": "2026-01-01T00:00:00Z"}),
        )
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("[0].crmId"));
}

#[tokio::test]
async fn a_profile_counts_its_activities_and_unknown_records_are_404() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let profile: RecordProfile = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}", seed::DEMO_LEAD),
    )
    .await;
    assert_eq!(profile.owner.as_ref().unwrap().crm_user, "rep-ava");
    let all = all_pages(sandbox, &token, seed::DEMO_LEAD, "limit=200").await;
    for kind in ActivityKind::ALL {
        let counted = all.iter().filter(|a| a.kind == *kind).count() as u64;
        assert_eq!(
            profile.activity_counts.get(kind).copied().unwrap_or(0),
            counted,
            "{kind}"
        );
    }
    // When the newest of them happened (the history lists it first).
    assert_eq!(
        profile.last_activity_at,
        all.iter().map(|a| a.occurred_at).max()
    );
    let (status, error) =
        error_of(get(sandbox, &token, "/v1/records/lead/LEAD-UNKNOWN").await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    assert!(error.message.contains("not yet known to marketing"));
    let email = profile.email.clone().unwrap().to_uppercase();
    let by_email: RecordProfile = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/LEAD-UNKNOWN?email={email}"),
    )
    .await;
    assert_eq!(by_email.crm_id, seed::DEMO_LEAD);
    let (status, error) = error_of(get(sandbox, &token, "/v1/records/opportunity/X").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field.as_deref(), Some("entity"));
}

#[tokio::test]
async fn pages_never_repeat_or_skip_rows_while_activities_arrive() {
    let sandbox = start(|_| {});
    let token = token_for(&sandbox, "rep-ava").await;
    let before = all_pages(&sandbox, &token, seed::PERF_RECORD, "limit=200").await;
    assert_eq!(before.len(), 10_000);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut page_number = 0;
    loop {
        let mut path = activities_path(seed::PERF_RECORD, "limit=137");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: ActivityPage = get_json(&sandbox, &token, &path).await;
        seen.extend(page.items);
        page_number += 1;
        // New activity arrives between pages: newer than everything, and at the very time of the
        // last row served (a tie the cursor must break by id).
        let tie = seen.last().unwrap().occurred_at;
        let response = client()
            .post(format!("{}/dev/activities", sandbox.api))
            .bearer_auth(&token)
            .json(&json!([
                {"entity": "lead", "crmId": seed::PERF_RECORD, "kind": "pageVisit", "occurredAt": Utc::now()},
                {"entity": "lead", "crmId": seed::PERF_RECORD, "kind": "emailOpened", "occurredAt": tie},
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(page_number > 70);
    let original: Vec<i64> = before.iter().map(|a| a.id).collect();
    let served: Vec<i64> = seen
        .iter()
        .map(|a| a.id)
        .filter(|id| original.contains(id))
        .collect();
    assert_eq!(
        served, original,
        "every original row exactly once, in order"
    );
    let unique: HashSet<i64> = seen.iter().map(|a| a.id).collect();
    assert_eq!(unique.len(), seen.len(), "no row served twice");
    for pair in seen.windows(2) {
        assert!(
            (pair[0].occurred_at, pair[0].id) > (pair[1].occurred_at, pair[1].id),
            "newest first"
        );
    }
}

#[tokio::test]
async fn a_first_page_counts_what_its_search_and_period_match_per_kind() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let from = Utc::now() - Duration::days(30);
    let period = format!(
        "from={}",
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    // Counted the long way: every row of the period that the search matches.
    let matching = all_pages(
        sandbox,
        &token,
        seed::PERF_RECORD,
        &format!("{period}&q=a&limit=200"),
    )
    .await;
    assert!(matching.len() > 10, "the period has rows to count");
    let expected: std::collections::BTreeMap<ActivityKind, u64> =
        matching.iter().fold(Default::default(), |mut counts, a| {
            *counts.entry(a.kind).or_default() += 1;
            counts
        });
    assert!(expected.len() > 1);

    // The first page counts them all, whichever kinds it lists itself.
    let one_kind = expected.keys().next().unwrap().as_str();
    let first: ActivityPage = get_json(
        sandbox,
        &token,
        &activities_path(
            seed::PERF_RECORD,
            &format!("{period}&q=a&kinds={one_kind}&limit=5"),
        ),
    )
    .await;
    assert_eq!(first.kind_counts.as_ref(), Some(&expected));
    assert!(first.items.iter().all(|a| a.kind.as_str() == one_kind));

    // Later pages leave them out.
    let cursor = first.next_cursor.expect("more than one page");
    let next: Value = get_json(
        sandbox,
        &token,
        &activities_path(
            seed::PERF_RECORD,
            &format!("{period}&q=a&kinds={one_kind}&limit=5&cursor={cursor}"),
        ),
    )
    .await;
    assert!(next.get("kindCounts").is_none(), "{next}");

    // Without a search or period the counts are the profile's.
    let profile: RecordProfile = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}", seed::PERF_RECORD),
    )
    .await;
    let whole: ActivityPage = get_json(
        sandbox,
        &token,
        &activities_path(seed::PERF_RECORD, "limit=1"),
    )
    .await;
    assert_eq!(whole.kind_counts, Some(profile.activity_counts));
}

#[tokio::test]
async fn every_filter_narrows_the_rows() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let all = all_pages(sandbox, &token, seed::PERF_RECORD, "limit=200").await;

    let clicks = all_pages(
        sandbox,
        &token,
        seed::PERF_RECORD,
        "kinds=emailClicked,formSubmitted&limit=200",
    )
    .await;
    let expected = all
        .iter()
        .filter(|a| {
            matches!(
                a.kind,
                ActivityKind::EmailClicked | ActivityKind::FormSubmitted
            )
        })
        .count();
    assert!(expected > 0);
    assert_eq!(clicks.len(), expected);

    let from: DateTime<Utc> = all[all.len() / 2].occurred_at;
    let to: DateTime<Utc> = all[all.len() / 4].occurred_at;
    let query = format!(
        "from={}&to={}&limit=200",
        from.to_rfc3339(),
        to.to_rfc3339()
    )
    .replace('+', "%2B");
    let ranged = all_pages(sandbox, &token, seed::PERF_RECORD, &query).await;
    let expected = all
        .iter()
        .filter(|a| a.occurred_at >= from && a.occurred_at < to)
        .count();
    assert_eq!(ranged.len(), expected);

    let visit = all
        .iter()
        .find(|a| a.kind == ActivityKind::PageVisit)
        .unwrap();
    let title = visit.details.page_title.clone().unwrap();
    let found = all_pages(
        sandbox,
        &token,
        seed::PERF_RECORD,
        &format!("q={}&limit=200", urlencode(&title)),
    )
    .await;
    assert!(found.iter().any(|a| a.id == visit.id));
    let needle = title.to_lowercase();
    for activity in &found {
        let haystack = [
            activity.subject.clone(),
            activity.url.clone(),
            activity.details.clicked_url.clone(),
            activity.details.page_title.clone(),
            activity.details.form_name.clone(),
            activity.details.score_reason.clone(),
            activity.details.program_name.clone(),
        ];
        assert!(haystack
            .iter()
            .flatten()
            .any(|text| text.to_lowercase().contains(&needle)));
    }
    let none: ActivityPage = get_json(
        sandbox,
        &token,
        &activities_path(seed::PERF_RECORD, "q=%25%25no%20such%20thing"),
    )
    .await;
    assert!(none.items.is_empty());
    assert_eq!(none.next_cursor, None);
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn bad_parameters_are_422_naming_the_field() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let cases = [
        (activities_path(seed::DEMO_LEAD, "limit=500"), "limit"),
        (
            activities_path(seed::DEMO_LEAD, "kinds=emailSent,coffee"),
            "kinds",
        ),
        (activities_path(seed::DEMO_LEAD, "cursor=bogus"), "cursor"),
        (activities_path(seed::DEMO_LEAD, "from=last-week"), "from"),
        (
            format!(
                "/v1/records/lead/{}/engagement?tz=Mars/Olympus",
                seed::DEMO_LEAD
            ),
            "tz",
        ),
        (
            format!(
                "/v1/records/lead/{}/engagement?bucket=hour",
                seed::DEMO_LEAD
            ),
            "bucket",
        ),
        (
            format!(
                "/v1/records/lead/{}/engagement?from=1990-01-01T00:00:00Z&bucket=day",
                seed::DEMO_LEAD
            ),
            "bucket",
        ),
    ];
    for (path, field) in cases {
        let (status, error) = error_of(get(sandbox, &token, &path).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(error.code, ErrorCode::InvalidParameter, "{path}");
        assert_eq!(error.field.as_deref(), Some(field), "{path}");
    }
    let response = client()
        .post(format!("{}/dev/sso/token", sandbox.api))
        .json(&json!({"crmUser": "rep-ava", "ttlSeconds": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await.1.field.as_deref(),
        Some("ttlSeconds")
    );
    let response = client()
        .post(format!("{}/dev/records", sandbox.api))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let sandbox = start(|config| {
        config.rate_limit_per_minute = 3;
        config.seed.activities = 2_000;
    });
    let token = token_for(&sandbox, "rep-ava").await;
    for _ in 0..3 {
        assert_eq!(
            get(&sandbox, &token, "/v1/me").await.status(),
            StatusCode::OK
        );
    }
    let response = get(&sandbox, &token, "/v1/me").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
    );
    // The budget is per token.
    let other = token_for(&sandbox, "rep-ben").await;
    assert_eq!(
        get(&sandbox, &other, "/v1/me").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cors_preflights_are_answered_for_allowed_origins_and_cached() {
    let sandbox = shared();
    for origin in ["http://127.0.0.1:8788", sandbox.host.as_str()] {
        let response = client()
            .request(Method::OPTIONS, format!("{}/v1/me", sandbox.api))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        let max_age: u64 = headers["access-control-max-age"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(max_age >= 600);
        assert!(headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization"));
    }
    // A cross-origin caller may read the headers its retries rely on.
    let response = client()
        .get(format!("{}/v1/me", sandbox.api))
        .header("origin", sandbox.host.as_str())
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["retry-after", "idempotent-replayed"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    let response = client()
        .request(Method::OPTIONS, format!("{}/v1/me", sandbox.api))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn plugin_pages_carry_a_strict_csp_and_security_headers() {
    let sandbox = shared();
    let response = client()
        .get(format!("{}/index.html", sandbox.api))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        csp.contains("frame-ancestors http://127.0.0.1:8788 http://localhost:8788"),
        "{csp}"
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let wasm = client()
        .get(format!("{}/app_bg.wasm", sandbox.api))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["x-content-type-options"], "nosniff");
    // The page by another spelling of its path is not served without a CSP.
    let encoded = client()
        .get(format!("{}/%69ndex.html", sandbox.api))
        .send()
        .await
        .unwrap();
    let csp = encoded.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp == "default-src 'none'; frame-ancestors 'none'"
            || csp.contains("frame-ancestors http://127.0.0.1:8788 http://localhost:8788"),
        "{} {csp}",
        encoded.status()
    );
    let api = get(sandbox, &token_for(sandbox, "rep-ava").await, "/v1/me").await;
    assert_eq!(api.headers()["referrer-policy"], "no-referrer");
    assert_eq!(api.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_openapi_copy_in_manifest_is_in_sync() {
    let sandbox = shared();
    let served = client()
        .get(format!("{}/v1/openapi.json", sandbox.api))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let served = served.text().await.unwrap();
    let copy = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/manifest/openapi.json"
    ))
    .unwrap_or_default();
    assert!(
        served == copy,
        "manifest/openapi.json is stale: run `cargo run --features sandbox --bin sandbox -- --print-openapi > manifest/openapi.json`"
    );
    let document: Value = serde_json::from_str(&served).unwrap();
    for path in [
        "/v1/me",
        "/v1/records/{entity}/{crmId}",
        "/v1/records/{entity}/{crmId}/activities",
        "/v1/records/{entity}/{crmId}/engagement",
        "/dev/sso/token",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
    // Each page size is documented with the bounds the handler enforces (422 outside).
    for (path, max) in [
        ("/v1/records/{entity}/{crmId}/activities", 200),
        ("/v1/templates", 200),
        ("/v1/hot-prospects", 50),
    ] {
        let limit = document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap_or_else(|| panic!("{path} has a limit"));
        assert_eq!(
            (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
            (&json!(1), &json!(max)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn engagement_agrees_with_counting_the_raw_activities() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let to = Utc::now();
    let from = to - Duration::days(365);
    let query = format!(
        "from={}&to={}&bucket=week&tz=America/New_York",
        from.format("%Y-%m-%dT%H:%M:%SZ"),
        to.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let engagement: Engagement = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}/engagement?{query}", seed::PERF_RECORD),
    )
    .await;
    let raw = all_pages(
        sandbox,
        &token,
        seed::PERF_RECORD,
        &format!(
            "from={}&to={}&limit=200",
            from.format("%Y-%m-%dT%H:%M:%SZ"),
            to.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    )
    .await;
    let in_buckets: u64 = engagement
        .buckets
        .iter()
        .flat_map(|b| b.counts.values())
        .sum();
    assert_eq!(in_buckets, raw.len() as u64);
    assert_eq!(
        engagement.summary.counts.values().sum::<u64>(),
        raw.len() as u64
    );
    for bucket in &engagement.buckets {
        let in_this = raw
            .iter()
            .filter(|a| a.occurred_at >= bucket.start && a.occurred_at < bucket.end)
            .count();
        assert_eq!(bucket.counts.values().sum::<u64>(), in_this as u64);
        let local = bucket.start.with_timezone(&chrono_tz::America::New_York);
        assert_eq!(
            local.format("%a %H:%M").to_string(),
            "Mon 00:00",
            "weeks start at local midnight"
        );
    }
    assert_eq!(engagement.time_zone, "America/New_York");
    assert!(engagement.first.unwrap().occurred_at <= engagement.last.unwrap().occurred_at);
}

#[tokio::test]
async fn engagement_names_the_first_and_last_email_of_the_whole_history() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let engagement: Engagement = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}/engagement", seed::DEMO_LEAD),
    )
    .await;
    let key = |a: &Activity| (a.occurred_at, a.id);
    let every = all_pages(sandbox, &token, seed::DEMO_LEAD, "limit=200").await;
    let emails = all_pages(
        sandbox,
        &token,
        seed::DEMO_LEAD,
        "kinds=emailSent,emailOpened,emailClicked&limit=200",
    )
    .await;
    let oldest = |list: &[Activity]| list.iter().min_by_key(|a| key(a)).unwrap().id;
    let newest = |list: &[Activity]| list.iter().max_by_key(|a| key(a)).unwrap().id;
    assert_eq!(engagement.first.unwrap().id, oldest(&every));
    assert_eq!(engagement.last.as_ref().unwrap().id, newest(&every));
    let first_email = engagement.first_email.unwrap();
    let last_email = engagement.last_email.unwrap();
    assert_eq!(first_email.id, oldest(&emails));
    assert_eq!(last_email.id, newest(&emails));
    assert!(matches!(
        last_email.kind,
        ActivityKind::EmailSent | ActivityKind::EmailOpened | ActivityKind::EmailClicked
    ));

    // A history that starts and ends with other kinds: the edges differ.
    let dev = token_for(sandbox, "rep-chloe").await;
    let response = client()
        .post(format!("{}/dev/records", sandbox.api))
        .bearer_auth(&dev)
        .json(&json!({"entity": "lead", "crmId": "LEAD-EDGES", "email": "q@example.com"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let engagement_of = |dev: String| async move {
        get_json::<Engagement>(sandbox, &dev, "/v1/records/lead/LEAD-EDGES/engagement").await
    };
    let ingest = |dev: String, kind: &'static str, days_ago: i64| async move {
        let response = client()
            .post(format!("{}/dev/activities", sandbox.api))
            .bearer_auth(&dev)
            .json(
                &json!({"entity": "lead", "crmId": "LEAD-EDGES", "kind": kind,
                          "subject": kind, "occurredAt": Utc::now() - Duration::days(days_ago)}),
            )
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    };
    ingest(dev.clone(), "pageVisit", 40).await;
    let engagement = engagement_of(dev.clone()).await;
    assert_eq!(engagement.first.unwrap().kind, ActivityKind::PageVisit);
    assert_eq!(
        (engagement.first_email, engagement.last_email),
        (None, None)
    );
    ingest(dev.clone(), "emailSent", 30).await;
    ingest(dev.clone(), "emailOpened", 20).await;
    ingest(dev.clone(), "formSubmitted", 10).await;
    let engagement = engagement_of(dev.clone()).await;
    let kind = |i: Option<Interaction>| i.unwrap().kind;
    assert_eq!(kind(engagement.first), ActivityKind::PageVisit);
    assert_eq!(kind(engagement.last), ActivityKind::FormSubmitted);
    assert_eq!(kind(engagement.first_email), ActivityKind::EmailSent);
    assert_eq!(kind(engagement.last_email), ActivityKind::EmailOpened);
    // Without campaigns nothing says which email was opened: no rate.
    assert_eq!(engagement.summary.open_rate, None);

    // Ingested with their campaign, the same kinds make a rate: one of two emails opened.
    for (kind, days_ago, campaign) in [
        ("emailSent", 9, "DEV-A"),
        ("emailOpened", 8, "DEV-A"),
        ("emailSent", 7, "DEV-B"),
    ] {
        let response = client()
            .post(format!("{}/dev/activities", sandbox.api))
            .bearer_auth(&dev)
            .json(
                &json!({"entity": "lead", "crmId": "LEAD-EDGES", "kind": kind,
                          "campaignId": campaign,
                          "occurredAt": Utc::now() - Duration::days(days_ago)}),
            )
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
    let engagement = engagement_of(dev.clone()).await;
    assert_eq!(engagement.summary.open_rate, Some(0.5));
}

#[tokio::test]
async fn dev_endpoints_ingest_hostile_text_verbatim_into_the_callers_tenant() {
    let sandbox = shared();
    let users: Vec<DevUser> = client()
        .get(format!("{}/dev/users", sandbox.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(users
        .iter()
        .any(|u| u.crm_user == seed::MANAGER_A && u.role == Role::Manager));
    assert!(users
        .iter()
        .any(|u| u.crm_user == seed::REP_B && u.tenant == seed::TENANT_B));
    let response = client()
        .post(format!("{}/dev/sso/token", sandbox.api))
        .json(&json!({"crmUser": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let token = token_for(sandbox, "rep-chloe").await;
    let response = client()
        .post(format!("{}/dev/records", sandbox.api))
        .bearer_auth(&token)
        .json(&json!({"entity": "contact", "crmId": "CONT-HOSTILE", "email": "x@example.com",
                      "firstName": "<b>Eve</b>", "lastName": "O'Hare", "company": "\"Quotes\" & Co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let subject = "<img src=x onerror=alert(1)>";
    let response = client()
        .post(format!("{}/dev/activities", sandbox.api))
        .bearer_auth(&token)
        .json(&json!({"entity": "contact", "crmId": "CONT-HOSTILE", "kind": "formSubmitted",
                      "occurredAt": "2026-05-01T10:00:00Z", "subject": subject,
                      "details": {"formName": "<script>x()</script>", "formFields": [{"name": "a", "value": "b"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Created = response.json().await.unwrap();
    assert_eq!(created.ids.len(), 1);
    let profile: RecordProfile =
        get_json(sandbox, &token, "/v1/records/contact/CONT-HOSTILE").await;
    assert_eq!(profile.first_name.as_deref(), Some("<b>Eve</b>"));
    assert_eq!(profile.owner.unwrap().crm_user, "rep-chloe");
    let page: ActivityPage = get_json(
        sandbox,
        &token,
        "/v1/records/contact/CONT-HOSTILE/activities",
    )
    .await;
    assert_eq!(page.items[0].subject.as_deref(), Some(subject));
    assert_eq!(
        page.items[0].details.form_name.as_deref(),
        Some("<script>x()</script>")
    );
    // Another tenant does not see it.
    let other = token_for(sandbox, seed::REP_B).await;
    assert_eq!(
        get(sandbox, &other, "/v1/records/contact/CONT-HOSTILE")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_host_origin_serves_the_demo_crm() {
    let sandbox = shared();
    // Every demo page carries the host CSP, however it is reached (a file under /demo too).
    for path in ["/record", "/demo/record.html", "/host/sidebar-host.js"] {
        let page = client()
            .get(format!("{}{path}", sandbox.host))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    let list: Value = client()
        .get(format!(
            "{}/crm/api/records?entity=lead&user=rep-ava&limit=5",
            sandbox.host
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
    assert!(list["total"].as_u64().unwrap() > 100);
    let record: Value = client()
        .get(format!(
            "{}/crm/api/records/lead/{}?user=rep-ava",
            sandbox.host,
            seed::CRM_ONLY_LEAD
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["knownToMarketing"], false);
    let note = client()
        .post(format!(
            "{}/crm/api/notes/lead/{}?user=rep-ava",
            sandbox.host,
            seed::DEMO_LEAD
        ))
        .json(&json!({"subject": "Sent Email: Hello", "body": "Sent from the sidebar"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), StatusCode::CREATED);
    let notes: Value = client()
        .get(format!(
            "{}/crm/api/notes/lead/{}?user=rep-ava",
            sandbox.host,
            seed::DEMO_LEAD
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(notes
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["subject"] == "Sent Email: Hello"));
    // Tenant B's CRM has its own notes.
    let notes_b: Value = client()
        .get(format!(
            "{}/crm/api/notes/lead/{}?user={}",
            sandbox.host,
            seed::DEMO_LEAD,
            seed::REP_B
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(notes_b.as_array().unwrap().is_empty());
}

/// What clients send that is odd but not wrong: a lower-case `bearer`, a padded `limit`, a CRM
/// id of 100 characters in a script of three bytes each, score changes at the ends of i64.
#[tokio::test]
async fn odd_but_valid_requests_are_answered() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-chloe").await;
    let me = client()
        .get(format!("{}/v1/me", sandbox.api))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let padded = get(
        sandbox,
        &token,
        &activities_path(seed::DEMO_LEAD, "limit=%2010%20"),
    )
    .await;
    assert_eq!(padded.status(), StatusCode::OK);
    let page: ActivityPage = padded.json().await.unwrap();
    assert_eq!(page.items.len(), 10);

    let crm_id = "顧".repeat(100);
    let created = client()
        .post(format!("{}/dev/records", sandbox.api))
        .bearer_auth(&token)
        .json(&json!({"entity": "lead", "crmId": crm_id, "email": "gu@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let too_long = client()
        .post(format!("{}/dev/records", sandbox.api))
        .bearer_auth(&token)
        .json(&json!({"entity": "lead", "crmId": "顧".repeat(101)}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(too_long).await.1.field.as_deref(), Some("crmId"));

    for delta in [i64::MAX, i64::MAX] {
        let response = client()
            .post(format!("{}/dev/activities", sandbox.api))
            .bearer_auth(&token)
            .json(
                &json!({"entity": "lead", "crmId": crm_id, "kind": "scoreChanged",
                          "occurredAt": (Utc::now() - Duration::hours(1)).to_rfc3339(),
                          "details": {"scoreDelta": delta, "scoreReason": "test"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let engagement: Engagement = get_json(
        sandbox,
        &token,
        &format!(
            "/v1/records/lead/{}/engagement",
            form_urlencoded::byte_serialize(crm_id.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert_eq!(engagement.summary.score_change, i64::MAX);
}

/// What axum itself refuses comes in the API's error shape too: a path that is not UTF-8 is the
/// 422 of an unreadable parameter, a method an endpoint does not take a 405 with `Allow`.
#[tokio::test]
async fn refusals_before_any_handler_are_in_the_error_shape() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let (status, error) = error_of(get(sandbox, &token, "/v1/records/lead/%FF").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, ErrorCode::InvalidParameter);
    assert_eq!(error.field.as_deref(), Some("path"));

    let response = client()
        .put(format!("{}/v1/me", sandbox.api))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let allow = response.headers().get("allow").cloned();
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error.code, ErrorCode::InvalidParameter);
    assert!(
        allow.is_some_and(|a| a.to_str().unwrap().contains("GET")),
        "Allow names GET"
    );
}
