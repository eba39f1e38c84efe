//! Browser tests of the Timeline tab: the chart's lanes from an engagement answer, the "Emails
//! only" option, keyboard access to every bucket, and a bucket's interactions. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser_timeline`.
//!
//! The Timeline is mounted under a `BridgeProvider` once a host context arrived; the API is a
//! stand-in `fetch` that records each request and answers like the contract says.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use crm_sidebar::plugin::host::{use_host, BridgeProvider, BridgeProviderProps};
use crm_sidebar::plugin::intl::FormatsProvider;
use crm_sidebar::plugin::views::timeline::Timeline;
use crm_sidebar::wire::Entity;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, MessageEvent, MessageEventInit, ResponseInit};
use yew::prelude::*;
use yew::AppHandle;

mod wasm_support;

use wasm_support::*;

wasm_bindgen_test_configure!(run_in_browser);

const HOST: &str = "http://127.0.0.1:8788";

fn active_element() -> Option<Element> {
    document().active_element()
}

/// The host's context, as the parent window would post it.
fn send_context() {
    send_context_in("Europe/Berlin");
}

/// [`send_context`] for a user in `time_zone`.
fn send_context_in(time_zone: &str) {
    let context = json!({
        "protocol": "crm-sidebar/1", "type": "context", "token": "t-1",
        "expiresAt": "2030-01-01T00:00:00Z", "view": "timeline",
        "record": {"entity": "lead", "id": "L-1", "email": "ann@example.com",
                   "firstName": "Ann", "lastName": "Lee"},
        "user": {"id": "u1", "name": "Rep", "locale": "en-GB", "timeZone": time_zone},
        "theme": "light"
    });
    let init = MessageEventInit::new();
    init.set_origin(HOST);
    init.set_data(&js_sys::JSON::parse(&context.to_string()).unwrap());
    let parent: js_sys::Object = web_sys::window().unwrap().parent().unwrap().unwrap().into();
    init.set_source(Some(&parent));
    let event = MessageEvent::new_with_event_init_dict("message", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

/// Focuses an SVG element (web-sys binds `focus` on HTML elements only).
fn focus(element: &Element) {
    let focus: js_sys::Function = js_sys::Reflect::get(element, &"focus".into())
        .unwrap()
        .unchecked_into();
    focus.call0(element).unwrap();
}

// ---- a stand-in API ---------------------------------------------------------------------

/// Replaces `window.fetch` until dropped; records request paths.
struct FakeApi {
    paths: Rc<RefCell<Vec<String>>>,
    original: JsValue,
    _fetch: Closure<dyn FnMut(JsValue) -> js_sys::Promise>,
}

impl FakeApi {
    fn install(respond: impl Fn(&str) -> (u16, String) + 'static) -> FakeApi {
        let window = web_sys::window().unwrap();
        let original = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
        let paths = Rc::new(RefCell::new(Vec::new()));
        let fetch = {
            let paths = paths.clone();
            Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |request: JsValue| {
                let request: web_sys::Request = request.unchecked_into();
                let url = request.url();
                let path = url
                    .splitn(4, '/')
                    .nth(3)
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default();
                paths.borrow_mut().push(path.clone());
                let (status, body) = respond(&path);
                let init = ResponseInit::new();
                init.set_status(status);
                let response =
                    web_sys::Response::new_with_opt_str_and_init(Some(&body), &init).unwrap();
                js_sys::Promise::resolve(&JsValue::from(response))
            })
        };
        js_sys::Reflect::set(&window, &"fetch".into(), fetch.as_ref()).unwrap();
        FakeApi {
            paths,
            original,
            _fetch: fetch,
        }
    }

    fn paths(&self) -> Vec<String> {
        self.paths.borrow().clone()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        js_sys::Reflect::set(&window, &"fetch".into(), &self.original).unwrap();
    }
}

/// Three weekly buckets in Berlin time: every lane has activity somewhere.
const ENGAGEMENT: &str = r#"{
  "from":"2026-02-20T12:00:00Z","to":"2026-03-10T12:00:00Z","bucket":"week",
  "timeZone":"Europe/Berlin",
  "summary":{"counts":{"emailSent":3,"emailOpened":2,"emailClicked":1,"pageVisit":2,
             "formSubmitted":1,"programEnrolled":1,"scoreChanged":1},
             "openRate":0.6667,"clickRate":0.3333,"scoreNow":42,"scoreChange":5},
  "first":{"id":1,"kind":"emailSent","occurredAt":"2025-01-02T08:00:00Z","subject":"Welcome"},
  "last":{"id":9,"kind":"pageVisit","occurredAt":"2026-03-09T10:00:00Z","subject":"Pricing"},
  "firstEmail":{"id":1,"kind":"emailSent","occurredAt":"2025-01-02T08:00:00Z","subject":"Welcome"},
  "lastEmail":{"id":7,"kind":"emailClicked","occurredAt":"2026-03-04T10:00:00Z","subject":"Spring offer"},
  "buckets":[
    {"start":"2026-02-15T23:00:00Z","end":"2026-02-22T23:00:00Z",
     "counts":{"emailSent":2,"emailOpened":1,"programEnrolled":1}},
    {"start":"2026-02-22T23:00:00Z","end":"2026-03-01T23:00:00Z","counts":{}},
    {"start":"2026-03-01T23:00:00Z","end":"2026-03-08T23:00:00Z",
     "counts":{"emailSent":1,"emailOpened":1,"emailClicked":1,"pageVisit":2,
               "formSubmitted":1,"scoreChanged":1}}
  ]}"#;

