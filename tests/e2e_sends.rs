//! End-to-end: a rep emails records from the demo CRM's list and record pages, in headless
//! Chromium (see `support/browser.rs` for the harness).
//!
//! The tests share one sandbox and may run at once, so each emails records the others do not.

mod support;

use chrono::{DateTime, Utc};
use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

const REP: &str = "rep-ava";

/// The `emailSent` activities of a lead since `since`, newest first: (subject, campaign).
async fn emails_sent_since(crm_id: &str, since: DateTime<Utc>) -> Vec<(String, String)> {
    let page: Value = api_get(
        REP,
        &format!("/v1/records/lead/{crm_id}/activities?kinds=emailSent&limit=50"),
    )
    .await;
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{crm_id}: {page}"))
        .iter()
        .filter(|a| {
            DateTime::parse_from_rfc3339(a["occurredAt"].as_str().unwrap()).unwrap() >= since
        })
        .map(|a| {
            (
                a["subject"].as_str().unwrap_or_default().to_owned(),
                a["campaignId"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Ticks the list view's rows of `ids`, paging forward as the list is sorted.
async fn tick_in_list(client: &Client, ids: &[&str]) {
    client
        .goto(&format!(
            "{}/list?entity=lead&user={REP}&owner=me&limit=200",
            harness().host
        ))
        .await
        .unwrap();
    wait_for(client, "input.select-record").await;
    let mut left: Vec<&str> = ids.to_vec();
    for _ in 0..20 {
        let ticked = eval(
            client,
            &format!(
                "const ids = {left:?};
                 return ids.filter(id => {{
                   const row = document.querySelector(`tr[data-record-id=\"${{id}}\"]`);
                   if (!row) return false;
                   row.querySelector('input.select-record').click();
                   return true;
                 }});"
            ),
        )
        .await;
        let ticked: Vec<String> = serde_json::from_value(ticked).unwrap();
        left.retain(|id| !ticked.iter().any(|t| t == id));
        if left.is_empty() {
            return;
        }
        let before = text_of(client, "#page-info").await;
        click_on(client, "#next-page").await;
        wait_until(
            client,
            "the next page is shown",
            &format!(
                "const t = document.getElementById('page-info').textContent;
                 return t !== {before:?} && t !== 'Loading…';"
            ),
        )
        .await;
    }
    panic!("not in rep-ava's list: {left:?}");
}

/// Waits until the pre-flight says the one recipient of the record's send will receive it.
async fn wait_for_one_sendable(client: &Client) {
    wait_until(
        client,
        "the one recipient is sendable",
        "const t = document.querySelector('.preflight-count');
         return !!t && t.textContent === '1 recipient will receive it';",
    )
    .await;
}

/// Chooses the first template and waits for the pre-flight of the composed message.
async fn choose_first_template(client: &Client) -> String {
    wait_for(client, ".template input").await;
    let name = text_of(client, ".template .template-name").await;
    click_on(client, ".template input").await;
    wait_for(client, ".preflight-count").await;
    name
}

/// The `nth` subscribed lead of the rep with an email, other than the seed's special leads (the
/// list test emails the demo lead; each other test takes its own `nth`).
/// Script for the plugin's frame: keeps the Idempotency-Key of every `POST /v1/sends` in
/// `window.__sendKeys`, and loses the answer to the `nth` (from 1) after the server handled it,
/// as a dropped connection would.
fn keep_send_keys_losing_answer(nth: usize) -> String {
    format!(
        "const original = window.fetch.bind(window);
         window.__sendKeys = [];
         window.fetch = async (request, init) => {{
           const url = typeof request === 'string' ? request : request.url;
           if (request.method === 'POST' && new URL(url).pathname === '/v1/sends') {{
             window.__sendKeys.push(request.headers.get('Idempotency-Key'));
             const answer = await original(request, init);
             if (window.__sendKeys.length === {nth}) {{
               await answer.text();
               throw new TypeError('Failed to fetch');
             }}
             return answer;
           }}
           return original(request, init);
         }};
         return true;"
    )
}

/// A new lead `crm_id` whose address the mail server refuses (every send to it fails), and its
/// Send tab opened in the demo CRM.
async fn send_view_of_a_lead_whose_email_fails(crm_id: &str) -> Client {
    let created = reqwest::Client::new()
        .post(format!("{}/dev/records", harness().api))
        .bearer_auth(token(REP).await)
        .json(
            &json!({"entity": "lead", "crmId": crm_id, "email": "bounce@fail.example",
                      "firstName": "Bo", "lastName": "Unce"}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let client = browser().await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={crm_id}&user={REP}&view=send"),
    )
    .await;
    client
}

/// Makes the plugin frame answer its `nth` `POST /v1/sends` itself with a 429, as marketing's
/// rate limit would, without sending it; counts the sends in `window.__sends`.
fn refuse_nth_send(nth: usize) -> String {
    format!(
        "const original = window.fetch.bind(window);
         window.__sends = 0;
         window.fetch = async (request, init) => {{
           const url = typeof request === 'string' ? request : request.url;
           if (request.method === 'POST' && new URL(url).pathname === '/v1/sends') {{
             window.__sends += 1;
             if (window.__sends === {nth}) {{
               return new Response(JSON.stringify({{error: {{code: 'rateLimited',
                 message: 'Too many requests.'}}}}), {{status: 429,
                 headers: {{'content-type': 'application/json', 'retry-after': '7'}}}});
             }}
           }}
           return original(request, init);
         }};
         return true;"
    )
}

/// How many "Sent Email" notes the demo CRM shows on `target`'s page for the rep.
async fn sent_email_notes(target: &str) -> usize {
    let notes = crm_notes(REP, target).await;
    notes
        .iter()
        .filter(|(s, _)| s.starts_with("Sent Email"))
        .count()
}

/// Chooses the first template and, once the pre-flight says one recipient gets it, sends it.
async fn send_the_first_template(client: &Client) {
    choose_first_template(client).await;
    wait_for_one_sendable(client).await;
    click_on(client, "#send-submit").await;
}

async fn subscribed_lead(nth: usize) -> String {
    let list: Value = reqwest::get(format!(
        "{}/crm/api/records?entity=lead&owner={REP}&user={REP}&limit=200",
        harness().host
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut found = 0;
    for item in list["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        if [seed::DEMO_LEAD, seed::OPTED_OUT_LEAD, seed::NO_EMAIL_LEAD].contains(&id)
            || item["email"].is_null()
        {
            continue;
        }
        let profile: Value = api_get(REP, &format!("/v1/records/lead/{id}")).await;
        if profile["subscriptionStatus"] == json!("subscribed") {
            if found == nth {
                return id.to_owned();
            }
            found += 1;
        }
    }
    panic!("no subscribed lead #{nth} of {REP}");
}

#[tokio::test]
async fn a_list_view_send_to_three_records_emails_the_one_that_may_be_emailed_once() {
    let client = browser().await;
    let started = Utc::now() - chrono::Duration::seconds(5);
    let (sendable, opted_out, no_email) =
        (seed::DEMO_LEAD, seed::OPTED_OUT_LEAD, seed::NO_EMAIL_LEAD);
    tick_in_list(&client, &[sendable, opted_out, no_email]).await;
    assert_eq!(text_of(&client, "#selection-count").await, "3 selected");

    click_on(&client, "#send-email").await;
    let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    assert_eq!(text_of(&client, ".send-heading").await, "Email 3 leads");
    choose_first_template(&client).await;

    // Pre-flight: one receives it, two are excluded, each with its reason.
    wait_until(
        &client,
        "the pre-flight counts one sendable and two excluded",
        "const t = document.querySelector('.preflight-count');
         return !!t && t.textContent === '1 recipient will receive it · 2 excluded';",
    )
    .await;
    let reasons = eval(
        &client,
        "return Object.fromEntries([...document.querySelectorAll('.preflight-recipient')]
           .map(li => [li.dataset.crmId, li.querySelector('.badge').textContent]));",
    )
    .await;
    assert_eq!(
        reasons,
        json!({ opted_out: "Opted out", no_email: "No email address" })
    );
    // Screen readers hear it from a status that stays while the summary is redrawn.
    assert_eq!(
        eval(
            &client,
            "return [...document.querySelectorAll('.send p[role=status]')].map(e => e.textContent);"
        )
        .await,
        json!(["1 recipient will receive it, 2 excluded"])
    );
    // The preview starts on the one the email goes to, whatever the order.
    let previewed = text_of(&client, "#send-preview-recipient option:checked").await;
    assert!(!previewed.contains("excluded"), "{previewed}");
    // The preview is a frame with no scripts and no origin.
    assert_eq!(attr_of(&client, ".send-preview-frame", "sandbox").await, "");
    assert_eq!(
        text_of(&client, "#send-submit").await,
        "Send to 1 recipient"
    );

    // Two clicks in the same instant: one send.
    eval(
        &client,
        "const b = document.getElementById('send-submit'); b.click(); b.click(); return true;",
    )
    .await;
    wait_for(&client, ".send-results").await;
    assert_eq!(
        text_of(&client, ".send-summary").await,
        "1 sent · 2 excluded"
    );
    let outcomes = eval(
        &client,
        "return Object.fromEntries([...document.querySelectorAll('.send-result')]
           .map(li => [li.dataset.crmId, li.dataset.outcome]));",
    )
    .await;
    assert_eq!(
        outcomes,
        json!({ sendable: "sent", opted_out: "excluded", no_email: "excluded" })
    );

    // The sandbox sent it once, to the one record.
    let sent = emails_sent_since(sendable, started).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (subject, campaign) = &sent[0];
    assert!(campaign.starts_with("SEND-"), "{campaign}");
    assert!(emails_sent_since(opted_out, started).await.is_empty());
    assert!(emails_sent_since(no_email, started).await.is_empty());

    // The demo CRM logged the note on the record (and only there).
    client.enter_parent_frame().await.unwrap();
    wait_until(
        &client,
        "the host confirms the note",
        "return document.body.textContent.includes('Activity logged on 1 record.');",
    )
    .await;
    let notes = crm_notes(REP, sendable).await;
    assert!(
        notes
            .iter()
            .any(|(s, b)| s == &format!("Sent Email: {subject}") && b.contains(campaign.as_str())),
        "{notes:?}"
    );
    assert!(crm_notes(REP, opted_out)
        .await
        .iter()
        .all(|(s, _)| !s.starts_with("Sent Email")));

    // "Done" asks the host to close the panel it opened for the send.
    let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    done_closes_the_panel(&client, "#send-done").await;

    // The recipient's activity history shows the send first.
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={sendable}&user={REP}&view=activity"),
    )
    .await;
    wait_for(&client, ".activity-row").await;
    let first = text_of(&client, ".activity-row").await;
    assert!(first.contains(subject.as_str()), "{first}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_same_message_sent_again_after_a_reload_is_not_sent_twice() {
    let client = browser().await;
    let started = Utc::now() - chrono::Duration::seconds(5);
    // A subscribed lead of the rep other than the one the list test emails.
    let target = subscribed_lead(0).await;
    let page = format!("/record?entity=lead&id={target}&user={REP}&view=send");

    for attempt in 0..2 {
        open_sidebar(&client, &page).await;
        send_the_first_template(&client).await;
        wait_for(&client, ".send-results").await;
        assert_eq!(text_of(&client, ".send-summary").await, "1 sent");
        let replayed = eval(
            &client,
            "return !!document.querySelector('.send-replayed');",
        )
        .await;
        assert_eq!(replayed, json!(attempt == 1), "attempt {attempt}");
        if attempt == 0 {
            // Keyboard focus follows what replaced the Send button, then the new message.
            wait_until(
                &client,
                "the results' heading has focus",
                "return document.activeElement?.id === 'send-results-title';",
            )
            .await;
            click_on(&client, "#send-new").await;
            wait_until(
                &client,
                "the subject field has focus",
                "return document.activeElement?.id === 'send-subject';",
            )
            .await;
        }
        client.enter_parent_frame().await.unwrap();
    }
    let sent = emails_sent_since(&target, started).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent_email_notes(&target).await, 1);
    client.close().await.unwrap();
}

/// A send scheduled for a time in the user's zone (the host's, Los Angeles here) is logged in
/// the CRM as a scheduled email, with that time and zone, not as sent.
#[tokio::test]
async fn a_scheduled_send_is_logged_as_scheduled_with_its_time() {
    let client = browser().await;
    let target = subscribed_lead(4).await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={target}&user={REP}&view=send&tz=America/Los_Angeles"),
    )
    .await;
    choose_first_template(&client).await;
    wait_for_one_sendable(&client).await;
    click_on(&client, "#send-later").await;
    wait_for(&client, "#send-at").await;
    // Nothing chosen yet is a hint, not an error.
    assert_eq!(attr_of(&client, "#send-at", "aria-invalid").await, "false");
    assert_eq!(
        text_of(&client, ".send-schedule span").await,
        "Date and time (America/Los_Angeles)"
    );
    let day = (Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d");
    eval(
        &client,
        &format!(
            "const at = document.getElementById('send-at');
             at.value = '{day}T09:00';
             at.dispatchEvent(new Event('change', {{bubbles: true}}));
             return true;"
        ),
    )
    .await;
    wait_until(
        &client,
        "the schedule is accepted",
        "return document.getElementById('send-submit')?.textContent.startsWith('Schedule for');",
    )
    .await;
    click_on(&client, "#send-submit").await;
    wait_for(&client, ".send-results").await;
    assert_eq!(text_of(&client, ".send-summary").await, "1 scheduled");
    let notes = poll_notes(&target, |notes| {
        notes
            .iter()
            .any(|(s, _)| s.starts_with("Scheduled Email: "))
    })
    .await;
    let (_, body) = notes
        .iter()
        .find(|(s, _)| s.starts_with("Scheduled Email: "))
        .unwrap();
    assert!(
        body.contains("scheduled for ")
            && body.contains("9:00")
            && body.contains("(America/Los_Angeles) to "),
        "{body}"
    );
    assert!(
        notes.iter().all(|(s, _)| !s.starts_with("Sent Email")),
        "{notes:?}"
    );
    client.close().await.unwrap();
}

/// The rep's CRM notes on lead `crm_id`, once `done` holds for them (the host logs them a
/// moment after the plugin asked).
async fn poll_notes(
    crm_id: &str,
    done: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    for _ in 0..100 {
        let notes = crm_notes(REP, crm_id).await;
        if done(&notes) {
            return notes;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{:?}", crm_notes(REP, crm_id).await);
}

/// The answer to the first send is lost (the request reached marketing, the browser reports a
/// network error) and the browser refuses storage to the plugin: "Send" again must reuse the
/// key in memory, so marketing answers the first send again instead of emailing twice.
#[tokio::test]
async fn a_retry_after_a_lost_answer_without_storage_is_not_sent_twice() {
    let client = browser().await;
    let started = Utc::now() - chrono::Duration::seconds(5);
    let target = subscribed_lead(1).await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={target}&user={REP}&view=send"),
    )
    .await;
    // In the plugin's frame: storage throws, as with site data blocked; the first POST to
    // /v1/sends goes out and its answer is dropped.
    eval(
        &client,
        &("Object.defineProperty(window, 'sessionStorage', {
           configurable: true,
           get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }
         });"
        .to_owned()
            + &keep_send_keys_losing_answer(1)),
    )
    .await;
    send_the_first_template(&client).await;
    wait_until(
        &client,
        "the lost answer is reported",
        "const e = document.querySelector('.send .error-message');
         return !!e && e.textContent.includes('nobody gets it twice');",
    )
    .await;
    // The message is locked: a fixed typo would make it a new message with a new key.
    assert_eq!(
        eval(
            &client,
            "return [document.getElementById('send-subject').disabled,
                     document.getElementById('send-log-note').disabled];"
        )
        .await,
        json!([true, true])
    );
    assert_eq!(text_of(&client, "#send-submit").await, "Send again");
    click_on(&client, "#send-submit").await;
    wait_for(&client, ".send-results").await;
    assert_eq!(text_of(&client, ".send-summary").await, "1 sent");
    // Marketing answered the first send again (Idempotent-Replayed): the user is told that it
    // had gone out and nobody got it twice.
    let replayed = text_of(&client, ".send-replayed").await;
    assert!(replayed.contains("nobody got it twice"), "{replayed}");
    let keys = eval(&client, "return window.__sendKeys;").await;
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].is_string() && keys[0] == keys[1], "{keys:?}");
    client.enter_parent_frame().await.unwrap();
    let sent = emails_sent_since(&target, started).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    // The lost answer logged nothing; the replayed one logs the note, once.
    assert_eq!(sent_email_notes(&target).await, 1);
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_opted_out_record_offers_resubscribe_and_the_request_is_stored() {
    let client = browser().await;
    let id = seed::OPTED_OUT_LEAD;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={id}&user={REP}&view=send"),
    )
    .await;
    let title = text_of(&client, ".consent .message-title").await;
    assert!(title.ends_with("opted out of marketing email"), "{title}");
    assert_eq!(
        eval(
            &client,
            "return document.querySelectorAll('#send-submit').length;"
        )
        .await,
        json!(0),
        "no way to send"
    );
    click_on(&client, "#send-resubscribe").await;
    wait_for(&client, ".consent-requested").await;
    wait_until(
        &client,
        "the header says resubscribe requested",
        "return [...document.querySelectorAll('.badges .badge')]
           .some(b => b.textContent === 'Resubscribe requested');",
    )
    .await;
    let profile: Value = api_get(REP, &format!("/v1/records/lead/{id}")).await;
    assert!(profile["resubscribeRequestedAt"].is_string(), "{profile}");
    assert_eq!(profile["subscriptionStatus"], json!("optedOut"));
    client.close().await.unwrap();
}

