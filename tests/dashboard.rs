//! The sales dashboard over real HTTP on loopback: sent messages and their engagement counts,
//! recipients, visitors, owner and team authorization, tenant isolation, and the live feed of new
//! activity (server-sent events and long polling): order, resuming without loss or repeat, tenant
//! scope, and a token that expires mid-stream.
//!
//! Every test makes records of its own (fresh CRM ids) and asserts on those, so the tests can run
//! in parallel on one sandbox.

mod support;

use std::sync::OnceLock;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use crm_sidebar::wire::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| {
        start(|config| {
            config.seed.activities = 5_000;
            // So a test sees heartbeats without waiting 15 s.
            config.feed_heartbeat = StdDuration::from_secs(1);
        })
    })
}

/// A CRM id no other test uses.
fn fresh_crm_id(label: &str) -> String {
    format!(
        "DASH-{label}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// Creates a lead owned by the token's user.
async fn new_lead(sandbox: &Sandbox, token: &str, label: &str) -> String {
    let crm_id = fresh_crm_id(label);
    let record = json!({"entity": "lead", "crmId": crm_id, "firstName": label,
        "lastName": "Dashboard", "email": format!("{}@dash.example", crm_id.to_lowercase())});
    let response = post(sandbox, token, "/dev/records", &record).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    crm_id
}

fn activity(crm_id: &str, kind: ActivityKind, at: DateTime<Utc>) -> Value {
    json!({"entity": "lead", "crmId": crm_id, "kind": kind, "occurredAt": at,
        "subject": format!("{kind} of {crm_id}")})
}

fn email_activity(crm_id: &str, kind: ActivityKind, at: DateTime<Utc>, campaign: &str) -> Value {
    let mut body = activity(crm_id, kind, at);
    body["campaignId"] = json!(campaign);
    if kind == ActivityKind::EmailBounced {
        body["details"] = json!({"bounceType": "hard"});
    }
    body
}

fn page_view(crm_id: &str, at: DateTime<Utc>, path: &str, title: &str) -> Value {
    json!({"entity": "lead", "crmId": crm_id, "kind": "pageVisit", "occurredAt": at,
        "subject": title, "url": format!("https://www.northwind.example{path}"),
        "details": {"pageTitle": title, "secondsOnPage": 30}})
}

/// Posts activities; answers their ids.
async fn record_activities(sandbox: &Sandbox, token: &str, activities: Vec<Value>) -> Vec<i64> {
    let response = post(sandbox, token, "/dev/activities", &Value::Array(activities)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Created>().await.unwrap().ids
}

async fn first_template(sandbox: &Sandbox, token: &str) -> i64 {
    let list: TemplateList = get_json(sandbox, token, "/v1/templates").await;
    list.items[0].id
}

/// Sends the first template to `recipients` (`(crm id, email)`, unknown to marketing or not).
async fn send_to(sandbox: &Sandbox, token: &str, recipients: &[(&str, &str)]) -> SendResponse {
    let body = json!({
        "templateId": first_template(sandbox, token).await,
        "subject": "Your pricing, {{firstName|there}}",
        "recipients": recipients.iter().map(|(crm_id, email)| json!({"entity": "lead",
            "crmId": crm_id, "email": email, "firstName": "Pat"})).collect::<Vec<_>>(),
    });
    let response = client()
        .post(format!("{}/v1/sends", sandbox.api))
        .bearer_auth(token)
        .header("Idempotency-Key", fresh_crm_id("key"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn sends_of(sandbox: &Sandbox, token: &str, query: &str) -> SentMessages {
    get_json(sandbox, token, &format!("/v1/sends?{query}")).await
}

/// The send `id` as listed for `owner`, following cursors.
async fn listed_send(sandbox: &Sandbox, token: &str, owner: &str, id: i64) -> Option<SentMessage> {
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            None => format!("owner={owner}&limit=100"),
            Some(c) => format!("owner={owner}&limit=100&cursor={c}"),
        };
        let page = sends_of(sandbox, token, &query).await;
        if let Some(found) = page.items.into_iter().find(|send| send.id == id) {
            return Some(found);
        }
        cursor = Some(page.next_cursor?);
    }
}

async fn my_id(sandbox: &Sandbox, token: &str) -> i64 {
    get_json::<Me>(sandbox, token, "/v1/me").await.user.id
}

#[tokio::test]
async fn each_recipient_counts_once_per_kind_and_a_bounce_is_not_delivered() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let ids: Vec<String> = (0..4).map(|i| fresh_crm_id(&format!("r{i}"))).collect();
    let emails: Vec<String> = ids
        .iter()
        .map(|id| format!("{}@dash.example", id.to_lowercase()))
        .collect();
    let failed = fresh_crm_id("failed");
    let duplicate = fresh_crm_id("duplicate");
    let mut recipients: Vec<(&str, &str)> = ids
        .iter()
        .zip(&emails)
        .map(|(id, email)| (id.as_str(), email.as_str()))
        .collect();
    recipients.push((&failed, "nobody@fail.example"));
    recipients.push((&duplicate, &emails[0]));
    let send = send_to(sandbox, &ava, &recipients).await;
    assert_eq!(send.count(SendOutcome::Sent), 4);
    let campaign = send.campaign_id.as_str();
    let sent_at = send.created_at;
    let at = |minutes| sent_at + Duration::minutes(minutes);
    // Someone who was not a recipient acts under the campaign (a forwarded email): not counted.
    let bystander = new_lead(sandbox, &ava, "bystander").await;
    record_activities(
        sandbox,
        &ava,
        vec![
            email_activity(&ids[0], ActivityKind::EmailOpened, at(3), campaign),
            email_activity(&ids[0], ActivityKind::EmailOpened, at(1), campaign),
            email_activity(&ids[0], ActivityKind::EmailOpened, at(9), campaign),
            email_activity(&ids[0], ActivityKind::EmailClicked, at(4), campaign),
            email_activity(&ids[0], ActivityKind::EmailClicked, at(2), campaign),
            email_activity(&ids[1], ActivityKind::EmailOpened, at(5), campaign),
            email_activity(&ids[2], ActivityKind::EmailBounced, at(0), campaign),
            email_activity(&ids[3], ActivityKind::EmailOpened, at(6), campaign),
            email_activity(&ids[3], ActivityKind::Unsubscribed, at(7), campaign),
            email_activity(&ids[3], ActivityKind::Unsubscribed, at(8), campaign),
            email_activity(&bystander, ActivityKind::EmailOpened, at(2), campaign),
            email_activity(&bystander, ActivityKind::EmailClicked, at(2), campaign),
            // Another campaign's open of a recipient.
            email_activity(&ids[1], ActivityKind::EmailClicked, at(2), "SEND-0"),
        ],
    )
    .await;

    let listed = listed_send(sandbox, &ava, "me", send.id).await.unwrap();
    assert_eq!(listed.campaign_id, campaign);
    assert_eq!(listed.subject, "Your pricing, {{firstName|there}}");
    assert_eq!(listed.template_id, send.template_id);
    assert!(listed.template_name.is_some());
    assert_eq!(listed.sender.crm_user, "rep-ava");
    assert_eq!(listed.scheduled_at, None);
    assert_eq!(
        (listed.recipients, listed.sent, listed.scheduled),
        (6, 4, 0)
    );
    assert_eq!(listed.opened, 3, "r0 (three opens), r1 and r3");
    assert_eq!(listed.clicked, 1, "r0 (two clicks)");
    assert_eq!(listed.bounced, 1);
    assert_eq!(listed.delivered, 3, "four sent, one bounced");
    assert_eq!(listed.unsubscribed, 1, "r3 (twice)");

    let all: SentRecipients = get_json(
        sandbox,
        &ava,
        &format!("/v1/sends/{}/recipients?limit=200", send.id),
    )
    .await;
    assert_eq!(all.next_cursor, None);
    let crm_ids: Vec<&str> = all.items.iter().map(|r| r.crm_id.as_str()).collect();
    let mut listed_order: Vec<&str> = ids.iter().map(String::as_str).collect();
    listed_order.extend([failed.as_str(), duplicate.as_str()]);
    assert_eq!(crm_ids, listed_order, "in the order the rep listed them");
    let r0 = &all.items[0];
    assert_eq!(r0.first_opened_at, Some(at(1)));
    assert_eq!(r0.first_clicked_at, Some(at(2)));
    assert!(!r0.bounced && !r0.unsubscribed);
    assert_eq!(r0.outcome, SendOutcome::Sent);
    assert_eq!(
        all.items[1].first_clicked_at, None,
        "another campaign's click"
    );
    assert!(all.items[2].bounced);
    assert_eq!(all.items[2].first_opened_at, None);
    assert!(all.items[3].unsubscribed);
    assert_eq!(all.items[4].outcome, SendOutcome::Failed);
    assert_eq!(all.items[5].outcome, SendOutcome::Excluded);
    assert_eq!(all.items[5].reason, Some(ExclusionReason::DuplicateEmail));
    assert_eq!(
        all.items[5].first_opened_at, None,
        "the duplicate shares r0's record but got no email"
    );

    // A page at a time: the same recipients, none twice.
    let mut paged = Vec::new();
    let mut path = format!("/v1/sends/{}/recipients?limit=4", send.id);
    loop {
        let page: SentRecipients = get_json(sandbox, &ava, &path).await;
        assert!(page.items.len() <= 4);
        paged.extend(page.items);
        match page.next_cursor {
            Some(cursor) => {
                path = format!("/v1/sends/{}/recipients?limit=4&cursor={cursor}", send.id)
            }
            None => break,
        }
    }
    assert_eq!(paged, all.items);
}

#[tokio::test]
async fn sends_come_newest_first_a_page_at_a_time() {
    let sandbox = shared();
    let dan = token_for(sandbox, "rep-dan").await;
    let mut made = Vec::new();
    for i in 0..3 {
        let crm_id = fresh_crm_id(&format!("page{i}"));
        let email = format!("{}@dash.example", crm_id.to_lowercase());
        made.push(send_to(sandbox, &dan, &[(&crm_id, &email)]).await.id);
    }
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let page = sends_of(sandbox, &dan, &query).await;
        assert!(page.items.len() <= 2);
        assert!(page
            .items
            .iter()
            .all(|send| send.sender.crm_user == "rep-dan"));
        seen.extend(page.items.iter().map(|send| (send.created_at, send.id)));
        match page.next_cursor {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, none twice");
    for id in made {
        assert!(seen.iter().any(|(_, seen_id)| *seen_id == id));
    }
    // A cursor is opaque to the document, so one that leads nowhere is a conflict, not a
    // request the document forbids.
    for (query, status_wanted, field) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("limit=101", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("cursor=x", StatusCode::CONFLICT, "cursor"),
        ("owner=boss", StatusCode::UNPROCESSABLE_ENTITY, "owner"),
    ] {
        let (status, error) =
            error_of(get(sandbox, &dan, &format!("/v1/sends?{query}")).await).await;
        assert_eq!(status, status_wanted, "{query}");
        assert_eq!(error.field.as_deref(), Some(field), "{query}");
    }
}

#[tokio::test]
async fn a_rep_sees_only_their_own_sends_and_a_manager_the_team_s() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let ben = token_for(sandbox, "rep-ben").await;
    let olivia = token_for(sandbox, "mgr-olivia").await;
    let crm_id = fresh_crm_id("team");
    let email = format!("{}@dash.example", crm_id.to_lowercase());
    let send = send_to(sandbox, &ava, &[(&crm_id, &email)]).await;
    let ava_id = my_id(sandbox, &ava).await;
    let recipients = format!("/v1/sends/{}/recipients", send.id);

    for path in [
        format!("/v1/sends?owner={ava_id}"),
        "/v1/sends?owner=team".to_owned(),
        recipients.clone(),
        format!("/v1/visitors?owner={ava_id}"),
        "/v1/visitors?owner=team".to_owned(),
    ] {
        let (status, error) = error_of(get(sandbox, &ben, &path).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error.code, ErrorCode::Forbidden);
    }
    assert!(listed_send(sandbox, &ben, "me", send.id).await.is_none());

    let by_team = listed_send(sandbox, &olivia, "team", send.id)
        .await
        .unwrap();
    assert_eq!(by_team.sender.id, ava_id);
    assert!(listed_send(sandbox, &olivia, &ava_id.to_string(), send.id)
        .await
        .is_some());
    assert!(listed_send(sandbox, &olivia, "me", send.id).await.is_none());
    let team = sends_of(sandbox, &olivia, "owner=team").await;
    assert_eq!(team.owners[0].crm_user, "mgr-olivia");
    assert!(team.owners.iter().any(|owner| owner.id == ava_id));
    let read: SentRecipients = get_json(sandbox, &olivia, &recipients).await;
    assert_eq!(read.items[0].crm_id, crm_id);
}

#[tokio::test]
async fn another_tenant_s_sends_are_unknown() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let yan = token_for(sandbox, "b-rep-yan").await;
    let zoe = token_for(sandbox, "b-mgr-zoe").await;
    let crm_id = fresh_crm_id("tenant");
    let email = format!("{}@dash.example", crm_id.to_lowercase());
    let send = send_to(sandbox, &ava, &[(&crm_id, &email)]).await;
    let ava_id = my_id(sandbox, &ava).await;

    let (status, error) =
        error_of(get(sandbox, &yan, &format!("/v1/sends/{}/recipients", send.id)).await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let (status, _) =
        error_of(get(sandbox, &zoe, &format!("/v1/sends?owner={ava_id}")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(listed_send(sandbox, &zoe, "team", send.id).await.is_none());
    let visitors: Visitors = get_json(sandbox, &zoe, "/v1/visitors?owner=team&limit=200").await;
    assert!(visitors
        .items
        .iter()
        .all(|v| !v.crm_id.starts_with("DASH-")));
    for path in ["/v1/sends/999999999/recipients", "/v1/sends/abc/recipients"] {
        let (status, _) = error_of(get(sandbox, &ava, path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn visitors_are_the_owner_s_records_on_the_site_most_recent_first() {
    let sandbox = shared();
    let ben = token_for(sandbox, "rep-ben").await;
    let olivia = token_for(sandbox, "mgr-olivia").await;
    // Whole milliseconds, as the platform keeps times.
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let ago = |minutes| now - Duration::minutes(minutes);
    let reading = new_lead(sandbox, &ben, "reading").await;
    let left = new_lead(sandbox, &ben, "left").await;
    let last_week = new_lead(sandbox, &ben, "lastweek").await;
    record_activities(
        sandbox,
        &ben,
        vec![
            page_view(&reading, ago(62), "/blog", "Blog"),
            page_view(&reading, ago(61), "/product", "Product overview"),
            page_view(&reading, ago(3), "/product", "Product overview"),
            page_view(&reading, ago(2), "/pricing", "Pricing"),
            activity(&reading, ActivityKind::EmailOpened, ago(1)),
            page_view(&left, ago(20), "/customers", "Customer stories"),
            page_view(&last_week, ago(60 * 24 * 10), "/pricing", "Pricing"),
        ],
    )
    .await;

    let visitors: Visitors = get_json(sandbox, &ben, "/v1/visitors?limit=200").await;
    let times: Vec<DateTime<Utc>> = visitors
        .items
        .iter()
        .map(|v| v.last_page.viewed_at)
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] >= pair[1]),
        "most recent first"
    );
    assert!(visitors.items.iter().all(|v| v.owner.crm_user == "rep-ben"));
    assert!(visitors
        .items
        .iter()
        .all(|v| v.last_page.viewed_at >= visitors.since));
    let position = |crm_id: &str| visitors.items.iter().position(|v| v.crm_id == crm_id);
    assert!(position(&reading).unwrap() < position(&left).unwrap());
    assert_eq!(
        position(&last_week),
        None,
        "ten days ago is before the default week"
    );

    let on_site = &visitors.items[position(&reading).unwrap()];
    assert!(on_site.active_now);
    assert_eq!(on_site.last_page.title.as_deref(), Some("Pricing"));
    assert_eq!(on_site.last_page.viewed_at, ago(2));
    let titles: Vec<&str> = on_site
        .pages
        .iter()
        .filter_map(|p| p.title.as_deref())
        .collect();
    assert_eq!(
        titles,
        vec!["Pricing", "Product overview"],
        "this visit only"
    );
    assert_eq!(on_site.visits_30_days, 2);
    assert_eq!(on_site.first_name.as_deref(), Some("reading"));
    let gone = &visitors.items[position(&left).unwrap()];
    assert!(!gone.active_now);
    assert_eq!(gone.visits_30_days, 1);

    let since = (now - Duration::days(11)).to_rfc3339().replace('+', "%2B");
    let longer: Visitors = get_json(
        sandbox,
        &ben,
        &format!("/v1/visitors?since={since}&limit=200"),
    )
    .await;
    assert!(longer.items.iter().any(|v| v.crm_id == last_week));

    let team: Visitors = get_json(sandbox, &olivia, "/v1/visitors?owner=team&limit=200").await;
    let of_ben = team.items.iter().find(|v| v.crm_id == reading).unwrap();
    assert_eq!(of_ben.owner.crm_user, "rep-ben");
    let mine: Visitors = get_json(sandbox, &olivia, "/v1/visitors?limit=200").await;
    assert!(mine.items.iter().all(|v| v.crm_id != reading));
    let (status, error) = error_of(get(sandbox, &ben, "/v1/visitors?since=yesterday").await).await;
    assert_eq!(
        (status, error.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("since"))
    );
}

/// Every visitor of `query` (without `cursor`), page after page, with the size of each page.
async fn visitors_walked(
    sandbox: &Sandbox,
    token: &str,
    query: &str,
) -> (Vec<Visitor>, Vec<usize>) {
    let (mut all, mut sizes) = (Vec::new(), Vec::new());
    let mut path = format!("/v1/visitors?{query}");
    loop {
        let page: Visitors = get_json(sandbox, token, &path).await;
        sizes.push(page.items.len());
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => path = format!("/v1/visitors?{query}&cursor={cursor}"),
            None => return (all, sizes),
        }
    }
}

#[tokio::test]
async fn a_team_s_visitors_come_a_page_at_a_time_each_once_in_order() {
    let sandbox = shared();
    let chloe = token_for(sandbox, "rep-chloe").await;
    let olivia = token_for(sandbox, "mgr-olivia").await;
    // Two days ago, away from the other tests' visitors (minutes ago): twelve visitors at the
    // same millisecond, whose order only the tie-break decides, and eighteen a minute apart
    // before them.
    let at = DateTime::from_timestamp_millis((Utc::now() - Duration::days(2)).timestamp_millis())
        .unwrap();
    let mut made = Vec::new();
    let mut views = Vec::new();
    for i in 0..30 {
        let crm_id = new_lead(sandbox, &chloe, &format!("walk{i}")).await;
        let viewed = if i < 12 {
            at
        } else {
            at - Duration::minutes(i)
        };
        views.push(page_view(&crm_id, viewed, "/pricing", "Pricing"));
        made.push((crm_id, viewed));
    }
    record_activities(sandbox, &chloe, views).await;
    let since = (at - Duration::hours(1)).to_rfc3339().replace('+', "%2B");
    let query = format!("owner=team&since={since}");

    let (walked, sizes) = visitors_walked(sandbox, &olivia, &format!("{query}&limit=7")).await;
    assert!(sizes.len() > 1, "more visitors than one page");
    let (last, full) = sizes.split_last().unwrap();
    assert!(full.iter().all(|size| *size == 7), "{sizes:?}");
    assert!(*last <= 7);
    let mut seen = std::collections::HashSet::new();
    for v in &walked {
        assert!(
            seen.insert((v.entity, v.crm_id.clone())),
            "{} twice",
            v.crm_id
        );
    }
    assert!(
        walked
            .windows(2)
            .all(|pair| pair[0].last_page.viewed_at >= pair[1].last_page.viewed_at),
        "most recent first across pages"
    );
    let ours = |visitors: &[Visitor]| -> Vec<(String, DateTime<Utc>)> {
        visitors
            .iter()
            .filter(|v| made.iter().any(|(crm_id, _)| *crm_id == v.crm_id))
            .map(|v| (v.crm_id.clone(), v.last_page.viewed_at))
            .collect()
    };
    let paged = ours(&walked);
    assert_eq!(paged.len(), made.len(), "each visitor exactly once");
    let mut expected_times: Vec<DateTime<Utc>> = made.iter().map(|(_, at)| *at).collect();
    expected_times.sort_by(|a, b| b.cmp(a));
    let times: Vec<DateTime<Utc>> = paged.iter().map(|(_, at)| *at).collect();
    assert_eq!(times, expected_times);
    for (crm_id, at) in &made[12..] {
        assert!(paged.contains(&(crm_id.clone(), *at)));
    }
    // The tie is broken the same way whatever the page size: one page of all gives the same
    // order, so a page boundary inside the tie neither repeats nor skips anyone.
    let (whole, _) = visitors_walked(sandbox, &olivia, &format!("{query}&limit=200")).await;
    assert_eq!(ours(&whole), paged);
}

#[tokio::test]
async fn a_visitors_cursor_this_list_did_not_make_is_refused() {
    let sandbox = shared();
    let dan = token_for(sandbox, "rep-dan").await;
    let crm_id = fresh_crm_id("cursor");
    let email = format!("{}@dash.example", crm_id.to_lowercase());
    send_to(sandbox, &dan, &[(&crm_id, &email)]).await;
    send_to(sandbox, &dan, &[(&crm_id, &email)]).await;
    // A cursor of another list (the sends') is well formed and leads nowhere here.
    let sends = sends_of(sandbox, &dan, "limit=1").await;
    let of_sends = sends.next_cursor.expect("two sends, one a page");
    for (cursor, status_wanted) in [
        (of_sends.as_str(), StatusCode::CONFLICT),
        ("x", StatusCode::CONFLICT),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("not%20base64", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let path = format!("/v1/visitors?cursor={cursor}");
        let (status, error) = error_of(get(sandbox, &dan, &path).await).await;
        assert_eq!(status, status_wanted, "{path}");
        assert_eq!(error.field.as_deref(), Some("cursor"), "{path}");
    }
    let (status, error) = error_of(get(sandbox, &dan, "/v1/visitors?limit=201").await).await;
    assert_eq!(
        (status, error.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );
}

// ---------------------------------------------------------------------------------------------
// The live feed

/// One message of a server-sent event stream.
#[derive(Clone, Debug, Default)]
struct Message {
    id: Option<String>,
    event: Option<String>,
    data: String,
    /// A comment line only (a heartbeat).
    comment: bool,
}

impl Message {
    fn activity(&self) -> ActivityEvent {
        assert_eq!(self.event.as_deref(), Some("activity"), "{self:?}");
        let event: ActivityEvent = serde_json::from_str(&self.data).unwrap();
        assert_eq!(self.id.as_deref(), Some(event.cursor.as_str()));
        event
    }
}

/// A stream of `GET /v1/events`, read as the plugin reads it: `fetch` with the token in the
/// header, the body a chunk at a time.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(
        sandbox: &Sandbox,
        token: &str,
        query: &str,
        last_event_id: Option<&str>,
    ) -> Stream {
        let mut request = client()
            .get(format!("{}/v1/events?{query}", sandbox.api))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next message within `within`, heartbeats included; `None` when the stream ended.
    async fn message(&mut self, within: StdDuration) -> Option<Message> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut message = Message::default();
                let mut data = Vec::new();
                for line in block.lines() {
                    match line.split_once(':') {
                        Some(("", _)) => message.comment = true,
                        Some(("id", value)) => message.id = Some(value.trim_start().to_owned()),
                        Some(("event", value)) => {
                            message.event = Some(value.trim_start().to_owned())
                        }
                        Some(("data", value)) => {
                            data.push(value.strip_prefix(' ').unwrap_or(value).to_owned())
                        }
                        _ => {}
                    }
                }
                message.data = data.join("\n");
                message.comment &= message.event.is_none() && message.data.is_empty();
                return Some(message);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no message within {within:?}; have {:?}", self.buffer))
                .unwrap();
            match chunk {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// The next message that is not a heartbeat or a position.
    async fn event(&mut self) -> Message {
        loop {
            let message = self
                .message(StdDuration::from_secs(10))
                .await
                .expect("the stream ended");
            if !message.comment && message.event.as_deref() != Some("position") {
                return message;
            }
        }
    }

    /// The next `n` activities.
    async fn activities(&mut self, n: usize) -> Vec<ActivityEvent> {
        let mut activities = Vec::new();
        while activities.len() < n {
            activities.push(self.event().await.activity());
        }
        activities
    }

    /// The first message, which says where the stream starts.
    async fn position(&mut self) -> String {
        let message = self.message(StdDuration::from_secs(10)).await.unwrap();
        assert_eq!(message.event.as_deref(), Some("position"), "{message:?}");
        let position: FeedPosition = serde_json::from_str(&message.data).unwrap();
        assert_eq!(message.id.as_deref(), Some(position.cursor.as_str()));
        position.cursor
    }
}

fn cursor_of(id: i64) -> String {
    id.to_string()
}

fn ids(events: &[ActivityEvent]) -> Vec<i64> {
    events.iter().map(|event| event.activity.id).collect()
}

#[tokio::test]
async fn a_record_s_activities_arrive_in_commit_order_and_no_one_else_s() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let lead = new_lead(sandbox, &ava, "ordered").await;
    let other = new_lead(sandbox, &ava, "other").await;
    let mut record = Stream::open(sandbox, &ava, &format!("record=lead/{lead}"), None).await;
    let mut mine = Stream::open(sandbox, &ava, "owner=me", None).await;
    record.position().await;
    mine.position().await;

    let now = Utc::now();
    let mut posted = record_activities(
        sandbox,
        &ava,
        vec![
            page_view(&lead, now, "/product", "Product overview"),
            activity(&other, ActivityKind::EmailOpened, now),
            // Older than the one before: the feed's order is the order of recording.
            page_view(&lead, now - Duration::days(2), "/pricing", "Pricing"),
        ],
    )
    .await;
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![activity(&lead, ActivityKind::FormSubmitted, now)],
        )
        .await,
    );
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![activity(&other, ActivityKind::EmailClicked, now)],
        )
        .await,
    );
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![activity(&lead, ActivityKind::EmailOpened, now)],
        )
        .await,
    );

    let of_record = record.activities(4).await;
    assert_eq!(
        ids(&of_record),
        vec![posted[0], posted[2], posted[3], posted[5]]
    );
    assert!(of_record
        .iter()
        .all(|event| event.crm_id == lead && event.entity == Entity::Lead));
    assert_eq!(of_record[1].activity.subject.as_deref(), Some("Pricing"));
    assert_eq!(
        of_record[1].activity.details.page_title.as_deref(),
        Some("Pricing")
    );

    // The owner's stream has both records' activities (and may have those of other tests).
    let mut of_owner = Vec::new();
    while of_owner.len() < posted.len() {
        let event = mine.event().await.activity();
        if event.crm_id == lead || event.crm_id == other {
            of_owner.push(event.activity.id);
        }
    }
    assert_eq!(of_owner, posted);
}

