//! End-to-end: a rep reads a lead's engagement timeline in the demo CRM, in headless Chromium
//! (see `support/browser.rs`). Run alone: the harness binds the demo host's port.
//! `cargo test --features sandbox --test e2e_timeline -- --test-threads 2`

mod support;

use chrono::{DateTime, SecondsFormat, Utc};
use crm_sidebar::sandbox::seed;
use crm_sidebar::wire::Activity;
use fantoccini::Client;
use serde_json::Value;
use support::browser::*;

const EMAIL_KINDS: &str = "emailSent,emailOpened,emailClicked";

// --- find / act --------------------------------------------------------------------------------

async fn open_timeline(client: &Client) {
    open_sidebar(
        client,
        &format!(
            "/record?entity=lead&id={}&user=rep-ava&tz=Europe/Berlin",
            seed::DEMO_LEAD
        ),
    )
    .await;
    click_on(client, "#tab-timeline").await;
    wait_for(client, "svg.timeline-svg g.bucket").await;
}

async fn count(client: &Client, css: &str) -> u64 {
    eval(
        client,
        &format!("return document.querySelectorAll('{css}').length;"),
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// Chooses a period and waits for its chart.
async fn choose_range(client: &Client, range: &str) {
    click_on(client, &format!("#timeline-range-{range}")).await;
    wait_until(
        client,
        &format!("the {range} chart"),
        &format!(
            "const b = document.querySelector('#timeline-range-{range}');
             return b.getAttribute('aria-pressed') === 'true'
                 && !document.querySelector('.timeline .skeleton')
                 && document.querySelectorAll('g.bucket').length > 0;"
        ),
    )
    .await;
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn encoded(at: DateTime<Utc>) -> String {
    form_urlencoded::byte_serialize(at.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes())
        .collect()
}

/// Every activity the sandbox holds for the demo lead in `[from, to)`, newest first.
async fn sandbox_activities(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    kinds: Option<&str>,
) -> Vec<Activity> {
    let base = format!(
        "/v1/records/lead/{}/activities?from={}&to={}&limit=200{}",
        seed::DEMO_LEAD,
        encoded(from),
        encoded(to),
        kinds.map(|k| format!("&kinds={k}")).unwrap_or_default()
    );
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "{base}&cursor={}",
                form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
            ),
            None => base.clone(),
        };
        let page = api_page("rep-ava", &path).await;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// RFC 4180: fields, quoted fields with `""` and line breaks, CRLF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

// --- check -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_rep_reads_the_timeline_selects_a_bucket_and_exports_it() {
    let client = browser().await;
    open_timeline(&client).await;

    // The default period: 90 days in weeks, all six lanes, a summary and the history's edges.
    assert_eq!(count(&client, ".lane-label").await, 6);
    let weeks = count(&client, "g.bucket").await;
    assert!((13..=15).contains(&weeks), "{weeks} weekly buckets");
    let summary = text_of(&client, ".timeline-summary").await;
    assert!(
        summary.contains("Emails sent") && summary.contains("Emails opened"),
        "{summary}"
    );
    let edges = text_of(&client, ".timeline-edges").await;
    assert!(
        !edges.contains("None yet"),
        "the demo lead has a history: {edges}"
    );

    // Other periods: days for 30 d, months for a year and for all time.
    choose_range(&client, "30d").await;
    let days = count(&client, "g.bucket").await;
    assert!((30..=32).contains(&days), "{days} daily buckets");
    choose_range(&client, "1y").await;
    let months = count(&client, "g.bucket").await;
    assert!((12..=14).contains(&months), "{months} monthly buckets");
    choose_range(&client, "all").await;
    assert!(count(&client, "g.bucket").await >= 1);
    choose_range(&client, "90d").await;

    // Emails only: three lanes.
    click_on(&client, "#timeline-emails-only").await;
    wait_until(
        &client,
        "three lanes",
        "return document.querySelectorAll('.lane-label').length === 3;",
    )
    .await;
    // The edges are the record's first and last email, as the sandbox names them.
    let engagement: Value = api_get(
        "rep-ava",
        &format!("/v1/records/lead/{}/engagement", seed::DEMO_LEAD),
    )
    .await;
    let edges = text_of(&client, ".timeline-edges").await;
    let last_email = engagement["lastEmail"]["subject"]
        .as_str()
        .unwrap_or_default();
    assert!(
        edges.contains("First email") && edges.contains("Last email"),
        "{edges}"
    );
    assert!(edges.contains(last_email), "{edges} lacks {last_email:?}");

    // Select the latest bucket with email activity: the list is what the sandbox holds for it.
    let index = eval(
        &client,
        "const busy = [...document.querySelectorAll('g.bucket')]
             .filter(g => !g.getAttribute('aria-label').endsWith('No activity'));
         const g = busy[busy.length - 1];
         g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
         return g.dataset.bucket;",
    )
    .await;
    assert!(index.is_string(), "a bucket has email activity: {index}");
    wait_until(
        &client,
        "the bucket's interactions",
        "return !!document.querySelector('.timeline-bucket') &&
                document.querySelectorAll('.timeline-bucket .skeleton').length === 0;",
    )
    .await;
    // Read every page of it, newest first, "Older" after "Older".
    const PAGE_IDS: &str =
        "return [...document.querySelectorAll('li.interaction')].map(li => li.dataset.activityId);";
    let mut shown: Vec<String> = Vec::new();
    loop {
        let page: Vec<String> = serde_json::from_value(eval(&client, PAGE_IDS).await).unwrap();
        assert!(page.len() <= 50, "one page in the DOM: {}", page.len());
        shown.extend(page.iter().cloned());
        let older = eval(
            &client,
            "const b = document.querySelector('.bucket-older');
             if (b && b.getAttribute('aria-disabled') !== 'true') { b.click(); return true; }
             return false;",
        )
        .await;
        if older != Value::Bool(true) {
            break;
        }
        let first = page.first().cloned().unwrap_or_default();
        wait_until(
            &client,
            "the older page",
            &format!(
                "const li = document.querySelector('li.interaction');
                 return !!li && li.dataset.activityId !== '{first}'
                     && !document.querySelector('.timeline-bucket [role=status]');"
            ),
        )
        .await;
    }
    let from = time(&attr_of(&client, ".timeline-bucket", "data-from").await);
    let to = time(&attr_of(&client, ".timeline-bucket", "data-to").await);
    let expected: Vec<String> = sandbox_activities(from, to, Some(EMAIL_KINDS))
        .await
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        shown, expected,
        "the bucket lists the sandbox's interactions"
    );
    // The bar's counts (readout of the selected bucket) add up to the list.
    let label = attr_of(
        &client,
        &format!("g.bucket[data-bucket=\"{}\"]", index.as_str().unwrap()),
        "aria-label",
    )
    .await;
    let counted: usize = label
        .rsplit(": ")
        .next()
        .unwrap()
        .split(", ")
        .filter_map(|part| part.rsplit(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(counted, expected.len(), "{label}");

    // Export the shown range (emails only): the CSV's rows are the sandbox's, newest first.
    click_on(&client, ".export-button").await;
    wait_until(
        &client,
        "the export",
        "return !!document.querySelector('.export-button[data-csv-rows]');",
    )
    .await;
    let url = attr_of(&client, ".export-button", "data-csv-url").await;
    assert!(url.starts_with("blob:"), "{url}");
    let csv = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             document.querySelector('.export-button').csvBlob.text()
                 .then(done, e => done('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    let rows = parse_csv(csv.as_str().unwrap());
    assert!(rows.len() > 1, "{csv}");
    assert_eq!(rows[0][0], "Id");
    assert_eq!(rows[0][1], "Occurred at (UTC)");
    // Beside it, the time in the user's zone, which the header names.
    let zone: chrono_tz::Tz = rows[0][2]
        .strip_prefix("Local time (")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|zone| zone.parse().ok())
        .unwrap_or_else(|| panic!("{:?}", rows[0]));
    let from = time(&attr_of(&client, ".timeline-export", "data-from").await);
    let to = time(&attr_of(&client, ".timeline-export", "data-to").await);
    let expected = sandbox_activities(from, to, Some(EMAIL_KINDS)).await;
    assert_eq!(rows.len() - 1, expected.len());
    let rows_attr = attr_of(&client, ".export-button", "data-csv-rows").await;
    assert_eq!(rows_attr, expected.len().to_string());
    for (row, activity) in rows[1..].iter().zip(&expected) {
        assert_eq!(row.len(), rows[0].len());
        assert_eq!(row[0], activity.id.to_string());
        assert_eq!(time(&row[1]), activity.occurred_at);
        let local = activity.occurred_at.with_timezone(&zone);
        assert_eq!(row[2], local.format("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(row[3], local.format("UTC%:z").to_string());
        assert_eq!(row[4], activity.kind.label());
        let subject = activity.subject.clone().unwrap_or_default();
        if subject.starts_with(['=', '+', '-', '@']) {
            assert_eq!(row[5], format!("'{subject}"));
        } else {
            assert_eq!(row[5], subject);
        }
    }
    client.close().await.unwrap();
}