/// A rep half-way through an email looks something up in Activity and comes back: the draft
/// (template, edited subject) and the programs ticked in Programs are still there.
#[tokio::test]
async fn a_draft_and_ticked_programs_survive_switching_tabs() {
    let client = browser().await;
    let target = subscribed_lead(2).await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={target}&user={REP}&view=send"),
    )
    .await;
    let template = choose_first_template(&client).await;
    let subject = wait_for(&client, "#send-subject").await;
    subject.send_keys(" (draft kept)").await.unwrap();
    let edited = eval(
        &client,
        "return document.getElementById('send-subject').value;",
    )
    .await;
    assert!(
        edited.as_str().unwrap().ends_with(" (draft kept)"),
        "{edited}"
    );

    // Scroll the template list a little: its rows must still fill it when the tab comes back.
    eval(
        &client,
        "const list = document.querySelector('.template-list');
         list.scrollTop = 120; list.dispatchEvent(new Event('scroll')); return true;",
    )
    .await;

    click_on(&client, "#tab-programs").await;
    wait_for(&client, ".program-check:not([disabled])").await;
    let ticked = eval(
        &client,
        "const box = document.querySelector('.program-check:not([disabled])');
         box.click();
         return box.id;",
    )
    .await;
    let ticked = ticked.as_str().unwrap().to_owned();

    click_on(&client, "#tab-activity").await;
    wait_until(
        &client,
        "the Activity tab shows",
        "return document.querySelector('#tab-activity').getAttribute('aria-selected') === 'true'
             && !!document.querySelector('#panel-activity:not([hidden])');",
    )
    .await;
    // Scrolling elsewhere while the Send tab is hidden says nothing about its list.
    wait_until(
        &client,
        "the history scrolls",
        "const history = document.querySelector('.history-scroll');
         if (!history) return false;
         history.scrollTop = 400; history.dispatchEvent(new Event('scroll'));
         return true;",
    )
    .await;
    click_on(&client, "#tab-send").await;
    wait_until(
        &client,
        "the template list's rows fill what it shows",
        "const list = document.querySelector('.template-list');
         if (!list || list.offsetParent === null) return false;
         const box = list.getBoundingClientRect();
         return [...document.querySelectorAll('.template-row')].some(row => {
             const r = row.getBoundingClientRect();
             return r.height > 0 && r.bottom > box.top + 1 && r.top < box.bottom - 1;
         });",
    )
    .await;
    wait_until(
        &client,
        "the draft is back as it was",
        &format!(
            "const s = document.getElementById('send-subject');
             return !!s && s.offsetParent !== null && s.value === {edited};"
        ),
    )
    .await;
    let chosen = eval(
        &client,
        "return document.querySelector('.template input:checked')
             ?.closest('.template')?.querySelector('.template-name')?.textContent;",
    )
    .await;
    assert_eq!(chosen, json!(template));
    click_on(&client, "#tab-programs").await;
    let still = eval(
        &client,
        &format!("return document.getElementById('{ticked}').checked;"),
    )
    .await;
    assert_eq!(still, json!(true));
    client.close().await.unwrap();
}