#[tokio::test]
async fn a_reconnect_with_the_last_cursor_loses_and_repeats_nothing() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let lead = new_lead(sandbox, &ava, "resume").await;
    let query = format!("record=lead/{lead}");
    let at = Utc::now();
    let mut stream = Stream::open(sandbox, &ava, &query, None).await;
    stream.position().await;
    let mut posted = Vec::new();
    for _ in 0..3 {
        posted.extend(
            record_activities(
                sandbox,
                &ava,
                vec![activity(&lead, ActivityKind::PageVisit, at)],
            )
            .await,
        );
    }
    let first = stream.activities(2).await;
    assert_eq!(ids(&first), posted[..2]);
    let resume_at = first[1].cursor.clone();
    drop(stream);

    // Recorded while nobody listens.
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![activity(&lead, ActivityKind::EmailOpened, at)],
        )
        .await,
    );
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![
                activity(&lead, ActivityKind::EmailClicked, at),
                activity(&lead, ActivityKind::PageVisit, at),
            ],
        )
        .await,
    );

    let mut resumed = Stream::open(sandbox, &ava, &query, Some(&resume_at)).await;
    assert_eq!(
        resumed.position().await,
        resume_at,
        "it starts where the client was"
    );
    posted.extend(
        record_activities(
            sandbox,
            &ava,
            vec![activity(&lead, ActivityKind::FormSubmitted, at)],
        )
        .await,
    );
    let rest = resumed.activities(5).await;
    assert_eq!(
        ids(&rest),
        posted[2..],
        "the third (after the cursor), the two recorded meanwhile, then the new one"
    );

    // `after` does the same as the header, here as one long poll.
    let page: EventPage = get_json(
        sandbox,
        &ava,
        &format!("/v1/events?{query}&after={resume_at}&wait=5"),
    )
    .await;
    assert_eq!(ids(&page.items), posted[2..]);
    assert!(!page.reset);
    let page: EventPage = get_json(
        sandbox,
        &ava,
        &format!("/v1/events?{query}&after={}&wait=0", page.cursor),
    )
    .await;
    assert!(page.items.is_empty());

    // A cursor this database never gave (or one too far behind to replay) is a reset.
    let mut reset = Stream::open(sandbox, &ava, &query, Some("999999999999")).await;
    reset.position().await;
    let message = reset.event().await;
    assert_eq!(message.event.as_deref(), Some("reset"));
    let position: FeedPosition = serde_json::from_str(&message.data).unwrap();
    assert!(position.cursor.parse::<i64>().unwrap() >= posted[5]);
    let page: EventPage = get_json(
        sandbox,
        &ava,
        &format!("/v1/events?{query}&after=999999999999&wait=0"),
    )
    .await;
    assert!(page.reset && page.items.is_empty());
}

