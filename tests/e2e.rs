//! End-to-end: a rep uses the sidebar in the demo CRM, in headless Chromium driven over WebDriver
//! (see `support/browser.rs` for the harness).

mod support;

use std::time::Duration;

use chrono::Utc;
use crm_sidebar::sandbox::seed;
use crm_sidebar::wire::{ActivityKind, ActivityPage};
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

// --- check -------------------------------------------------------------------------------------

/// Opens a lead's record page in the demo CRM as `rep-ava`, inside the sidebar's frame.
async fn open_lead(client: &Client, crm_id: &str) {
    open_sidebar(
        client,
        &format!("/record?entity=lead&id={crm_id}&user=rep-ava"),
    )
    .await;
}

#[tokio::test]
async fn a_rep_reads_the_latest_activity_filters_and_searches() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    let base = format!("/v1/records/lead/{}/activities", seed::DEMO_LEAD);

    // The newest row is the sandbox's newest activity.
    let newest = api_page("rep-ava", &format!("{base}?limit=1"))
        .await
        .items
        .remove(0);
    let shown = first_row_time(&client).await;
    assert!(
        same_instant(&shown, newest.occurred_at),
        "{shown} vs {}",
        newest.occurred_at
    );
    let label = text_of(&client, ".activity-row .activity-label").await;
    assert_eq!(label, newest.kind.label());
    assert!(!text_of(&client, ".record-name").await.is_empty());

    // Filter to clicks: only click rows remain, as many as the sandbox has (first page).
    click_on(&client, "button.chip.kind-emailClicked").await;
    let clicks = api_page("rep-ava", &format!("{base}?kinds=emailClicked&limit=50")).await;
    assert!(!clicks.items.is_empty(), "the demo lead has clicks");
    wait_until(
        &client,
        "only clicks are listed",
        "const labels = [...document.querySelectorAll('.activity-row .activity-label')].map(e => e.textContent);
         return labels.length > 0 && labels.every(l => l === 'Email clicked');",
    )
    .await;
    let shown = first_row_time(&client).await;
    assert!(same_instant(&shown, clicks.items[0].occurred_at));
    // Unfilter again.
    click_on(&client, "button.chip.kind-emailClicked").await;

    // Search: the rows become the sandbox's answer to the same text.
    let subject =
        newest_subject_word(&api_page("rep-ava", &format!("{base}?kinds=emailSent&limit=1")).await);
    let search = wait_for(&client, "#history-search").await;
    search.send_keys(&subject).await.unwrap();
    let found = api_page(
        "rep-ava",
        &format!(
            "{base}?q={}&limit=50",
            form_urlencoded::byte_serialize(subject.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert!(!found.items.is_empty());
    // The sent-email chip counts the sent emails the search finds.
    let sent = found.kind_counts.as_ref().unwrap()[&ActivityKind::EmailSent];
    wait_until(
        &client,
        "the chip counts what the search finds",
        &format!(
            "const c = document.querySelector('button.chip.kind-emailSent .chip-count');
             return c !== null && c.textContent === '{sent}';"
        ),
    )
    .await;
    let expected_first = found.items[0].occurred_at;
    let expected_count = found.items.len().min(20);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let count = eval(
            &client,
            "return document.querySelectorAll('.activity-row').length;",
        )
        .await;
        let first = first_row_time(&client).await;
        if same_instant(&first, expected_first)
            && count.as_u64().unwrap_or(0) >= expected_count.min(1) as u64
        {
            if found.items.len() < 10 {
                assert_eq!(count.as_u64().unwrap() as usize, found.items.len());
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "search results never shown"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.close().await.unwrap();
}

/// At 320 px the chips scroll sideways: Tab onto one partly scrolled out shows it whole, label
/// and focus ring.
#[tokio::test]
async fn at_320_px_a_chip_reached_by_tab_shows_whole() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    wait_for(&client, "button.chip").await;
    narrow_frame(&client, 320).await;
    // The first chip half scrolled out on the left, and focus just before it.
    let scrolled = eval(
        &client,
        "const strip = document.querySelector('ul.chips');
         const chip = strip.querySelector('button.chip').getBoundingClientRect();
         strip.scrollLeft += chip.left - strip.getBoundingClientRect().left + chip.width / 2;
         document.getElementById('history-range').focus();
         return strip.scrollLeft > 0;",
    )
    .await;
    assert_eq!(scrolled, json!(true), "the chips scroll sideways at 320 px");
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    wait_until(
        &client,
        "the focused chip shows whole",
        "const chip = document.activeElement;
         const strip = document.querySelector('ul.chips').getBoundingClientRect();
         const at = chip.getBoundingClientRect();
         return chip.matches('button.chip')
           && at.left >= strip.left - 0.5 && at.right <= strip.right + 0.5;",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn filters_are_still_applied_after_a_look_at_the_timeline() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    first_row_time(&client).await;
    let base = format!("/v1/records/lead/{}/activities", seed::DEMO_LEAD);

    // Clicks, searched for a word of the newest clicked email: fewer rows than all clicks.
    let clicks = api_page("rep-ava", &format!("{base}?kinds=emailClicked&limit=50")).await;
    let word = newest_subject_word(&clicks);
    let expected = api_page(
        "rep-ava",
        &format!(
            "{base}?kinds=emailClicked&q={}&limit=50",
            form_urlencoded::byte_serialize(word.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert!(
        !expected.items.is_empty() && expected.items.len() < clicks.items.len(),
        "the search narrows the clicks: {} of {}",
        expected.items.len(),
        clicks.items.len()
    );
    // Exactly the sandbox's answer: all of it while it fits the list, else its newest rows.
    let times: Vec<i64> = expected
        .items
        .iter()
        .map(|item| item.occurred_at.timestamp_millis())
        .collect();
    let shows_expected = format!(
        "const expected = {times:?};
         const rows = [...document.querySelectorAll('.activity-row')];
         const shown = rows.map(r => Date.parse(r.querySelector('time').getAttribute('datetime')));
         return rows.length > 0
             && rows.every(r => r.querySelector('.activity-label').textContent === 'Email clicked')
             && (expected.length <= 10
                 ? JSON.stringify(shown) === JSON.stringify(expected)
                 : shown.every((t, i) => t === expected[i]));"
    );

    click_on(&client, "button.chip.kind-emailClicked").await;
    wait_for(&client, "#history-search")
        .await
        .send_keys(&word)
        .await
        .unwrap();
    wait_until(&client, "the search is applied", &shows_expected).await;

    click_on(&client, "#tab-timeline").await;
    wait_until(
        &client,
        "the timeline shows instead",
        "return !document.querySelector('#history-search')
             && document.querySelector('#tab-timeline').getAttribute('aria-selected') === 'true';",
    )
    .await;
    click_on(&client, "#tab-activity").await;

    assert_eq!(
        attr_of(&client, "button.chip.kind-emailClicked", "aria-pressed").await,
        "true"
    );
    let kept = eval(
        &client,
        "return document.querySelector('#history-search').value;",
    )
    .await;
    assert_eq!(kept, json!(word));
    wait_until(&client, "the kept filters are applied", &shows_expected).await;
    client.close().await.unwrap();
}

/// A distinctive word of the newest email subject, to search for.
fn newest_subject_word(page: &ActivityPage) -> String {
    let subject = page.items[0].subject.clone().expect("emails have subjects");
    subject
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 5)
        .max_by_key(|w| w.len())
        .unwrap_or(&subject)
        .to_owned()
}

#[tokio::test]
async fn scrolling_a_long_history_loads_older_rows_and_keeps_the_dom_small() {
    let client = browser().await;
    open_lead(&client, seed::PERF_RECORD).await;
    first_row_time(&client).await;
    let page = api_page(
        "rep-ava",
        &format!(
            "/v1/records/lead/{}/activities?limit=200",
            seed::PERF_RECORD
        ),
    )
    .await;
    // Older than anything the first page (at most 200 rows) holds.
    let beyond_first_page = page.items.last().unwrap().occurred_at;
    let mut max_rows = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let state = eval(
            &client,
            "const s = document.querySelector('.history-scroll');
             s.scrollTop = s.scrollHeight;
             const times = [...document.querySelectorAll('.activity-row time')].map(t => t.getAttribute('datetime'));
             return {rows: document.querySelectorAll('.history-rows > li').length, last: times[times.length - 1] || ''};",
        )
        .await;
        let rows = state["rows"].as_u64().unwrap();
        max_rows = max_rows.max(rows);
        assert!(rows <= 100, "{rows} rows in the DOM");
        let last = state["last"].as_str().unwrap_or_default();
        if let Ok(time) = chrono::DateTime::parse_from_rfc3339(last) {
            if time < beyond_first_page {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "older rows never loaded"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(max_rows > 5);
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_five_second_token_is_renewed_without_the_user_noticing() {
    let client = browser().await;
    open_sidebar(
        &client,
        &format!(
            "/record?entity=lead&id={}&user=rep-ava&ttl=5",
            seed::DEMO_LEAD
        ),
    )
    .await;
    first_row_time(&client).await;
    // Keep using the view well past the first token's expiry.
    for round in 0..3 {
        tokio::time::sleep(Duration::from_secs(4)).await;
        click_on(&client, "button.chip.kind-pageVisit").await;
        wait_until(
            &client,
            "page visits are listed",
            "const labels = [...document.querySelectorAll('.activity-row .activity-label')].map(e => e.textContent);
             return labels.length > 0 && labels.every(l => l === 'Page visit');",
        )
        .await;
        click_on(&client, "button.chip.kind-pageVisit").await;
        let errors = eval(
            &client,
            "return document.body.innerText.includes('session expired') || !!document.querySelector('.error-message');",
        )
        .await;
        assert_eq!(
            errors,
            Value::Bool(false),
            "round {round}: the user saw an error"
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn hostile_activity_text_is_shown_as_text_and_never_run() {
    let token = token("rep-ava").await;
    let http = reqwest::Client::new();
    let api = &harness().api;
    let created = http
        .post(format!("{api}/dev/records"))
        .bearer_auth(&token)
        .json(
            &json!({"entity": "contact", "crmId": "CONT-XSS", "email": "mallory@example.com",
                      "firstName": "<b>Mallory</b>", "lastName": "Example"}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let subject = "<img src=x onerror=alert(1)>";
    let ingested = http
        .post(format!("{api}/dev/activities"))
        .bearer_auth(&token)
        .json(
            &json!({"entity": "contact", "crmId": "CONT-XSS", "kind": "pageVisit",
                      "occurredAt": Utc::now(), "subject": subject, "url": "javascript:alert(2)"}),
        )
        .send()
        .await
        .unwrap();
    assert!(ingested.status().is_success());

    let client = browser().await;
    open_sidebar(&client, "/record?entity=contact&id=CONT-XSS&user=rep-ava").await;
    wait_until(
        &client,
        "the hostile subject is shown as text",
        "return [...document.querySelectorAll('.activity-subject')].some(e => e.textContent.includes('<img src=x onerror=alert(1)>'));",
    )
    .await;
    let injected = eval(
        &client,
        "return document.querySelectorAll('.history img, a[href^=\"javascript:\"]').length;",
    )
    .await;
    assert_eq!(injected, json!(0));
    assert!(
        client.get_alert_text().await.is_err(),
        "no alert was raised"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_token_is_in_no_storage_cookie_or_url() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    first_row_time(&client).await;
    let check = "const jwt = /eyJ[A-Za-z0-9_-]{10,}/;
        const stored = [localStorage, sessionStorage].flatMap(s => Object.keys(s).map(k => k + '=' + s.getItem(k)));
        return {stored: stored.join(';'), cookie: document.cookie, url: location.href,
                leaks: stored.some(v => jwt.test(v)) || jwt.test(document.cookie) || jwt.test(location.href)};";
    let inside = eval(&client, check).await;
    assert_eq!(inside["leaks"], json!(false), "plugin: {inside}");
    let marks = eval(
        &client,
        "return ['sidebar:context', 'sidebar:first-row'].map(n => performance.getEntriesByName(n).length);",
    )
    .await;
    assert_eq!(marks, json!([1, 1]), "performance marks are set once");
    client.enter_parent_frame().await.unwrap();
    let host = eval(&client, check).await;
    assert_eq!(host["leaks"], json!(false), "host page: {host}");
    client.close().await.unwrap();
}

/// An integrator's page hands the host script numeric user ids (as many CRMs keep them) and the
/// plugin still gets its context; a record the protocol cannot carry makes `update` throw to the
/// caller instead of leaving the old record on screen without a word.
#[tokio::test]
async fn the_host_script_takes_numeric_ids_and_refuses_a_record_it_cannot_carry() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    let threw = eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             window.__second = CrmSidebarHost.mount({{
               container: box, frameId: 'second-frame', pluginUrl: plugin + '/index.html',
               view: 'activity',
               getContext: () => Demo.mintToken().then(t => ({{
                 token: t.token, expiresAt: t.expiresAt,
                 user: {{ id: 42, name: 'Numeric Id' }},
                 record: {{ entity: 'lead', id: '{}' }},
               }})),
             }});
             try {{
               window.__second.update({{ record: {{ entity: 'opportunity', id: 7 }} }});
               return 'no error';
             }} catch (error) {{
               return error.message;
             }}",
            seed::DEMO_LEAD
        ),
    )
    .await;
    assert!(
        threw.as_str().unwrap().contains("a record needs entity"),
        "{threw}"
    );
    let frame = wait_for(&client, "#second-frame").await;
    frame.enter_frame().await.unwrap();
    wait_for(&client, ".activity-row").await;
    client.close().await.unwrap();
}

/// Each mount opens the bundle with its views: the host script opens the CRM tab's page for Hot
/// Prospects, and a page opened for a view its bundle leaves out says so instead of failing.
#[tokio::test]
async fn each_mount_opens_its_own_bundle_and_a_bundle_refuses_a_view_it_lacks() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    let sources = eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
         const context = () => Demo.mintToken().then(t => ({{
           token: t.token, expiresAt: t.expiresAt, user: {{ id: 'rep-ava', name: 'Ava' }},
         }}));
         const tab = CrmSidebarHost.mount({{
           container: box, frameId: 'tab-frame', pluginUrl: plugin + '/index.html',
           view: 'hotProspects', getContext: context,
         }});
         // An integrator's mistake: the sidebar's page named as the tab's.
         const wrong = CrmSidebarHost.mount({{
           container: box, frameId: 'wrong-frame', pluginUrl: plugin + '/index.html',
           tabUrl: plugin + '/index.html', view: 'hotProspects', getContext: context,
         }});
         return [plugin, tab.iframe.src, wrong.iframe.src];"
        ),
    )
    .await;
    let plugin = sources[0].as_str().unwrap();
    assert!(
        sources[1]
            .as_str()
            .unwrap()
            .starts_with(&format!("{plugin}/tab/index.html?")),
        "{sources}"
    );
    assert!(
        sources[2]
            .as_str()
            .unwrap()
            .starts_with(&format!("{plugin}/index.html?")),
        "{sources}"
    );

    wait_for(&client, "#tab-frame")
        .await
        .enter_frame()
        .await
        .unwrap();
    wait_for(&client, ".prospects-title").await;
    client.enter_parent_frame().await.unwrap();
    wait_for(&client, "#wrong-frame")
        .await
        .enter_frame()
        .await
        .unwrap();
    wait_until(
        &client,
        "the sidebar's bundle refuses Hot Prospects",
        "return document.body.innerText.includes('This view is not enabled on this page');",
    )
    .await;
    client.close().await.unwrap();
}

/// The host script refuses a plugin on the CRM page's own origin (its sandbox could be lifted
/// there), and an `expiresAt` the plugin could not read (epoch microseconds taken for
/// milliseconds, year 58,000): the page is told by a warning, the sidebar at once.
#[tokio::test]
async fn the_host_script_refuses_a_same_origin_plugin_and_an_unreadable_expiry() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    let threw = eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             window.__warnings = [];
             console.warn = (message) => window.__warnings.push(String(message));
             let threw = 'no error';
             try {{
               CrmSidebarHost.mount({{
                 container: box, pluginUrl: location.origin + '/index.html',
                 getContext: () => contextOf({{ entity: 'lead', id: '{lead}' }}),
               }});
             }} catch (error) {{
               threw = error.message;
             }}
             CrmSidebarHost.mount({{
               container: box, frameId: 'micro-frame', pluginUrl: plugin + '/index.html',
               view: 'activity',
               getContext: () => contextOf({{ entity: 'lead', id: '{lead}' }})
                 .then(context => Object.assign(context, {{ expiresAt: Date.now() * 1000 }})),
             }});
             return threw;",
            lead = seed::DEMO_LEAD
        ),
    )
    .await;
    assert!(
        threw.as_str().unwrap().contains("another origin"),
        "{threw}"
    );
    wait_until(
        &client,
        "the warning about expiresAt",
        "return window.__warnings.some(w => w.includes('years 2000 to 9999'));",
    )
    .await;
    let frame = wait_for(&client, "#micro-frame").await;
    frame.enter_frame().await.unwrap();
    let said = text_of(&client, ".error-panel .error-message").await;
    assert!(said.starts_with("Can't connect to the CRM"), "{said}");
    client.close().await.unwrap();
}

/// The CRM's single sign-on fails: the host script answers `tokenError`, so the rep is told at
/// once (not after the plugin's 10 s wait), "Try again" asks for the context again, and a failed
/// renewal ends the session without the wait either.
#[tokio::test]
async fn a_failing_single_sign_on_is_said_at_once_and_tried_again() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             let calls = 0;
             window.__third = CrmSidebarHost.mount({{
               container: box, frameId: 'third-frame', pluginUrl: plugin + '/index.html',
               view: 'activity',
               getContext: () => {{
                 calls += 1;
                 if (calls === 1) return Promise.reject(new Error('SSO is down'));
                 // The plugin renews a token this short-lived within about a second.
                 return contextOf({{ entity: 'lead', id: '{}' }}, 2000);
               }},
               getToken: () => Promise.reject(new Error('SSO is down')),
             }});
             return true;",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let frame = wait_for(&client, "#third-frame").await;
    frame.enter_frame().await.unwrap();
    let started = std::time::Instant::now();
    let said = text_of(&client, ".error-panel .error-message").await;
    assert_eq!(
        said,
        "Can't connect to the CRM \u{2014} reopen the sidebar."
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "said at once, not after the 10 s wait"
    );

    click_on(&client, ".error-panel button").await;
    wait_for(&client, ".activity-row").await;
    let renewed_from = std::time::Instant::now();
    let expired = text_of(&client, ".session-expired .error-message").await;
    assert!(expired.starts_with("Your session expired"), "{expired}");
    assert!(
        renewed_from.elapsed() < Duration::from_secs(8),
        "the failed renewal ends the session at once"
    );
    // What the rep was reading stays.
    assert!(client
        .find(fantoccini::Locator::Css(".activity-row"))
        .await
        .is_ok());
    client.close().await.unwrap();
}

/// A sign-on slower than the plugin's 10 s: "Try again" pressed as soon as the sidebar gives up
/// is answered by the `getContext()` still running, instead of starting another one that would
/// be just as late.
#[tokio::test]
async fn try_again_after_a_slow_sign_on_is_answered_by_the_one_still_running() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             window.__signOns = 0;
             CrmSidebarHost.mount({{
               container: box, frameId: 'slow-frame', pluginUrl: plugin + '/index.html',
               view: 'activity',
               getContext: () => {{
                 window.__signOns += 1;
                 return new Promise(done => setTimeout(done, 13000))
                   .then(() => contextOf({{ entity: 'lead', id: '{}' }}));
               }},
             }});
             return true;",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let frame = wait_for(&client, "#slow-frame").await;
    frame.enter_frame().await.unwrap();
    let said = text_of(&client, ".error-panel .error-message").await;
    assert!(said.starts_with("Can't connect to the CRM"), "{said}");
    click_on(&client, ".error-panel button").await;
    wait_for(&client, ".activity-row").await;
    client.enter_parent_frame().await.unwrap();
    assert_eq!(eval(&client, "return window.__signOns;").await, json!(1));
    client.close().await.unwrap();
}

/// The CRM's sign-on hangs once while renewing: the sidebar says the session expired after its
/// 10 s wait, and "Try again" starts a fresh `getToken()` instead of waiting on the hung one.
#[tokio::test]
async fn try_again_after_a_hung_token_renewal_asks_the_sign_on_again() {
    let client = browser().await;
    open_demo_lead_page(&client).await;
    eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             window.__tokenCalls = 0;
             const record = {{ entity: 'lead', id: '{}' }};
             CrmSidebarHost.mount({{
               container: box, frameId: 'hung-frame', pluginUrl: plugin + '/index.html',
               view: 'activity',
               // The plugin renews a token this short-lived within about a second.
               getContext: () => contextOf(record, 2000),
               getToken: () => {{
                 window.__tokenCalls += 1;
                 return window.__tokenCalls === 1 ? new Promise(() => {{}}) : contextOf(record);
               }},
             }});
             return true;",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let frame = wait_for(&client, "#hung-frame").await;
    frame.enter_frame().await.unwrap();
    wait_for(&client, ".activity-row").await;
    let expired = text_of(&client, ".session-expired .error-message").await;
    assert!(expired.starts_with("Your session expired"), "{expired}");
    click_on(&client, ".session-expired button").await;
    wait_until(
        &client,
        "the renewed session",
        "return document.querySelector('.session-expired') === null;",
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    assert_eq!(eval(&client, "return window.__tokenCalls;").await, json!(2));
    client.close().await.unwrap();
}

/// The host script answers each note that carries a `noteId`: `activityLogged` once the CRM
/// stored it, `activityError` saying why for one it cannot pass on (another record, a subject
/// longer than the CRM stores), never silence.
#[tokio::test]
async fn the_host_answers_each_note_logged_or_why_not() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    first_row_time(&client).await;
    let long = "L".repeat(501);
    eval(
        &client,
        &format!(
            "window.__answers = [];
             window.addEventListener('message', event => {{
               if (event.data && /^activity/.test(event.data.type)) window.__answers.push(event.data);
             }});
             const post = (noteId, id, subject) => window.parent.postMessage({{
               protocol: 'crm-sidebar/1', type: 'logActivity', entity: 'lead', id, noteId,
               subject, body: 'Logged from a test.' }}, new URLSearchParams(location.search).get('host'));
             post('note-a', {given:?}, 'Acknowledged note');
             post('note-b', 'LEAD-0002', 'Forged note');
             post('note-c', {given:?}, {long:?});
             return true;",
            given = seed::DEMO_LEAD
        ),
    )
    .await;
    let answers = poll(
        &client,
        "three answers",
        "return window.__answers.length === 3 ? window.__answers : null;",
    )
    .await;
    let by_id = |id: &str| {
        answers
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(id))
            .cloned()
            .unwrap_or_else(|| panic!("no answer for {id}: {answers}"))
    };
    assert_eq!(
        by_id("note-a"),
        json!({"protocol": "crm-sidebar/1", "type": "activityLogged", "id": "note-a"})
    );
    let forged = by_id("note-b");
    assert_eq!(forged["type"], json!("activityError"), "{forged}");
    assert_eq!(
        forged["message"],
        json!("not a record the sidebar was given")
    );
    let too_long = by_id("note-c");
    assert_eq!(too_long["type"], json!("activityError"), "{too_long}");
    assert!(
        too_long["message"]
            .as_str()
            .unwrap()
            .contains("longer than the CRM stores"),
        "{too_long}"
    );
    client.enter_parent_frame().await.unwrap();
    let notes = crm_notes("rep-ava", seed::DEMO_LEAD).await;
    assert!(notes.iter().any(|(s, _)| s == "Acknowledged note"));
    assert!(!notes.iter().any(|(s, _)| s.starts_with("LLLL")));
    client.close().await.unwrap();
}

/// The host script passes a note on to the CRM only for a record the sidebar was given: a
/// plugin page that went wrong cannot write on other records.
#[tokio::test]
async fn the_host_logs_notes_only_on_records_the_sidebar_was_given() {
    let client = browser().await;
    open_lead(&client, seed::DEMO_LEAD).await;
    first_row_time(&client).await;
    let other = "LEAD-0002";
    // From inside the plugin's frame, as the plugin would post them.
    eval(
        &client,
        &format!(
            "const post = (id, subject) => window.parent.postMessage({{
               protocol: 'crm-sidebar/1', type: 'logActivity', entity: 'lead', id,
               subject, body: 'Logged from a test.' }}, new URLSearchParams(location.search).get('host'));
             post({other:?}, 'Forged note');
             post({given:?}, 'Given note');
             return true;",
            given = seed::DEMO_LEAD
        ),
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while !crm_notes("rep-ava", seed::DEMO_LEAD)
        .await
        .iter()
        .any(|(subject, _)| subject == "Given note")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the given note never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Posted before it: had it been passed on, it would be stored by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!crm_notes("rep-ava", other)
        .await
        .iter()
        .any(|(subject, _)| subject == "Forged note"));
    client.close().await.unwrap();
}