const BUCKET_PAGE: &str = r#"{"items":[
  {"id":8,"kind":"formSubmitted","occurredAt":"2026-03-05T10:00:00Z","subject":"Demo request",
   "url":"https://example.com/demo",
   "details":{"formName":"Demo request","formFields":[{"name":"Comment","value":"<b>call me</b>"}]}},
  {"id":7,"kind":"emailClicked","occurredAt":"2026-03-04T10:00:00Z","subject":"Spring offer",
   "url":null,"details":{"clickedUrl":"javascript:alert(1)"}},
  {"id":6,"kind":"pageVisit","occurredAt":"2026-03-03T10:00:00Z","subject":null,
   "url":"https://example.com/pricing","details":{"pageTitle":"Pricing","secondsOnPage":95}}
],"nextCursor":"c-2"}"#;

const BUCKET_PAGE_2: &str = r#"{"items":[
  {"id":5,"kind":"emailSent","occurredAt":"2026-03-02T10:00:00Z","subject":"Spring offer",
   "url":null}
],"nextCursor":null}"#;

fn engagement_api(path: &str) -> (u16, String) {
    if path.contains("/engagement?") {
        (200, ENGAGEMENT.to_owned())
    } else if path.contains("cursor=c-2") {
        (200, BUCKET_PAGE_2.to_owned())
    } else if path.contains("/activities?") {
        (200, BUCKET_PAGE.to_owned())
    } else {
        (404, "{}".to_owned())
    }
}

#[component]
fn TimelineWhenReady() -> Html {
    let host = use_host();
    // As in the app: dates in the user's locale and zone.
    match &host.context {
        Some(context) => html! {
            <FormatsProvider
                locale={context.user.locale.clone()}
                time_zone={context.user.time_zone.clone()}
            >
                <Timeline entity={Entity::Lead} crm_id="L-1" name="Ann Lee" profile={None} reload={0} />
            </FormatsProvider>
        },
        None => html! {},
    }
}

async fn mount_timeline() -> (Element, AppHandle<BridgeProvider>) {
    mount_timeline_in("Europe/Berlin").await
}

async fn mount_timeline_in(time_zone: &str) -> (Element, AppHandle<BridgeProvider>) {
    load_styles();
    let root = document().create_element("div").unwrap();
    root.set_attribute("style", "width: 320px").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let props = yew::props!(BridgeProviderProps {
        host: HOST,
        children: html! { <TimelineWhenReady /> },
    });
    let app = yew::Renderer::<BridgeProvider>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    send_context_in(time_zone);
    let ready = root.clone();
    wait_for("the chart", move || {
        ready.query_selector("svg.timeline-svg").unwrap().is_some()
    })
    .await;
    (root, app)
}

/// Opens the chart's bucket `index` by keyboard and waits for its `count` interactions.
async fn open_bucket(root: &Element, index: usize, count: usize) -> Element {
    let bucket = all(root, "g.bucket")[index].clone();
    focus(&bucket);
    press(&bucket, "Enter");
    let shown = root.clone();
    wait_for("the interactions", move || {
        all(&shown, "li.interaction").len() == count
    })
    .await;
    bucket
}