/// A tenant with more templates than a page: the picker's list loads the next page as it is
/// scrolled, keeps only a window of rows in the DOM, and a search asks the server.
#[tokio::test]
async fn many_templates_come_a_page_at_a_time() {
    {
        // After every seeded folder, so the other tests' first template stays first.
        let conn = crm_sidebar::sandbox::db::open(&harness().db_path).unwrap();
        let tenant = crm_sidebar::sandbox::db::tenant_id(&conn, seed::TENANT_A).unwrap();
        for i in 0..60 {
            crm_sidebar::sandbox::db::insert_template(
                &conn,
                tenant,
                "Zz archive",
                &format!("Archived mail {i:02}"),
                "Old news",
                "<p>Hi</p>",
            )
            .unwrap();
        }
    }
    let client = browser().await;
    let target = subscribed_lead(3).await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={target}&user={REP}&view=send"),
    )
    .await;
    wait_for(&client, ".template input").await;
    const IN_DOM: &str = "return document.querySelectorAll('.template-row').length;";
    let rows = eval(&client, IN_DOM).await.as_u64().unwrap();
    assert!(
        (1..50).contains(&rows),
        "{rows} rows of the first 50 templates in the DOM"
    );

    // Scroll the list to its end, page after page: the last template of the second page shows,
    // and the DOM still holds a window of rows.
    wait_until(
        &client,
        "the last template is reached",
        "const list = document.querySelector('.template-list');
         list.scrollTop = list.scrollHeight;
         list.dispatchEvent(new Event('scroll'));
         const names = [...document.querySelectorAll('.template-name')].map(n => n.textContent);
         return names.includes('Archived mail 59');",
    )
    .await;
    let rows = eval(&client, IN_DOM).await.as_u64().unwrap();
    assert!(rows <= 60, "{rows} rows in the DOM");
    // The first folder's name (key -1) scrolled out of the DOM.
    let first_gone = eval(
        &client,
        "return document.querySelector('.template-row[data-vkey=\"-1\"]') === null;",
    )
    .await;
    assert_eq!(first_gone, json!(true));

    // A template chosen at the end stays in the DOM when the list is scrolled back to the top,
    // so Tab into the radio group lands on the checked radio.
    click_on(&client, ".template-row:last-child .template input").await;
    let chosen = eval(
        &client,
        "return document.querySelector('.template input:checked')?.id ?? null;",
    )
    .await;
    let chosen = chosen.as_str().expect("a checked template").to_owned();
    wait_until(
        &client,
        "the top of the list shows with the chosen template still in the DOM",
        &format!(
            "const list = document.querySelector('.template-list');
             list.scrollTop = 0; list.dispatchEvent(new Event('scroll'));
             const checked = document.getElementById('{chosen}');
             return !!document.querySelector('.template-row[data-vkey=\"-1\"]')
                 && !!checked && checked.checked;"
        ),
    )
    .await;
    let rows = eval(&client, IN_DOM).await.as_u64().unwrap();
    assert!(rows <= 61, "{rows} rows in the DOM");

    let search = wait_for(&client, "#template-search").await;
    search.send_keys("archived mail 5").await.unwrap();
    wait_until(
        &client,
        "the server's matches only",
        "const names = [...document.querySelectorAll('.template-name')].map(n => n.textContent);
         return names.length === 10 && names.every(n => n.startsWith('Archived mail 5'));",
    )
    .await;
    client.close().await.unwrap();
}

