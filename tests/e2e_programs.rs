//! End-to-end: a rep enrols records into programs from the demo CRM's record and list pages, in
//! headless Chromium (see `support/browser.rs` for the harness).
//!
//! The tests share one sandbox and may run at once, so each uses programs the others do not.

mod support;

use chrono::Utc;
use crm_sidebar::sandbox::seed;
use fantoccini::Client;
use serde_json::{json, Value};
use support::browser::*;

/// The id of the listed program called `name`.
async fn program_id(name: &str) -> i64 {
    let list = api_get::<Value>("rep-ava", "/v1/programs").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!(name))
        .unwrap_or_else(|| panic!("no program {name}: {list}"))["id"]
        .as_i64()
        .unwrap()
}

/// The names of the programs a record is enrolled in.
async fn enrolled_in(crm_id: &str) -> Vec<String> {
    enrolled_in_as("lead", crm_id).await
}

/// The names of the programs a record of `entity` is enrolled in.
async fn enrolled_in_as(entity: &str, crm_id: &str) -> Vec<String> {
    let path = format!("/v1/records/{entity}/{crm_id}/enrolments");
    let list = api_get::<Value>("rep-ava", &path).await;
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{crm_id}: {list}"))
        .iter()
        .map(|e| e["programName"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until the result line beside program `id` reads `text`.
async fn wait_for_result(client: &fantoccini::Client, id: i64, text: &str) {
    wait_until(
        client,
        &format!("program {id} says {text}"),
        &format!(
            "const e = document.querySelector('div.program[data-program-id=\"{id}\"] .program-result');
             return !!e && e.textContent.trim() === {text:?};"
        ),
    )
    .await;
}

/// Whether the Enrol button is disabled.
async fn enrol_is_disabled(client: &Client) -> bool {
    eval(
        client,
        "return document.getElementById('programs-enrol').disabled;",
    )
    .await
        == json!(true)
}

#[tokio::test]
async fn a_rep_enrols_a_record_in_two_programs_and_again_is_told_already_enrolled() {
    let client = browser().await;
    open_sidebar(
        &client,
        &format!(
            "/record?entity=lead&id={}&user=rep-ava&view=programs",
            seed::DEMO_LEAD
        ),
    )
    .await;
    let started = Utc::now() - chrono::Duration::seconds(5);
    // The seeded history enrolled the demo lead in Trial Onboarding and Webinar Follow-up; the
    // rep adds Welcome Nurture and Re-engagement.
    let (trial, welcome, reengage, spring) = (
        program_id("Trial Onboarding").await,
        program_id("Welcome Nurture").await,
        program_id("Re-engagement").await,
        program_id("Spring Promotion").await,
    );

    // The paused program is listed, cannot be ticked, and says why.
    wait_for(&client, &format!("#program-{trial}")).await;
    let paused = eval(
        &client,
        &format!(
            "const c = document.getElementById('program-{spring}');
             return [c.disabled, c.closest('li').textContent.includes('paused')];"
        ),
    )
    .await;
    assert_eq!(paused, json!([true, true]));
    // Nothing selected: Enrol is disabled. The current enrolments are those of the history.
    assert!(enrol_is_disabled(&client).await);
    let before = enrolled_in(seed::DEMO_LEAD).await;
    assert!(
        before.contains(&"Trial Onboarding".to_owned())
            && before.contains(&"Webinar Follow-up".to_owned())
            && !before.contains(&"Welcome Nurture".to_owned())
            && !before.contains(&"Re-engagement".to_owned()),
        "{before:?}"
    );
    wait_until(
        &client,
        "the seeded enrolments are listed",
        "const names = [...document.querySelectorAll('.enrolment-name')].map(e => e.textContent);
         return names.includes('Trial Onboarding') && names.includes('Webinar Follow-up');",
    )
    .await;

    // Search narrows the list to matching names.
    let search = wait_for(&client, "#programs-search").await;
    search.send_keys("onboard").await.unwrap();
    wait_until(
        &client,
        "only Trial Onboarding is listed",
        "const names = [...document.querySelectorAll('.program-name')].map(e => e.textContent);
         return names.length === 1 && names[0] === 'Trial Onboarding';",
    )
    .await;
    search.clear().await.unwrap();
    eval(
        &client,
        "const s = document.getElementById('programs-search');
         s.dispatchEvent(new InputEvent('input', {bubbles: true})); return true;",
    )
    .await;
    wait_for(&client, &format!("#program-{welcome}")).await;

    // Enrol in two active programs: both say enrolled, and the list of enrolments shows them.
    click_on(&client, &format!("#program-{welcome}")).await;
    click_on(&client, &format!("#program-{reengage}")).await;
    assert_eq!(
        text_of(&client, "#programs-enrol").await,
        "Enrol in 2 programs"
    );
    click_on(&client, "#programs-enrol").await;
    wait_for_result(&client, welcome, "Enrolled").await;
    wait_for_result(&client, reengage, "Enrolled").await;
    // The focus went with the busy button: it lands on what the Enrol did.
    wait_until(
        &client,
        "the outcome has the focus",
        "const hint = document.activeElement;
         return hint.id === 'programs-hint'
           && hint.textContent.includes('Welcome Nurture: Enrolled')
           && hint.textContent.includes('Re-engagement: Enrolled');",
    )
    .await;
    wait_until(
        &client,
        "the current programs list both",
        "const names = [...document.querySelectorAll('.enrolment-name')].map(e => e.textContent);
         return names.includes('Welcome Nurture') && names.includes('Re-engagement');",
    )
    .await;
    let enrolled = enrolled_in(seed::DEMO_LEAD).await;
    for name in ["Welcome Nurture", "Re-engagement"] {
        assert!(enrolled.contains(&name.to_owned()), "{enrolled:?}");
    }

    // The history has a programEnrolled activity for each, from this run.
    let history = api_get::<Value>(
        "rep-ava",
        &format!(
            "/v1/records/lead/{}/activities?kinds=programEnrolled&limit=50",
            seed::DEMO_LEAD
        ),
    )
    .await;
    for name in ["Welcome Nurture", "Re-engagement"] {
        let found = history["items"].as_array().unwrap().iter().any(|a| {
            a.to_string().contains(name)
                && a["occurredAt"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t >= started)
        });
        assert!(
            found,
            "no new programEnrolled activity for {name}: {history}"
        );
    }

    // The programs it is in now, from the history or just now, cannot be chosen again.
    for id in [trial, welcome, reengage] {
        wait_until(
            &client,
            &format!("program {id} is marked as already in"),
            &format!(
                "const c = document.getElementById('program-{id}');
                 return c.disabled && !c.checked
                     && c.closest('li').textContent.includes('Already in this program (active).');"
            ),
        )
        .await;
    }
    assert!(enrol_is_disabled(&client).await);
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_tenant_without_enabled_programs_sees_the_help_dialog() {
    let client = browser().await;
    open_sidebar(
        &client,
        &format!(
            "/record?entity=lead&id={}&user={}&view=programs",
            seed::B_LEAD,
            seed::REP_B
        ),
    )
    .await;
    let text = text_of(&client, "[role=dialog]").await;
    assert!(
        text.contains(
            "Can't find your program? Your marketing admin must enable it for CRM enrolment."
        ),
        "{text}"
    );
    // Focus is inside the dialog; Close closes it and leaves no empty list behind.
    wait_until(
        &client,
        "focus is in the dialog",
        "return !!document.activeElement && !!document.activeElement.closest('[role=dialog]');",
    )
    .await;
    assert_eq!(
        eval(
            &client,
            "return document.querySelectorAll('.program-list').length;"
        )
        .await,
        json!(0)
    );
    // Tab and Shift+Tab stay in the dialog.
    let close = wait_for(&client, "#programs-dialog-close").await;
    for key in ["\u{E004}", "\u{E008}\u{E004}"] {
        close.send_keys(key).await.unwrap();
        assert_eq!(
            eval(&client, "return document.activeElement.id;").await,
            json!("programs-dialog-close"),
            "focus left the dialog on {key:?}"
        );
    }
    click_on(&client, "#programs-dialog-close").await;
    wait_until(
        &client,
        "the dialog is closed and focus is back on Why?",
        "return document.querySelector('[role=dialog]') === null
             && document.activeElement.id === 'programs-why';",
    )
    .await;
    // Why? opens it again; Escape closes it, focus back on Why? again.
    click_on(&client, "#programs-why").await;
    let close = wait_for(&client, "#programs-dialog-close").await;
    close.send_keys("\u{E00C}").await.unwrap();
    wait_until(
        &client,
        "Escape closed the dialog and focus is back on Why?",
        "return document.querySelector('[role=dialog]') === null
             && document.activeElement.id === 'programs-why';",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_rep_enrols_a_list_view_selection_of_three_records() {
    let client = browser().await;
    let ids = select_leads(&client, 3).await;
    assert_eq!(ids.len(), 3);
    let advocacy = program_id("Customer Advocacy").await;

    click_on(&client, "#enrol-program").await;
    let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    assert_eq!(text_of(&client, "#programs-title").await, "Enrol 3 leads");
    assert_eq!(
        eval(
            &client,
            "return document.querySelectorAll('.enrolments').length;"
        )
        .await,
        json!(0),
        "a selection skips the current enrolments"
    );
    click_on(&client, &format!("#program-{advocacy}")).await;
    click_on(&client, "#programs-enrol").await;
    wait_until(
        &client,
        "the selection is enrolled",
        &format!(
            "const e = document.querySelector('div.program[data-program-id=\"{advocacy}\"] .program-result');
             return !!e && /^\\d+ (enrolled|already enrolled)/.test(e.textContent) && !e.textContent.includes('failed');"
        ),
    )
    .await;
    for id in &ids {
        let enrolled = enrolled_in(id).await;
        assert!(
            enrolled.contains(&"Customer Advocacy".to_owned()),
            "{id}: {enrolled:?}"
        );
    }
    // "Done" asks the host to close the panel it opened for the selection.
    done_closes_the_panel(&client, "#programs-done").await;
    client.close().await.unwrap();
}

/// Escape closes a list-view action's panel, as the CRM's own dialogs do, from any control; in
/// a search box with text it clears the text first.
#[tokio::test]
async fn escape_closes_a_list_view_panel_once_the_search_is_cleared() {
    let client = browser().await;
    select_leads(&client, 2).await;
    click_on(&client, "#enrol-program").await;
    let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    let search = wait_for(&client, "#programs-search").await;
    search.send_keys("welcome").await.unwrap();
    search.send_keys("\u{E00C}").await.unwrap();
    wait_until(
        &client,
        "the search is cleared",
        "return document.getElementById('programs-search').value === '';",
    )
    .await;
    client.enter_parent_frame().await.unwrap();
    assert_eq!(
        eval(
            &client,
            "return document.getElementById('sidebar-panel').open;"
        )
        .await,
        json!(true),
        "the first Escape only cleared the search"
    );
    // On a program's checkbox (where a keyboard user mostly is) Escape closes.
    let frame = wait_for(&client, "#sidebar-panel #sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    wait_for(&client, ".program input[type=checkbox]").await;
    eval(
        &client,
        "document.querySelector('.program input[type=checkbox]').focus(); return true;",
    )
    .await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
    client.enter_parent_frame().await.unwrap();
    wait_until(
        &client,
        "the host closed its panel",
        "return !document.getElementById('sidebar-panel').open;",
    )
    .await;
    client.close().await.unwrap();
}

/// Marketing pauses a program while the rep has it ticked: Enrol says why, the list shows it
/// paused, and no Retry is offered for what cannot work.
#[tokio::test]
async fn a_program_paused_meanwhile_says_so_and_offers_no_retry() {
    let program = {
        let conn = crm_sidebar::sandbox::db::open(&harness().db_path).unwrap();
        let tenant = crm_sidebar::sandbox::db::tenant_id(&conn, seed::TENANT_A).unwrap();
        crm_sidebar::sandbox::db::insert_program(
            &conn,
            tenant,
            "Zz Partner Summit",
            "Invites partners to the summit.",
            true,
            true,
        )
        .unwrap()
    };
    let client = browser().await;
    open_sidebar(
        &client,
        &format!(
            "/record?entity=lead&id={}&user=rep-ava&view=programs",
            seed::OPTED_OUT_LEAD
        ),
    )
    .await;
    wait_for(&client, &format!("#program-{program}")).await;
    click_on(&client, &format!("#program-{program}")).await;
    {
        let conn = crm_sidebar::sandbox::db::open(&harness().db_path).unwrap();
        conn.execute("UPDATE programs SET active = 0 WHERE id = ?1", [program])
            .unwrap();
    }
    click_on(&client, "#programs-enrol").await;
    wait_until(
        &client,
        "the program shows as paused with the failure and no retry",
        &format!(
            "const li = document.querySelector('div.program[data-program-id=\"{program}\"]');
             return !!li && li.textContent.includes('This program is paused.')
                 && li.querySelector('.program-result')?.textContent.includes('paused') === true
                 && !li.querySelector('.program-retry')
                 && document.getElementById('program-{program}').disabled;"
        ),
    )
    .await;
    client.close().await.unwrap();
}

/// A CRM lead marketing has never seen: enrolling it adds the person to marketing, and the
/// record page follows at once (no refresh): its Activity tab lists the new enrolment instead
/// of "not yet known to marketing".
#[tokio::test]
async fn enrolling_a_person_marketing_did_not_know_makes_the_record_known() {
    let client = browser().await;
    let crm_id = "LEAD-9002";
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={crm_id}&user=rep-ava"),
    )
    .await;
    let title = text_of(&client, ".message-title").await;
    assert!(title.ends_with("is not yet known to marketing"), "{title}");

    let welcome = program_id("Welcome Nurture").await;
    click_on(&client, "#tab-programs").await;
    click_on(&client, &format!("#program-{welcome}")).await;
    click_on(&client, "#programs-enrol").await;
    wait_for_result(&client, welcome, "Enrolled").await;

    click_on(&client, "#tab-activity").await;
    wait_until(
        &client,
        "the enrolment is listed",
        "return [...document.querySelectorAll('.activity-row')]
             .some(r => r.textContent.includes('Welcome Nurture'));",
    )
    .await;
    client.close().await.unwrap();
}

/// A fetch in the sidebar that loses the answers of the first `lost` enrolment requests (they
/// reach marketing), and keeps every request's Idempotency-Key in `window.__enrolKeys`.
fn lose_enrolment_answers(lost: usize) -> String {
    format!(
        "const original = window.fetch.bind(window);
         window.__enrolKeys = [];
         window.fetch = async (request, init) => {{
           const url = typeof request === 'string' ? request : request.url;
           if (request.method === 'POST' && new URL(url).pathname.endsWith('/enrolments')) {{
             window.__enrolKeys.push(request.headers.get('Idempotency-Key'));
             const answer = await original(request, init);
             if (window.__enrolKeys.length <= {lost}) {{
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

/// The Idempotency-Keys the sidebar sent with its enrolment requests, in order.
async fn enrolment_keys(client: &Client) -> Vec<String> {
    let keys = eval(client, "return window.__enrolKeys;").await;
    keys.as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

/// The answer of an enrolment is lost (the request reached marketing): the sidebar sends that
/// very request again under its Idempotency-Key, so it reads what the first one did,
/// "Enrolled" and "added to the All contacts list", not "already enrolled".
#[tokio::test]
async fn a_lost_answer_is_asked_again_and_reads_what_the_enrolment_did() {
    let client = browser().await;
    open_sidebar(
        &client,
        "/record?entity=contact&id=CONT-9002&user=rep-ava&view=programs",
    )
    .await;
    let program = program_id("Webinar Follow-up").await;
    wait_for(&client, &format!("#program-{program}")).await;
    eval(&client, &lose_enrolment_answers(1)).await;
    click_on(&client, &format!("#program-{program}")).await;
    click_on(&client, "#programs-enrol").await;
    wait_for_result(&client, program, "Enrolled").await;
    let notice = text_of(&client, ".programs-notice").await;
    assert_eq!(
        notice,
        "Lucas Moreau was added to the All contacts list first"
    );
    let keys = enrolment_keys(&client).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].starts_with("enrol-"), "{keys:?}");
    assert_eq!(keys[0], keys[1], "the second ask repeats the request's key");
    assert_eq!(
        enrolled_in_as("contact", "CONT-9002").await,
        ["Webinar Follow-up"]
    );
    client.close().await.unwrap();
}

/// Both asks lose their answer: the program says it failed and offers Retry, even though the
/// reloaded enrolments now list it (the lost request enrolled the record); Retry repeats that
/// request and reads what it did.
#[tokio::test]
async fn a_retry_after_two_lost_answers_repeats_the_request() {
    let client = browser().await;
    open_sidebar(
        &client,
        "/record?entity=contact&id=CONT-9001&user=rep-ava&view=programs",
    )
    .await;
    let program = program_id("Webinar Follow-up").await;
    wait_for(&client, &format!("#program-{program}")).await;
    eval(&client, &lose_enrolment_answers(2)).await;
    click_on(&client, &format!("#program-{program}")).await;
    click_on(&client, "#programs-enrol").await;
    wait_until(
        &client,
        "the program says it failed, offers Retry, and is listed as current",
        &format!(
            "const row = document.querySelector('div.program[data-program-id=\"{program}\"]');
             return !!row && !!row.querySelector('.program-retry')
                 && row.querySelector('.program-result').textContent.startsWith('Failed')
                 && [...document.querySelectorAll('.enrolment-name')]
                     .some(n => n.textContent === 'Webinar Follow-up');"
        ),
    )
    .await;
    click_on(&client, ".program-retry").await;
    wait_for_result(&client, program, "Enrolled").await;
    assert_eq!(
        text_of(&client, ".programs-notice").await,
        "Aisha Bello was added to the All contacts list first"
    );
    let keys = enrolment_keys(&client).await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "one request: {keys:?}");
    client.close().await.unwrap();
}