#[tokio::test]
async fn another_tenant_s_activities_never_arrive() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let yan = token_for(sandbox, "b-rep-yan").await;
    let zoe = token_for(sandbox, "b-mgr-zoe").await;
    // The same CRM id in both tenants.
    let shared_id = fresh_crm_id("both");
    for token in [&ava, &yan] {
        let record = json!({"entity": "lead", "crmId": shared_id, "firstName": "Sam"});
        assert_eq!(
            post(sandbox, token, "/dev/records", &record).await.status(),
            StatusCode::CREATED
        );
    }
    let query = format!("record=lead/{shared_id}");
    let mut of_b_record = Stream::open(sandbox, &yan, &query, None).await;
    let mut of_b_team = Stream::open(sandbox, &zoe, "owner=team", None).await;
    let start: EventPage = get_json(sandbox, &yan, &format!("/v1/events?{query}&wait=0")).await;
    of_b_record.position().await;
    of_b_team.position().await;

    let now = Utc::now();
    let of_a = record_activities(
        sandbox,
        &ava,
        (0..3)
            .map(|_| activity(&shared_id, ActivityKind::PageVisit, now))
            .collect(),
    )
    .await;
    let of_b = record_activities(
        sandbox,
        &yan,
        vec![activity(&shared_id, ActivityKind::EmailOpened, now)],
    )
    .await;

    assert_eq!(ids(&of_b_record.activities(1).await), of_b);
    let team_event = of_b_team.event().await.activity();
    assert_eq!(
        team_event.activity.id, of_b[0],
        "tenant A's activities came first and were not sent"
    );
    let polled: EventPage = get_json(
        sandbox,
        &yan,
        &format!("/v1/events?{query}&after={}&wait=5", start.cursor),
    )
    .await;
    assert_eq!(ids(&polled.items), of_b);
    assert!(of_a.iter().all(|id| *id < of_b[0]));
}