/// Marketing refuses the retry of a send's failed recipients (rate limit): the results stay,
/// say why nothing went, and the failed recipients can be retried again.
#[tokio::test]
async fn a_refused_retry_keeps_the_results_and_can_be_retried() {
    let client = send_view_of_a_lead_whose_email_fails("LEAD-FAILS-AGAIN").await;
    eval(&client, &refuse_nth_send(2)).await;
    send_the_first_template(&client).await;
    wait_for(&client, ".send-results").await;
    assert_eq!(text_of(&client, ".send-summary").await, "1 failed");
    click_on(&client, "#send-retry").await;
    let refused = text_of(&client, ".send-retry-refused").await;
    assert!(
        refused.contains("Too many requests. Try again in 7 s."),
        "{refused}"
    );
    assert_eq!(text_of(&client, ".send-summary").await, "1 failed");
    assert_eq!(text_of(&client, "#send-retry").await, "Retry 1 failed");
    click_on(&client, "#send-retry").await;
    wait_until(
        &client,
        "the retry went",
        "return window.__sends === 3 && !document.querySelector('.send-retry-refused');",
    )
    .await;
    client.close().await.unwrap();
}

/// A send whose only recipient the mail server refused: "Retry 1 failed" goes out again under
/// a key of its own (the send's key would only replay its answer), once per click, and a retry
/// whose answer was lost goes again as itself.
#[tokio::test]
async fn retrying_a_send_that_failed_for_everyone_sends_it_again() {
    let client = send_view_of_a_lead_whose_email_fails("LEAD-FAILS").await;
    // The answer to the first retry (the second POST) is lost on the way back.
    eval(&client, &keep_send_keys_losing_answer(2)).await;
    send_the_first_template(&client).await;
    wait_for(&client, ".send-results").await;
    assert_eq!(text_of(&client, ".send-summary").await, "1 failed");
    assert_eq!(text_of(&client, "#send-retry").await, "Retry 1 failed");

    // A double click on Retry: one request, under a key of its own (the send's key would only
    // replay its answer).
    eval(
        &client,
        "const b = document.getElementById('send-retry'); b.click(); b.click(); return true;",
    )
    .await;
    wait_until(
        &client,
        "the retry's lost answer is reported",
        "const e = document.querySelector('.send-failed .error-message');
         return !!e && e.textContent.includes('to the same 1 recipient');",
    )
    .await;
    let keys = eval(&client, "return window.__sendKeys;").await;
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(keys[0], keys[1], "a retry has a key of its own: {keys:?}");

    // "Send again" sends that retry again, under the retry's key.
    assert_eq!(text_of(&client, "#send-submit").await, "Send again");
    click_on(&client, "#send-submit").await;
    wait_for(&client, "#send-retry").await;
    let keys = eval(&client, "return window.__sendKeys;").await;
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(
        keys[2], keys[1],
        "the lost retry went again as itself: {keys:?}"
    );

    // Another retry is another message again.
    click_on(&client, "#send-retry").await;
    wait_until(
        &client,
        "the second retry",
        "return window.__sendKeys.length === 4;",
    )
    .await;
    let keys = eval(&client, "return window.__sendKeys;").await;
    let keys = keys.as_array().unwrap();
    assert!(keys[3] != keys[0] && keys[3] != keys[1], "{keys:?}");
    client.close().await.unwrap();
}