fn lane_names(root: &Element) -> Vec<String> {
    all(root, ".lane-label .lane-name")
        .iter()
        .map(text)
        .collect()
}

// ---- tests ------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_chart_renders_the_lanes_from_api_data() {
    let api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline().await;

    let asked = api.paths();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].starts_with("/v1/records/lead/L-1/engagement?from=")
            && asked[0].contains("&bucket=week&tz=Europe%2FBerlin"),
        "{}",
        asked[0]
    );
    assert_eq!(
        lane_names(&root),
        [
            "Email sends",
            "Opens",
            "Clicks",
            "Page visits",
            "Forms",
            "Other"
        ]
    );
    assert_eq!(all(&root, "g.bucket").len(), 3);
    // Bars: sends in buckets 0 and 2, opens 0 and 2, clicks, visits, forms in 2, other in 0 and 2.
    assert_eq!(all(&root, "rect.bar").len(), 9);
    assert_eq!(all(&root, "rect.bar.lane-visits").len(), 1);
    assert_eq!(
        all(&root, "g.bucket")[1]
            .query_selector("rect.bar")
            .unwrap(),
        None
    );
    let svg = one(&root, "svg.timeline-svg");
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 30 168"));

    // The summary and the edges of the history.
    let summary = text(&one(&root, ".timeline-summary"));
    for expected in [
        "Ann Lee",
        "Emails sent3",
        "Emails opened67%",
        "Emails clicked33%",
        "Page visits2",
        "Lead Score42 (+5)",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
    let edges = text(&one(&root, ".timeline-edges"));
    assert!(
        edges.contains("Email sent") && edges.contains("Welcome"),
        "{edges}"
    );
    assert!(edges.contains("Page visit"), "{edges}");

    // The data table holds the same numbers.
    let rows = all(&root, "table tbody tr");
    assert_eq!(rows.len(), 3);
    let last: Vec<String> = all(&rows[2], "td").iter().map(text).collect();
    assert_eq!(last, ["1", "1", "1", "2", "1", "1"]);
    assert!(
        !one(&root, ".timeline").outer_html().contains(" style="),
        "no inline styles under a strict CSP"
    );

    let performance = web_sys::window().unwrap().performance().unwrap();
    wait_for("the chart mark", || {
        performance.get_entries_by_name("timeline:chart").length() > 0
    })
    .await;

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_api_gets_the_zone_the_browser_shows_dates_in() {
    // The browser takes a zone in any case; the API's zone database wants its canonical name.
    let api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline_in("europe/london").await;
    let asked = api.paths();
    assert!(asked[0].contains("&tz=Europe%2FLondon"), "{}", asked[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn emails_only_removes_the_non_email_lanes() {
    let api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline().await;

    click(&one(&root, "#timeline-emails-only"));
    let shown = root.clone();
    wait_for("three lanes", move || lane_names(&shown).len() == 3).await;
    assert_eq!(lane_names(&root), ["Email sends", "Opens", "Clicks"]);
    assert!(all(&root, "rect.bar.lane-visits").is_empty());
    assert!(all(&root, "rect.bar.lane-forms").is_empty());
    assert!(all(&root, "rect.bar.lane-other").is_empty());
    assert_eq!(all(&root, "rect.bar").len(), 5);
    assert_eq!(
        one(&root, "svg.timeline-svg")
            .get_attribute("viewBox")
            .as_deref(),
        Some("0 0 30 84")
    );
    let summary = text(&one(&root, ".timeline-summary"));
    assert!(!summary.contains("Page visits"), "{summary}");
    assert_eq!(all(&root, "table thead th").len(), 4);
    // The edges are the first and last email, not the last page visit.
    let edges = text(&one(&root, ".timeline-edges"));
    assert!(edges.contains("First email"), "{edges}");
    assert!(edges.contains("Last email"), "{edges}");
    assert!(edges.contains("Spring offer"), "{edges}");
    assert!(!edges.contains("Pricing"), "{edges}");
    // No new request: the reduction is the plugin's.
    assert_eq!(api.paths().len(), 1);

    // A bucket selected with emails only asks for email kinds only.
    click(&all(&root, "g.bucket")[2]);
    wait_for("the bucket's request", || api.paths().len() == 2).await;
    assert!(
        api.paths()[1].contains("/activities?kinds=emailSent,emailOpened,emailClicked&from="),
        "{}",
        api.paths()[1]
    );

    click(&one(&root, "#timeline-emails-only"));
    let shown = root.clone();
    wait_for("six lanes", move || lane_names(&shown).len() == 6).await;
    let edges = text(&one(&root, ".timeline-edges"));
    assert!(edges.contains("Last interaction"), "{edges}");
    assert!(edges.contains("Pricing"), "{edges}");
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn keyboard_focus_reaches_every_bucket() {
    let _api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline().await;

    let buckets = all(&root, "g.bucket");
    // One tab stop among the buckets, on the latest.
    let stops: Vec<_> = buckets
        .iter()
        .filter(|b| b.get_attribute("tabindex").as_deref() == Some("0"))
        .collect();
    assert_eq!(stops.len(), 1);
    assert!(buckets
        .iter()
        .all(|b| b.get_attribute("tabindex").is_some()));
    assert!(buckets
        .iter()
        .all(|b| b.get_attribute("role").as_deref() == Some("button")));

    focus(&buckets[0]);
    yew::scheduler::flush().await;
    let mut visited = Vec::new();
    for step in 0..buckets.len() {
        let focused = active_element().expect("a bucket has focus");
        visited.push(focused.get_attribute("data-bucket").unwrap());
        // Focus shows the bucket's counts.
        let readout = text(&one(&root, ".timeline-readout"));
        assert!(readout.starts_with("Week of"), "{readout}");
        if step == 2 {
            assert!(readout.contains("Page visits 2"), "{readout}");
        }
        press(&focused, "ArrowRight");
        yew::scheduler::flush().await;
    }
    assert_eq!(visited, ["0", "1", "2"]);
    let focused = active_element().unwrap();
    press(&focused, "Home");
    yew::scheduler::flush().await;
    assert_eq!(
        active_element()
            .unwrap()
            .get_attribute("data-bucket")
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        all(&root, "g.bucket")[0]
            .get_attribute("tabindex")
            .as_deref(),
        Some("0"),
        "the tab stop follows focus"
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn selecting_a_bucket_lists_its_interactions_as_text_a_page_at_a_time() {
    let api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline().await;
    open_bucket(&root, 2, 3).await;
    let asked = api.paths()[1].clone();
    // The bucket, as the chart cut it: [start, end) clipped to the chart's `to`.
    assert_eq!(
        asked,
        "/v1/records/lead/L-1/activities?from=2026-03-01T23%3A00%3A00Z&to=2026-03-08T23%3A00%3A00Z&limit=50"
    );
    let list = text(&one(&root, ".timeline-bucket"));
    assert!(
        list.contains("Demo request") && list.contains("Comment<b>call me</b>"),
        "{list}"
    );
    assert!(
        list.contains("Time on page") && list.contains("https://example.com/pricing"),
        "{list}"
    );
    assert!(
        root.query_selector(".timeline-bucket b").unwrap().is_none(),
        "record data is text"
    );
    assert!(
        root.query_selector(".timeline-bucket a[href^='javascript']")
            .unwrap()
            .is_none(),
        "unsafe URLs never become links"
    );

    // Older: the next page replaces this one (only a page is ever in the DOM).
    assert_eq!(text(&one(&root, ".bucket-range")), "1\u{2013}3");
    click(&one(&root, ".bucket-older"));
    let shown = root.clone();
    wait_for("the next page", move || {
        all(&shown, "li.interaction").len() == 1
    })
    .await;
    assert!(api.paths()[2].contains("cursor=c-2"));
    assert_eq!(text(&one(&root, ".bucket-range")), "4\u{2013}4");
    assert_eq!(
        one(&root, ".bucket-older")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("true")
    );
    // Newer: the first page again, without asking the API.
    click(&one(&root, ".bucket-newer"));
    let shown = root.clone();
    wait_for("the first page again", move || {
        all(&shown, "li.interaction").len() == 3
    })
    .await;
    assert_eq!(api.paths().len(), 3);
    assert_eq!(
        one(&root, ".bucket-newer")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("true")
    );
    // Older on the last page does nothing.
    click(&one(&root, ".bucket-older"));
    click(&one(&root, ".bucket-older"));
    let shown = root.clone();
    wait_for("the last page", move || {
        all(&shown, "li.interaction").len() == 1
    })
    .await;
    click(&one(&root, ".bucket-older"));
    assert_eq!(api.paths().len(), 3);
    assert_eq!(text(&one(&root, ".bucket-range")), "4\u{2013}4");
    app.destroy();
    root.remove();
}

/// The interactions of a period open below the chart: their heading scrolls into view, and
/// the keyboard stays on the chart.
#[wasm_bindgen_test]
async fn an_opened_period_scrolls_into_view_and_focus_stays_on_the_chart() {
    let _api = FakeApi::install(engagement_api);
    let (root, app) = mount_timeline().await;
    root.set_attribute("style", "width: 320px; height: 240px; overflow: auto")
        .unwrap();
    root.set_scroll_top(0);
    let bucket = open_bucket(&root, 2, 3).await;
    let (frame, heading) = (
        root.get_bounding_client_rect(),
        one(&root, ".bucket-title").get_bounding_client_rect(),
    );
    assert!(
        heading.top() >= frame.top() && heading.bottom() <= frame.bottom() + 1.0,
        "the heading at {}..{} in a view of {}..{}",
        heading.top(),
        heading.bottom(),
        frame.top(),
        frame.bottom()
    );
    assert!(root.scroll_top() > 0, "it was below the chart");
    assert_eq!(document().active_element(), Some(bucket));
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn an_empty_period_and_a_failure_say_so() {
    let empty = r#"{"from":"2026-02-08T12:00:00Z","to":"2026-03-10T12:00:00Z","bucket":"week",
        "timeZone":"UTC","summary":{"counts":{},"openRate":null,"clickRate":null,"scoreNow":0,
        "scoreChange":0},"first":null,"last":null,
        "buckets":[{"start":"2026-02-08T00:00:00Z","end":"2026-02-15T00:00:00Z","counts":{}}]}"#;
    let fail = Rc::new(RefCell::new(true));
    let api = {
        let fail = fail.clone();
        FakeApi::install(move |_| {
            if *fail.borrow() {
                (500, "{}".to_owned())
            } else {
                (200, empty.to_owned())
            }
        })
    };
    load_styles();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let props = yew::props!(BridgeProviderProps {
        host: HOST,
        children: html! { <TimelineWhenReady /> },
    });
    let app = yew::Renderer::<BridgeProvider>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    send_context();
    let shown = root.clone();
    wait_for("the error", move || {
        shown.query_selector(".error-panel").unwrap().is_some()
    })
    .await;
    assert!(text(&root).contains("Marketing is having trouble (error 500)"));

    *fail.borrow_mut() = false;
    click(&one(&root, ".error-panel button"));
    let shown = root.clone();
    wait_for("the empty state", move || {
        text(&shown).contains("No marketing activity in this period")
    })
    .await;
    assert!(root.query_selector("svg.timeline-svg").unwrap().is_none());
    assert_eq!(api.paths().len(), 2);
    app.destroy();
    root.remove();
}

/// An API that answers every page with the same cursor would keep the export asking for ever:
/// it stops at the repeat and says so. The button keeps the focus meanwhile and after, so a
/// keyboard user can press it again without looking for it.
#[wasm_bindgen_test]
async fn an_export_stops_when_the_api_repeats_a_page() {
    let api = FakeApi::install(|path| {
        if path.contains("/engagement?") {
            (200, ENGAGEMENT.to_owned())
        } else {
            // Whatever the cursor, the page that leads to "c-2".
            (200, BUCKET_PAGE.to_owned())
        }
    });
    let (root, app) = mount_timeline().await;
    let shown = root.clone();
    wait_for("the export button", move || {
        shown.query_selector(".export-button").unwrap().is_some()
    })
    .await;
    let button = one(&root, ".export-button");
    button
        .dyn_ref::<web_sys::HtmlElement>()
        .unwrap()
        .focus()
        .unwrap();
    click(&button);
    let shown = root.clone();
    wait_for("the export's failure", move || {
        shown
            .query_selector(".export-status.failed")
            .unwrap()
            .is_some()
    })
    .await;
    assert!(
        text(&one(&root, ".export-status")).contains("kept sending the same page"),
        "{}",
        text(&root)
    );
    let pages = api
        .paths()
        .iter()
        .filter(|p| p.contains("/activities?"))
        .count();
    assert_eq!(pages, 2, "{:?}", api.paths());
    assert_eq!(document().active_element().as_ref(), Some(&button));
    app.destroy();
    root.remove();
}
