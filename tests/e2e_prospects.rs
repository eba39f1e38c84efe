//! End-to-end: reps and their manager use the demo CRM's Hot Prospects tab, in headless
//! Chromium (see `support/browser.rs` for the harness).

mod support;

use crm_sidebar::domain::wording::display_name;
use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

/// One row of the sandbox's ranking: what the table must show, in this order.
#[derive(Debug, Clone, PartialEq)]
struct Ranked {
    entity: String,
    crm_id: String,
    name: String,
}

/// What the sandbox ranks for `owner` (`me`, `team` or a user id), best first.
async fn ranked(crm_user: &str, owner: &str) -> Vec<Ranked> {
    let answer: Value = api_get(
        crm_user,
        &format!("/v1/hot-prospects?owner={owner}&limit=20"),
    )
    .await;
    answer["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|p| {
            let crm_id = p["crmId"].as_str().unwrap().to_owned();
            Ranked {
                entity: p["entity"].as_str().unwrap().to_owned(),
                name: display_name(
                    p["firstName"].as_str(),
                    p["lastName"].as_str(),
                    p["email"].as_str(),
                    &crm_id,
                ),
                crm_id,
            }
        })
        .collect()
}

/// Waits until the table lists exactly `rows`, in order (CRM ids and shown names).
async fn wait_for_rows(client: &Client, what: &str, rows: &[Ranked]) {
    let shown: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.crm_id.as_str(), r.name.as_str()))
        .collect();
    wait_until(
        client,
        what,
        &format!(
            "const rows = [...document.querySelectorAll('tbody.prospect')]
               .map(b => [b.dataset.crmId, b.querySelector('.prospect-name').textContent]);
             return JSON.stringify(rows) === {:?};",
            serde_json::to_string(&shown).unwrap()
        ),
    )
    .await;
}