#[tokio::test]
async fn a_token_that_expires_mid_stream_ends_it_and_a_new_one_resumes() {
    let sandbox = shared();
    let response = client()
        .post(format!("{}/dev/sso/token", sandbox.api))
        .json(&json!({"crmUser": "rep-chloe", "ttlSeconds": 2}))
        .send()
        .await
        .unwrap();
    let short: TokenResponse = response.json().await.unwrap();
    let chloe = token_for(sandbox, "rep-chloe").await;
    let lead = new_lead(sandbox, &chloe, "expiring").await;
    let query = format!("record=lead/{lead}");
    let mut stream = Stream::open(sandbox, &short.token, &query, None).await;
    stream.position().await;
    let posted = record_activities(
        sandbox,
        &chloe,
        vec![activity(&lead, ActivityKind::PageVisit, Utc::now())],
    )
    .await;
    let had = stream.activities(1).await;
    assert_eq!(ids(&had), posted);

    let ended = stream.event().await;
    assert!(
        Utc::now() >= short.expires_at,
        "not before the token's expiry"
    );
    assert_eq!(ended.event.as_deref(), Some("error"));
    assert_eq!(ended.id, None, "an error moves no cursor");
    let body: ErrorBody = serde_json::from_str(&ended.data).unwrap();
    assert_eq!(body.error.code, ErrorCode::TokenExpired);
    assert!(
        stream.message(StdDuration::from_secs(5)).await.is_none(),
        "the stream ends"
    );
    let (status, error) =
        error_of(get(sandbox, &short.token, &format!("/v1/events?{query}")).await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::UNAUTHORIZED, ErrorCode::TokenExpired)
    );

    // Renewed: what was recorded meanwhile comes once.
    let missed = record_activities(
        sandbox,
        &chloe,
        vec![activity(&lead, ActivityKind::EmailOpened, Utc::now())],
    )
    .await;
    let mut renewed = Stream::open(sandbox, &chloe, &query, Some(&had[0].cursor)).await;
    renewed.position().await;
    assert_eq!(ids(&renewed.activities(1).await), missed);
}