/// The user switches record and the CRM cannot send the sidebar the new one: the message
/// stays, but it cannot go out (to the record the user has left) until a context comes.
#[tokio::test]
async fn nothing_is_sent_while_the_crm_could_not_say_which_record_is_open() {
    let profile: Value = api_get(REP, &format!("/v1/records/lead/{}", seed::DEMO_LEAD)).await;
    let email = profile["email"].as_str().unwrap().to_owned();
    let client = browser().await;
    open_demo_lead_page(&client).await;
    eval(
        &client,
        &format!(
            "{ANOTHER_SIDEBAR}
             let calls = 0;
             window.__stale = CrmSidebarHost.mount({{
               container: box, frameId: 'stale-frame', pluginUrl: plugin + '/index.html',
               view: 'send',
               getContext: () => {{
                 calls += 1;
                 if (calls > 1) return Promise.reject(new Error('SSO is down'));
                 return contextOf({{ entity: 'lead', id: '{}', email: {email:?} }});
               }},
             }});
             return true;",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let frame = wait_for(&client, "#stale-frame").await;
    frame.enter_frame().await.unwrap();
    choose_first_template(&client).await;
    wait_for_one_sendable(&client).await;
    client.enter_parent_frame().await.unwrap();
    eval(
        &client,
        "window.__stale.update({ record: { entity: 'lead', id: 'LEAD-0002' } }); return true;",
    )
    .await;
    let frame = wait_for(&client, "#stale-frame").await;
    frame.enter_frame().await.unwrap();
    wait_until(
        &client,
        "Send is held back",
        "const b = document.getElementById('send-submit');
         return !!b && b.disabled
             && document.body.textContent.includes('reopen it to send');",
    )
    .await;
    client.close().await.unwrap();
}

/// A company name 600 characters long, as the subject `{{company}}`: the CRM stores note
/// subjects of at most 255, so the note's subject is cut to fit, with an ellipsis, and its body
/// starts with the subject in full. The host says the note was saved, and the results show it.
#[tokio::test]
async fn a_note_whose_subject_is_too_long_for_the_crm_is_saved_fitted_with_the_full_text_in_its_body(
) {
    let crm_id = "LEAD-LONG-COMPANY";
    // Not ASCII, so a cut in the middle of a character would show.
    let company = "Grüße & Söhne ".repeat(43)[..].trim_end().to_owned();
    assert!(
        company.chars().count() >= 600,
        "{}",
        company.chars().count()
    );
    let created = reqwest::Client::new()
        .post(format!("{}/dev/records", harness().api))
        .bearer_auth(token(REP).await)
        .json(
            &json!({"entity": "lead", "crmId": crm_id, "email": "long.company@example.com",
                      "firstName": "Lang", "lastName": "Name", "company": company}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let client = browser().await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={crm_id}&user={REP}&view=send"),
    )
    .await;
    choose_first_template(&client).await;
    eval(
        &client,
        "const s = document.getElementById('send-subject');
         s.value = '{{company}}';
         s.dispatchEvent(new Event('input', {bubbles: true}));
         return true;",
    )
    .await;
    wait_for_one_sendable(&client).await;
    click_on(&client, "#send-submit").await;
    wait_for(&client, ".send-results").await;
    wait_for(&client, ".send-result-note[data-note='saved']").await;
    assert_eq!(text_of(&client, ".send-result-note").await, "Note saved");
    client.enter_parent_frame().await.unwrap();

    let notes = poll_notes(crm_id, |notes| !notes.is_empty()).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let (subject, body) = &notes[0];
    let full = format!("Sent Email: {company}");
    assert_eq!(subject.encode_utf16().count(), 255, "{subject}");
    assert!(subject.ends_with('\u{2026}'), "{subject}");
    assert!(
        full.starts_with(subject.trim_end_matches('\u{2026}')),
        "{subject}"
    );
    assert!(body.starts_with(&format!("{full}\n\n")), "{body}");
    assert!(body.contains("long.company@example.com"), "{body}");
    client.close().await.unwrap();
}