#[tokio::test]
async fn a_rep_sees_their_top_20_and_why_the_first_is_hot() {
    let client = browser().await;
    let rep = seed::REPS_A[0];
    open_sidebar(&client, &format!("/hot-prospects?user={rep}")).await;
    let expected = ranked(rep, "me").await;
    assert_eq!(
        expected.len(),
        20,
        "the seed gives {rep} at least 20 prospects"
    );
    wait_for_rows(&client, "the sandbox's ranking is shown", &expected).await;
    assert_eq!(
        eval(
            &client,
            "return document.querySelectorAll('#prospects-owner').length;"
        )
        .await,
        json!(0),
        "a rep has no owner picker"
    );
    assert!(text_of(&client, ".prospects-updated")
        .await
        .starts_with("Updated "));
    // The 7-day change is text a screen reader reads, not a label on a plain span.
    let change = text_of(&client, "tbody.prospect .prospect-trend .visually-hidden").await;
    assert!(change.ends_with(" in 7 days"), "{change}");
    // On screen the arrow gives the direction, the number no sign: "↓ 68", not "↓ -68".
    let shown = text_of(&client, "tbody.prospect .prospect-trend [aria-hidden=true]").await;
    assert!(
        shown.starts_with(['\u{2191}', '\u{2193}', '\u{2192}']) && !shown.contains(['-', '+']),
        "{shown}"
    );

    // "Why" on the first row lists the activities behind its score, with their points.
    let first = &expected[0];
    let reasons: Value = api_get(
        rep,
        &format!(
            "/v1/records/{}/{}/score-reasons",
            first.entity, first.crm_id
        ),
    )
    .await;
    let points: Vec<String> = reasons["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("{reasons}"))
        .iter()
        .map(|r| format!("{:+}", r["points"].as_i64().unwrap()))
        .collect();
    assert!(!points.is_empty());
    click_on(&client, "tbody.prospect .prospect-why").await;
    assert_eq!(
        attr_of(&client, "tbody.prospect .prospect-why", "aria-expanded").await,
        "true"
    );
    wait_until(
        &client,
        "the reasons are listed",
        &format!(
            "const p = [...document.querySelectorAll('.reason .reason-points')].map(e => e.textContent);
             return JSON.stringify(p) === {:?};",
            serde_json::to_string(&points).unwrap()
        ),
    )
    .await;
    // A score that went down, though each activity adds points, says why (they age), and one
    // that went up says so too.
    let change = reasons["scoreChange"].as_i64().unwrap();
    let note = eval(
        &client,
        "const n = document.querySelector('.reasons-change'); return n && n.textContent;",
    )
    .await;
    if change < 0 {
        let note = note
            .as_str()
            .unwrap_or_else(|| panic!("no note for {change}"));
        assert!(
            note.starts_with(&format!("{} fewer point", -change))
                && note.contains(" than 7 days ago: ")
                && note.contains("points halve every 30 days as activity ages"),
            "{note}"
        );
    } else if change > 0 {
        let note = note
            .as_str()
            .unwrap_or_else(|| panic!("no note for {change}"));
        assert!(note.starts_with(&format!("{change} more point")), "{note}");
    } else {
        assert_eq!(note, Value::Null, "nothing to explain for {change}");
    }

    client.close().await.unwrap();
}

#[tokio::test]
async fn a_manager_switches_to_a_rep_and_the_team_and_opens_a_prospect() {
    let client = browser().await;
    let manager = seed::MANAGER_A;
    open_sidebar(&client, &format!("/hot-prospects?user={manager}")).await;
    let me: Value = api_get(manager, "/v1/me").await;
    let rep = me["team"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["crmUser"] == json!(seed::REPS_A[1]))
        .unwrap_or_else(|| panic!("{me}"))
        .clone();
    let rep_id = rep["id"].as_i64().unwrap().to_string();
    wait_for(&client, "#prospects-owner").await;
    // A manager starts on the whole team (they own no records themselves).
    let team = ranked(manager, "team").await;
    wait_for_rows(&client, "the team's ranking is shown first", &team).await;
    assert_eq!(
        eval(
            &client,
            "return document.getElementById('prospects-owner').value;"
        )
        .await,
        json!("team")
    );
    assert!(ranked(manager, "me").await.is_empty());

    let choose = |value: String| {
        let client = client.clone();
        async move {
            eval(
                &client,
                &format!(
                    "const s = document.getElementById('prospects-owner');
                     s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));
                     return true;"
                ),
            )
            .await;
        }
    };
    choose(rep_id.clone()).await;
    let expected = ranked(manager, &rep_id).await;
    assert!(!expected.is_empty());
    wait_for_rows(&client, "the rep's ranking is shown", &expected).await;
    let owners = eval(
        &client,
        "return [...new Set([...document.querySelectorAll('tbody.prospect .col-owner')].map(e => e.textContent))];",
    )
    .await;
    assert_eq!(owners, json!([rep["name"]]));

    // The manager's own ranking answers slowly: meanwhile the rep's rows are not shown as
    // the manager's.
    eval(
        &client,
        "const original = window.fetch.bind(window);
         window.fetch = (request, init) => {
           const url = typeof request === 'string' ? request : request.url;
           const answer = original(request, init);
           return url.includes('owner=me')
             ? answer.then(a => new Promise(done => setTimeout(() => done(a), 1500)))
             : answer;
         };
         return true;",
    )
    .await;
    choose("me".into()).await;
    wait_until(
        &client,
        "the rep's rows give way while the manager's own load",
        "return document.querySelectorAll('tbody.prospect').length === 0
             && !!document.querySelector('.prospects-body .skeleton');",
    )
    .await;
    wait_until(
        &client,
        "the manager's own (empty) ranking",
        "return document.querySelectorAll('tbody.prospect').length === 0
             && document.body.textContent.includes('No hot prospects yet');",
    )
    .await;
    choose("team".into()).await;
    assert_eq!(team.len(), 20);
    wait_for_rows(&client, "the team's ranking is shown", &team).await;

    // A name opens the record's page in the CRM, whose sidebar shows that record.
    let name = text_of(&client, "tbody.prospect .prospect-name").await;
    click_on(&client, "tbody.prospect .prospect-name").await;
    client.enter_parent_frame().await.unwrap();
    assert_eq!(name, team[0].name);
    // The host navigates to `/record?entity=…&id=…` of that prospect.
    let wanted = [
        ("entity".to_owned(), team[0].entity.clone()),
        ("id".to_owned(), team[0].crm_id.clone()),
    ];
    let on_record = |path: &str, query: &str| {
        let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        path == "/record" && wanted.iter().all(|pair| query.contains(pair))
    };
    let mut url = client.current_url().await.unwrap();
    for _ in 0..100 {
        if on_record(url.path(), url.query().unwrap_or_default()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        url = client.current_url().await.unwrap();
    }
    assert!(
        on_record(url.path(), url.query().unwrap_or_default()),
        "{url} is not the record page of {:?}",
        team[0]
    );
    let frame = wait_for(&client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    wait_until(
        &client,
        "the sidebar shows the prospect",
        &format!(
            "const h = document.querySelector('.record-name'); return !!h && h.textContent === {name:?};"
        ),
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_320_px_frame_drops_rank_and_owner_and_the_keyboard_opens_why() {
    let client = browser().await;
    let manager = seed::MANAGER_A;
    open_sidebar(&client, &format!("/hot-prospects?user={manager}")).await;
    wait_for(&client, "#prospects-owner").await;
    eval(
        &client,
        "const s = document.getElementById('prospects-owner');
         s.value = 'team'; s.dispatchEvent(new Event('change', {bubbles: true}));
         return true;",
    )
    .await;
    let team = ranked(manager, "team").await;
    wait_for_rows(&client, "the team's ranking is shown", &team).await;

    // Which cells of the first row are displayed: rank, name, score, last activity, owner, why.
    let columns = "const row = document.querySelector('tbody.prospect tr');
         return row ? [...row.children].map(td => [td.className, getComputedStyle(td).display !== 'none'])
                    : null;";
    let all = json!([
        ["col-rank", true],
        ["col-name", true],
        ["col-score", true],
        ["col-last", true],
        ["col-owner", true],
        ["col-why", true]
    ]);
    assert_eq!(
        eval(&client, columns).await,
        all,
        "the full tab shows every column"
    );

    // The host narrows the frame to 320 CSS pixels.
    client.enter_parent_frame().await.unwrap();
    eval(
        &client,
        "const f = document.getElementById('sidebar-frame');
         f.style.width = '320px'; f.style.minWidth = '0'; f.style.maxWidth = '320px';
         return true;",
    )
    .await;
    let frame = wait_for(&client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    wait_until(
        &client,
        "the frame is 320 px wide",
        "return window.innerWidth === 320;",
    )
    .await;
    let narrow = json!([
        ["col-rank", false],
        ["col-name", true],
        ["col-score", true],
        ["col-last", true],
        ["col-owner", false],
        ["col-why", true]
    ]);
    assert_eq!(
        eval(&client, columns).await,
        narrow,
        "rank and owner give way at 320 px"
    );
    let overflow = eval(
        &client,
        "const b = document.querySelector('.prospects-body');
         return [document.documentElement.scrollWidth, b.scrollWidth, b.clientWidth];",
    )
    .await;
    let widths: Vec<i64> = overflow
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_i64().unwrap())
        .collect();
    assert!(
        widths[0] <= 320 && widths[1] <= widths[2],
        "nothing scrolls sideways at 320 px: {overflow}"
    );

    // "Why" is a real button: Enter on it, focused, expands the row.
    let why = wait_for(&client, "tbody.prospect .prospect-why").await;
    eval(
        &client,
        "document.querySelector('tbody.prospect .prospect-why').focus(); return true;",
    )
    .await;
    why.send_keys("\u{E007}").await.unwrap();
    assert_eq!(
        attr_of(&client, "tbody.prospect .prospect-why", "aria-expanded").await,
        "true"
    );
    wait_for(&client, "tbody.prospect .reason").await;
    client.close().await.unwrap();
}

/// How many times the frame has asked for the ranking (from the browser's resource timings).
const RANKING_FETCHES: &str = "return performance.getEntriesByType('resource')
     .filter(e => e.name.includes('/v1/hot-prospects')).length;";

#[tokio::test]
async fn a_hidden_tab_waits_and_a_stale_ranking_refreshes_when_shown_again() {
    let client = browser().await;
    let rep = seed::REPS_A[0];
    open_sidebar(&client, &format!("/hot-prospects?user={rep}")).await;
    let expected = ranked(rep, "me").await;
    wait_for_rows(&client, "the ranking is shown", &expected).await;
    let fetched = eval(&client, RANKING_FETCHES).await.as_i64().unwrap();
    assert!(fetched >= 1);

    // The page's visibility and clock, as the plugin reads them.
    eval(
        &client,
        "window.__visibility = 'visible';
         Object.defineProperty(document, 'visibilityState',
           { configurable: true, get: () => window.__visibility });
         Object.defineProperty(document, 'hidden',
           { configurable: true, get: () => window.__visibility === 'hidden' });
         const realNow = Date.now.bind(Date);
         window.__skew = 0;
         Date.now = () => realNow() + window.__skew;
         window.__show = (state) => {
           window.__visibility = state;
           document.dispatchEvent(new Event('visibilitychange'));
           return true;
         };
         return true;",
    )
    .await;
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(700));

    // Shown again soon after the last ranking: nothing is fetched.
    eval(&client, "return window.__show('hidden');").await;
    eval(&client, "return window.__show('visible');").await;
    settle().await;
    assert_eq!(eval(&client, RANKING_FETCHES).await, json!(fetched));

    // Six minutes later, still hidden: still nothing.
    eval(
        &client,
        "window.__skew = 6 * 60 * 1000; return window.__show('hidden');",
    )
    .await;
    settle().await;
    assert_eq!(eval(&client, RANKING_FETCHES).await, json!(fetched));

    // Shown again: the stale ranking is fetched at once, exactly once.
    eval(&client, "return window.__show('visible');").await;
    wait_until(
        &client,
        "the ranking is fetched again",
        &RANKING_FETCHES.replace("length;", &format!("length === {};", fetched + 1)),
    )
    .await;
    wait_until(
        &client,
        "the refresh has landed",
        "const b = document.getElementById('prospects-refresh'); return !!b && b.getAttribute('aria-busy') === 'false';",
    )
    .await;
    settle().await;
    assert_eq!(eval(&client, RANKING_FETCHES).await, json!(fetched + 1));
    wait_for_rows(&client, "the ranking is still shown", &expected).await;
    client.close().await.unwrap();
}

/// A refresh that fails (marketing unreachable) keeps the ranking on screen, says so above it,
/// the 5-minute refresh keeps trying, and the retry brings the fresh ranking back.
#[tokio::test]
async fn a_failed_refresh_keeps_the_ranking_and_the_timer_and_offers_a_retry() {
    let client = browser().await;
    let rep = seed::REPS_A[1];
    open_sidebar(&client, &format!("/hot-prospects?user={rep}")).await;
    let expected = ranked(rep, "me").await;
    wait_for_rows(&client, "the ranking is shown", &expected).await;

    eval(
        &client,
        "const original = window.fetch.bind(window);
         window.__offline = true;
         window.__refused = 0;
         window.fetch = (request, init) => {
           const url = typeof request === 'string' ? request : request.url;
           if (window.__offline && url.includes('/v1/hot-prospects')) {
             window.__refused += 1;
             return Promise.reject(new TypeError('Failed to fetch'));
           }
           return original(request, init);
         };
         // The page's clock and visibility, as the plugin reads them.
         const realNow = Date.now.bind(Date);
         window.__skew = 0;
         Date.now = () => realNow() + window.__skew;
         return true;",
    )
    .await;
    click_on(&client, "#prospects-refresh").await;
    wait_until(
        &client,
        "the failed refresh is reported above the rows",
        "const e = document.querySelector('.prospects .error-panel');
         return !!e && e.textContent.includes(\"Couldn't refresh the ranking\")
             && window.__refused === 1;",
    )
    .await;
    wait_for_rows(&client, "the ranking is still shown", &expected).await;

    // Six minutes on, the tab shown again: the refresh is tried again by itself.
    eval(
        &client,
        "window.__skew = 6 * 60 * 1000;
         document.dispatchEvent(new Event('visibilitychange'));
         return true;",
    )
    .await;
    wait_until(
        &client,
        "the stale ranking is asked for again",
        "return window.__refused === 2;",
    )
    .await;

    eval(&client, "window.__offline = false; return true;").await;
    click_on(&client, ".prospects .error-panel button").await;
    wait_until(
        &client,
        "the retry clears the error",
        "return !document.querySelector('.prospects .error-panel');",
    )
    .await;
    wait_for_rows(&client, "the ranking is shown again", &expected).await;
    client.close().await.unwrap();
}

/// The hot-prospects tab asks the host for the height of its table (`resize`), so the CRM page
/// scrolls rather than a frame inside it, and asks again when a reason list opens. The record
/// sidebar fills the frame it is given and asks for nothing.
#[tokio::test]
async fn the_tab_takes_the_height_of_its_rows_and_grows_with_a_reason_list() {
    let client = browser().await;
    let rep = seed::REPS_A[0];
    open_sidebar(&client, &format!("/hot-prospects?user={rep}")).await;
    wait_for_rows(&client, "the ranking", &ranked(rep, "me").await).await;
    let content_height =
        "return Math.ceil(document.querySelector('main').getBoundingClientRect().height);";
    let frame_height = |height: u64| {
        format!("return document.getElementById('sidebar-frame').style.height === '{height}px';")
    };

    let table = eval(&client, content_height).await.as_u64().unwrap();
    assert!(
        table > 600,
        "twenty rows are taller than the tab's minimum: {table}"
    );
    client.enter_parent_frame().await.unwrap();
    wait_until(
        &client,
        "the frame takes the table's height",
        &frame_height(table),
    )
    .await;
    wait_for(&client, "#sidebar-frame")
        .await
        .enter_frame()
        .await
        .unwrap();
    assert_eq!(
        eval(
            &client,
            "return document.scrollingElement.scrollHeight <= window.innerHeight;"
        )
        .await,
        json!(true),
        "nothing scrolls inside the frame"
    );

    click_on(&client, "tbody.prospect .prospect-why").await;
    wait_for(&client, ".reason").await;
    let grown = poll(
        &client,
        "the reasons to take room",
        &format!(
            "const h = Math.ceil(document.querySelector('main').getBoundingClientRect().height);
             return h > {table} ? h : null;"
        ),
    )
    .await
    .as_u64()
    .unwrap();
    client.enter_parent_frame().await.unwrap();
    wait_until(&client, "the frame grows with them", &frame_height(grown)).await;

    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={}&user=rep-ava", seed::DEMO_LEAD),
    )
    .await;
    wait_for(&client, ".activity-row").await;
    client.enter_parent_frame().await.unwrap();
    assert_eq!(
        eval(
            &client,
            "return document.getElementById('sidebar-frame').style.height;"
        )
        .await,
        json!(""),
        "the record sidebar keeps the host's height"
    );
    client.close().await.unwrap();
}

/// A visit arrives while a reason list is open and the user refreshes: the list explains the
/// new score. (Tenant B's manager: no other test here ranks that tenant.)
#[tokio::test]
async fn an_open_reason_list_follows_a_refreshed_score() {
    let client = browser().await;
    let manager = seed::MANAGER_B;
    open_sidebar(&client, &format!("/hot-prospects?user={manager}")).await;
    let team = ranked(manager, "team").await;
    assert!(!team.is_empty(), "tenant B has hot prospects");
    wait_for_rows(&client, "the team's ranking", &team).await;
    click_on(&client, "tbody.prospect .prospect-why").await;
    wait_for(&client, ".reason").await;

    let first = &team[0];
    let ingested = reqwest::Client::new()
        .post(format!("{}/dev/activities", harness().api))
        .bearer_auth(token(manager).await)
        .json(
            &json!({"entity": first.entity, "crmId": first.crm_id, "kind": "pageVisit",
                      "occurredAt": chrono::Utc::now(), "subject": "Fresh pricing visit"}),
        )
        .send()
        .await
        .unwrap();
    assert!(ingested.status().is_success(), "{}", ingested.status());
    click_on(&client, "#prospects-refresh").await;
    wait_until(
        &client,
        "the open reasons follow the refreshed score",
        "return [...document.querySelectorAll('.reason')]
             .some(r => r.textContent.includes('Fresh pricing visit'));",
    )
    .await;
    client.close().await.unwrap();
}

/// A rep the manager may not see (403) and then the whole team again, which answers slowly: the
/// team is not shown that rep's error meanwhile.
#[tokio::test]
async fn another_owners_failure_never_stands_in_for_the_team() {
    let client = browser().await;
    let manager = seed::MANAGER_B;
    open_sidebar(&client, &format!("/hot-prospects?user={manager}")).await;
    let me: Value = api_get(manager, "/v1/me").await;
    let rep_id = me["team"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{me}"));
    wait_for_rows(
        &client,
        "the team's ranking",
        &ranked(manager, "team").await,
    )
    .await;
    eval(
        &client,
        &format!(
            "const original = window.fetch.bind(window);
             window.fetch = (request, init) => {{
               const url = typeof request === 'string' ? request : request.url;
               if (url.includes('owner={rep_id}')) {{
                 return Promise.resolve(new Response(
                   JSON.stringify({{error: {{code: 'forbidden', message: 'Not your team.'}}}}),
                   {{status: 403, headers: {{'content-type': 'application/json'}}}}));
               }}
               const answer = original(request, init);
               return url.includes('owner=team')
                 ? answer.then(a => new Promise(done => setTimeout(() => done(a), 1500)))
                 : answer;
             }};
             const choose = value => {{
               const s = document.getElementById('prospects-owner');
               s.value = value; s.dispatchEvent(new Event('change', {{bubbles: true}}));
             }};
             window.__choose = choose;
             choose('{rep_id}');
             return true;"
        ),
    )
    .await;
    let said = text_of(&client, ".prospects-body .error-message").await;
    assert_eq!(
        said,
        "This rep is no longer in your team. Choose someone else."
    );
    eval(&client, "window.__choose('team'); return true;").await;
    wait_until(
        &client,
        "the team loads, without the rep's error",
        "return !document.querySelector('.prospects-body .error-panel')
             && !!document.querySelector('.prospects-body .skeleton');",
    )
    .await;
    client.close().await.unwrap();
}