#[tokio::test]
async fn the_long_poll_answers_at_once_or_when_an_activity_comes() {
    let sandbox = shared();
    let ben = token_for(sandbox, "rep-ben").await;
    let lead = new_lead(sandbox, &ben, "polled").await;
    let query = format!("/v1/events?record=lead/{lead}");

    let started = Instant::now();
    let first: EventPage = get_json(sandbox, &ben, &format!("{query}&wait=20")).await;
    assert!(first.items.is_empty() && !first.reset);
    assert!(
        started.elapsed() < StdDuration::from_secs(5),
        "without a cursor it answers at once"
    );

    let waiting = {
        let (api, token, path) = (
            sandbox.api.clone(),
            ben.clone(),
            format!("{query}&after={}&wait=20", first.cursor),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let page: EventPage = client()
                .get(format!("{api}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (page, started.elapsed())
        })
    };
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let posted = record_activities(
        sandbox,
        &ben,
        vec![activity(&lead, ActivityKind::PageVisit, Utc::now())],
    )
    .await;
    let (page, took) = waiting.await.unwrap();
    assert_eq!(ids(&page.items), posted);
    assert!(
        took < StdDuration::from_secs(10),
        "answered when the activity came, not at the end: {took:?}"
    );
    assert_eq!(page.cursor, cursor_of(posted[0]));

    let again: EventPage = get_json(
        sandbox,
        &ben,
        &format!("{query}&after={}&wait=20", first.cursor),
    )
    .await;
    assert_eq!(
        ids(&again.items),
        posted,
        "at once when there is something after the cursor"
    );

    let started = Instant::now();
    let quiet: EventPage = get_json(
        sandbox,
        &ben,
        &format!("{query}&after={}&wait=1", page.cursor),
    )
    .await;
    assert!(quiet.items.is_empty());
    assert!(started.elapsed() >= StdDuration::from_millis(900));
    assert!(quiet.cursor.parse::<i64>().unwrap() >= posted[0]);
}

#[tokio::test]
async fn heartbeats_keep_an_idle_stream_going_and_carry_the_cursor_past_unfollowed_activity() {
    // A sandbox of its own, where nothing else is recorded meanwhile.
    let sandbox = &start(|config| {
        config.seed.activities = 2_000;
        config.feed_heartbeat = StdDuration::from_secs(1);
    });
    let dan = token_for(sandbox, "rep-dan").await;
    let followed = new_lead(sandbox, &dan, "quiet").await;
    let unfollowed = new_lead(sandbox, &dan, "busy").await;
    let mut stream = Stream::open(sandbox, &dan, &format!("record=lead/{followed}"), None).await;
    let start: i64 = stream.position().await.parse().unwrap();
    let heartbeat = stream.message(StdDuration::from_secs(5)).await.unwrap();
    assert!(heartbeat.comment, "{heartbeat:?}");
    let posted = record_activities(
        sandbox,
        &dan,
        vec![activity(&unfollowed, ActivityKind::PageVisit, Utc::now())],
    )
    .await;
    loop {
        let message = stream.message(StdDuration::from_secs(5)).await.unwrap();
        assert_ne!(message.event.as_deref(), Some("activity"), "{message:?}");
        if message.event.as_deref() == Some("position") {
            let cursor: i64 = message.id.unwrap().parse().unwrap();
            assert!(cursor >= posted[0] && cursor > start);
            break;
        }
    }
}

#[tokio::test]
async fn a_server_that_holds_answers_briefly_ends_them_quietly_and_loses_nothing() {
    // As behind a proxy that cuts long connections: no answer of the feed lasts over 2 s.
    let sandbox = &start(|config| {
        config.seed.activities = 2_000;
        config.feed_max_hold = Some(StdDuration::from_secs(2));
    });
    let dan = token_for(sandbox, "rep-dan").await;
    let followed = new_lead(sandbox, &dan, "held").await;
    let query = format!("record=lead/{followed}");
    let opened = Instant::now();
    let mut stream = Stream::open(sandbox, &dan, &query, None).await;
    let mut cursor = stream.position().await;
    while let Some(message) = stream.message(StdDuration::from_secs(10)).await {
        // Ended by the server's hold, not by the token (which has ten minutes left).
        assert_ne!(message.event.as_deref(), Some("error"), "{message:?}");
        if let Some(id) = message.id {
            cursor = id;
        }
    }
    let held = opened.elapsed();
    assert!(
        held >= StdDuration::from_millis(1_500) && held < StdDuration::from_secs(8),
        "{held:?}"
    );

    // Recorded between two answers: the next one, resumed at the cursor, has it.
    let posted = record_activities(
        sandbox,
        &dan,
        vec![activity(&followed, ActivityKind::FormSubmitted, Utc::now())],
    )
    .await;
    let mut resumed = Stream::open(sandbox, &dan, &query, Some(&cursor)).await;
    let arrived = resumed.activities(1).await;
    assert_eq!(arrived[0].activity.id, posted[0]);

    // A long poll that asks for 30 s is answered, empty, when the hold is over.
    let started = Instant::now();
    let page: EventPage = get_json(
        sandbox,
        &dan,
        &format!("/v1/events?{query}&after={}&wait=30", arrived[0].cursor),
    )
    .await;
    assert!(page.items.is_empty(), "{page:?}");
    let waited = started.elapsed();
    assert!(
        waited >= StdDuration::from_millis(1_500) && waited < StdDuration::from_secs(8),
        "{waited:?}"
    );
}

#[tokio::test]
async fn whatever_records_an_activity_feeds_the_stream() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let mut mine = Stream::open(sandbox, &ava, "owner=me", None).await;
    mine.position().await;
    let crm_id = fresh_crm_id("sent");
    let email = format!("{}@dash.example", crm_id.to_lowercase());
    let send = send_to(sandbox, &ava, &[(&crm_id, &email)]).await;
    loop {
        let event = mine.event().await.activity();
        if event.crm_id == crm_id {
            assert_eq!(event.activity.kind, ActivityKind::EmailSent);
            assert_eq!(
                event.activity.campaign_id.as_deref(),
                Some(send.campaign_id.as_str())
            );
            break;
        }
    }
}

#[tokio::test]
async fn a_burst_of_commits_arrives_whole_and_in_order() {
    let sandbox = shared();
    let ben = token_for(sandbox, "rep-ben").await;
    let lead = new_lead(sandbox, &ben, "burst").await;
    let mut stream = Stream::open(sandbox, &ben, &format!("record=lead/{lead}"), None).await;
    stream.position().await;
    // Commits in quick succession while the stream is not read (a stream that falls behind its
    // tenant's channel is replayed from the database: `sandbox::events` tests that).
    let mut posted = Vec::new();
    for _ in 0..300 {
        posted.extend(
            record_activities(
                sandbox,
                &ben,
                vec![activity(&lead, ActivityKind::PageVisit, Utc::now())],
            )
            .await,
        );
    }
    assert_eq!(ids(&stream.activities(300).await), posted);
}

#[tokio::test]
async fn the_feed_refuses_what_it_cannot_follow() {
    let sandbox = shared();
    let ben = token_for(sandbox, "rep-ben").await;
    for (query, field) in [
        ("wait=31", "wait"),
        ("wait=soon", "wait"),
        ("after=abc", "after"),
        ("after=-1", "after"),
        ("record=lead", "record"),
        ("record=person/L-1", "record"),
        ("record=lead/", "record"),
        ("owner=boss", "owner"),
    ] {
        let (status, error) =
            error_of(get(sandbox, &ben, &format!("/v1/events?{query}")).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error.field.as_deref(), Some(field), "{query}");
    }
    let (status, error) =
        error_of(get(sandbox, &ben, "/v1/events?record=lead/L-1&owner=me").await).await;
    assert_eq!(
        (status, error.field.as_deref()),
        (StatusCode::CONFLICT, Some("record"))
    );
    let response = client()
        .get(format!("{}/v1/events", sandbox.api))
        .bearer_auth(&ben)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Last-Event-ID"))
    );
    for query in ["owner=team", "owner=1"] {
        let (status, _) = error_of(get(sandbox, &ben, &format!("/v1/events?{query}")).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}");
    }
    // The token in the URL is never read.
    let response = client()
        .get(format!(
            "{}/v1/events?access_token={ben}&token={ben}",
            sandbox.api
        ))
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::UNAUTHORIZED, ErrorCode::TokenInvalid)
    );
}
