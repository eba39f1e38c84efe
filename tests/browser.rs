//! Browser tests of the plugin: the host bridge's rules, the activity history as a user sees it,
//! and the requests it sends. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser`.
//!
//! Components are mounted into a fresh `<div>` and awaited with `yew::scheduler::flush()`; where
//! an answer goes through a promise or a timer, the test waits for the element or the request it
//! expects (`wait_for`), never for a fixed time. The API is a stand-in `fetch` that records what
//! was asked and answers like the contract says.

#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use crm_sidebar::domain::activity_filters::{DateRange, Filters};
use crm_sidebar::domain::activity_history::entries_from_page;
use crm_sidebar::plugin::app::{App, AppProps, Sidebar};
use crm_sidebar::plugin::components::tabs::{Tab, Tabs};
use crm_sidebar::plugin::host::{use_host, BridgeProvider, BridgeProviderProps, Host};
use crm_sidebar::plugin::intl::{Formats, FormatsProvider};
use crm_sidebar::plugin::views::activity::history::{Action, History};
use crm_sidebar::plugin::views::activity::list::{ActivityList, MAX_RENDERED_ROWS};
use crm_sidebar::plugin::views::activity::ActivityHistory;
use crm_sidebar::wire::{ActivityKind, ActivityPage, Entity};
use gloo_timers::future::TimeoutFuture;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    Element, Event, HtmlIFrameElement, HtmlInputElement, InputEvent, MessageEvent,
    MessageEventInit, ResponseInit,
};
use yew::prelude::*;
use yew::AppHandle;

mod wasm_support;

use wasm_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// In the manifest's allow-list.
const HOST: &str = "http://127.0.0.1:8788";

// ---- act --------------------------------------------------------------------------------

/// A fresh element to mount into; `style` sizes it (the test page has no CSP).
fn mount_point(style: &str) -> Element {
    let div = document().create_element("div").unwrap();
    div.set_attribute("style", style).unwrap();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

fn js(value: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

/// Dispatches a `message` event on our window, as a frame at `origin` whose window is `source`
/// would.
fn receive(origin: &str, source: Option<&js_sys::Object>, data: &JsValue) {
    let init = MessageEventInit::new();
    init.set_origin(origin);
    init.set_data(data);
    init.set_source(source);
    let event = MessageEvent::new_with_event_init_dict("message", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

/// `window.parent` of the test page is the page itself.
fn parent() -> js_sys::Object {
    web_sys::window().unwrap().parent().unwrap().unwrap().into()
}

fn context(record_id: &str, token: &str) -> serde_json::Value {
    json!({
        "protocol": "crm-sidebar/1", "type": "context", "token": token,
        "expiresAt": "2030-01-01T00:00:00Z", "view": "activity",
        "record": {"entity": "lead", "id": record_id, "email": "ann@example.com",
                   "firstName": "Ann", "lastName": "Lee"},
        "user": {"id": "u1", "name": "Rep", "locale": "en-GB", "timeZone": "Europe/Berlin"},
        "theme": "dark"
    })
}

/// The API's answer to a call with a token that expired.
fn token_expired() -> (u16, String) {
    (
        401,
        r#"{"error":{"code":"tokenExpired","message":"token expired"}}"#.to_owned(),
    )
}

/// The host's `tokenError`: for token request `id`, or for the context it owed.
fn token_error(id: Option<&str>) -> JsValue {
    let mut message = json!({"protocol": "crm-sidebar/1", "type": "tokenError"});
    if let Some(id) = id {
        message["id"] = json!(id);
    }
    js(message)
}

fn type_into(input: &Element, value: &str) {
    let input = input.dyn_ref::<HtmlInputElement>().unwrap();
    input.set_value(value);
    input
        .dispatch_event(&InputEvent::new("input").unwrap())
        .unwrap();
}

// ---- check ------------------------------------------------------------------------------

// ---- a probe of the bridge --------------------------------------------------------------

#[derive(Properties, PartialEq)]
struct ProbeProps {
    seen: Callback<Host>,
}

/// Shows the record id of the context it got, and hands the `Host` to the test.
#[component]
fn Probe(props: &ProbeProps) -> Html {
    let host = use_host();
    props.seen.emit(host.clone());
    let shown = match &host.context {
        Some(context) => context
            .record
            .as_ref()
            .map(|r| r.id.clone())
            .unwrap_or_default(),
        None => "waiting".to_owned(),
    };
    html! { <p class="probe">{ shown }</p> }
}

struct Mounted {
    root: Element,
    host: Rc<RefCell<Option<Host>>>,
    app: AppHandle<BridgeProvider>,
}

impl Mounted {
    fn probe(&self) -> String {
        text(&one(&self.root, ".probe"))
    }

    fn host(&self) -> Host {
        self.host.borrow().clone().expect("the probe rendered")
    }

    fn destroy(self) {
        self.app.destroy();
        self.root.remove();
    }
}

/// A bridge to [`HOST`] around `children`, plus a probe.
async fn mount_bridge(children: Html) -> Mounted {
    mount_bridge_with(children, "", 10_000).await
}

/// [`mount_bridge`] in a sized element, giving the host `token_timeout_ms` to answer.
async fn mount_bridge_with(children: Html, style: &str, token_timeout_ms: u32) -> Mounted {
    let root = mount_point(style);
    let host = Rc::new(RefCell::new(None));
    let seen = {
        let host = host.clone();
        Callback::from(move |seen: Host| *host.borrow_mut() = Some(seen))
    };
    let props = yew::props!(BridgeProviderProps {
        host: HOST,
        token_answer_timeout_ms: token_timeout_ms,
        children: html! { <><Probe {seen} />{ children }</> },
    });
    let app = yew::Renderer::<BridgeProvider>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    Mounted { root, host, app }
}

// ---- the host bridge --------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_valid_handshake_from_the_parent_is_accepted() {
    let mounted = mount_bridge(html! {}).await;
    assert_eq!(mounted.probe(), "waiting");

    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    yew::scheduler::flush().await;

    assert_eq!(mounted.probe(), "L-1");
    let host = mounted.host();
    assert!(host.session.has_token());
    assert_eq!(
        host.context.as_ref().unwrap().token.expose(),
        "",
        "the session alone holds the token"
    );
    assert!(
        !format!("{:?}", host.session).contains("t-1"),
        "the token is never printed"
    );
    let performance = web_sys::window().unwrap().performance().unwrap();
    assert!(performance.get_entries_by_name("sidebar:context").length() > 0);
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn messages_from_another_origin_are_ignored() {
    let mounted = mount_bridge(html! {}).await;
    for origin in [
        "http://evil.example",
        "http://127.0.0.1:8788/",
        "http://localhost:8788",
        "",
    ] {
        receive(origin, Some(&parent()), &js(context("L-1", "t-1")));
        yew::scheduler::flush().await;
        assert_eq!(
            mounted.probe(),
            "waiting",
            "accepted a message from {origin:?}"
        );
    }
    assert!(!mounted.host().session.has_token());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn messages_from_a_frame_that_is_not_the_parent_are_ignored() {
    let mounted = mount_bridge(html! {}).await;
    let frame: HtmlIFrameElement = document()
        .create_element("iframe")
        .unwrap()
        .unchecked_into();
    document().body().unwrap().append_child(&frame).unwrap();
    let other: js_sys::Object = frame.content_window().unwrap().into();

    receive(HOST, Some(&other), &js(context("L-1", "t-1")));
    yew::scheduler::flush().await;
    assert_eq!(
        mounted.probe(),
        "waiting",
        "accepted a message from a sibling frame"
    );

    receive(HOST, None, &js(context("L-1", "t-1")));
    yew::scheduler::flush().await;
    assert_eq!(
        mounted.probe(),
        "waiting",
        "accepted a message without a source"
    );

    frame.remove();
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn messages_of_a_bad_shape_are_ignored() {
    let mounted = mount_bridge(html! {}).await;
    let mut wrong_protocol = context("L-1", "t-1");
    wrong_protocol["protocol"] = json!("crm-sidebar/2");
    let mut no_token = context("L-1", "t-1");
    no_token.as_object_mut().unwrap().remove("token");
    let mut bad_date = context("L-1", "t-1");
    bad_date["expiresAt"] = json!("tomorrow");
    let bad = [
        js(wrong_protocol),
        js(no_token),
        js(bad_date),
        js(json!({"protocol": "crm-sidebar/1", "type": "launchMissiles"})),
        JsValue::from_str("context"),
        JsValue::from_f64(42.0),
        JsValue::NULL,
    ];
    for data in &bad {
        receive(HOST, Some(&parent()), data);
        yew::scheduler::flush().await;
        assert_eq!(mounted.probe(), "waiting", "accepted {data:?}");
    }
    // The bridge still listens.
    receive(HOST, Some(&parent()), &js(context("L-2", "t-1")));
    yew::scheduler::flush().await;
    assert_eq!(mounted.probe(), "L-2");
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn concurrent_renewals_share_one_token_request_answered_by_its_id() {
    let mounted = mount_bridge(html! {}).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    yew::scheduler::flush().await;
    let host = mounted.host();

    let first = host.session.renew();
    let second = host.session.renew();
    let pending = host.bridge.pending_token_requests();
    assert_eq!(pending.len(), 1, "one tokenRequest for both: {pending:?}");

    let answer = |id: &str| {
        json!({"protocol": "crm-sidebar/1", "type": "token", "id": id, "token": "t-2",
               "expiresAt": "2030-01-01T00:00:00Z"})
    };
    // An answer to another request settles nothing; one from elsewhere is not even read.
    receive(HOST, Some(&parent()), &js(answer("token-999")));
    receive(
        "http://evil.example",
        Some(&parent()),
        &js(answer(&pending[0])),
    );
    assert_eq!(host.bridge.pending_token_requests(), pending);

    receive(HOST, Some(&parent()), &js(answer(&pending[0])));
    assert!(first.await);
    assert!(second.await);
    assert!(host.bridge.pending_token_requests().is_empty());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_host_outside_the_allow_list_is_refused() {
    for host in [Some("http://evil.example"), None] {
        let root = mount_point("");
        let app = yew::Renderer::<App>::with_root_and_props(
            root.clone(),
            AppProps {
                host: host.map(AttrValue::from),
            },
        )
        .render();
        yew::scheduler::flush().await;
        let shown = text(&root);
        assert!(shown.contains("This sidebar is not enabled for"), "{shown}");
        if let Some(host) = host {
            assert!(shown.contains(host), "{shown}");
        }
        assert!(root.query_selector(".tabs").unwrap().is_none());
        app.destroy();
        root.remove();
    }
}

// ---- the activity list ------------------------------------------------------------------

const PAGE: &str = r#"{"items":[
    {"id":4,"kind":"emailClicked","occurredAt":"2026-03-10T15:00:00Z","subject":"Spring offer",
     "url":null,"campaignId":"spring-24",
     "details":{"clickedUrl":"https://example.com/offer"}},
    {"id":3,"kind":"pageVisit","occurredAt":"2026-03-10T09:30:00Z",
     "subject":"<img src=x onerror=alert(1)>","url":"javascript:alert(1)",
     "details":{"pageTitle":"Pricing","secondsOnPage":95}},
    {"id":2,"kind":"emailOpened","occurredAt":"2026-03-09T08:00:00Z","subject":"Spring offer",
     "url":null},
    {"id":1,"kind":"emailSent","occurredAt":"2026-02-01T08:00:00Z","subject":"Spring offer",
     "url":null}
],"nextCursor":null}"#;

fn history_of(page: &str) -> History {
    let page: ActivityPage = serde_json::from_str(page).unwrap();
    let formats = Formats::new("en-GB", "Europe/Berlin");
    History::with_page(
        entries_from_page(page.items, |at| formats.local_date(at)),
        page.next_cursor,
    )
}

#[derive(Properties, PartialEq)]
struct ListHarnessProps {
    history: History,
    load_more: Callback<()>,
}

/// The list with its reducer, as `ActivityHistory` wires it.
#[component]
fn ListHarness(props: &ListHarnessProps) -> Html {
    let history = use_reducer({
        let history = props.history.clone();
        move || history
    });
    let dispatcher = history.dispatcher();
    let measured = history.dispatcher();
    html! {
        <FormatsProvider locale="en-GB" time_zone="Europe/Berlin">
            <ActivityList
                history={(*history).clone()}
                on_toggle={Callback::from(move |id| dispatcher.dispatch(Action::ToggleExpanded(id)))}
                on_measure={Callback::from(move |(id, height)| measured.dispatch(Action::Measured { id, height }))}
                on_load_more={props.load_more.clone()}
            />
        </FormatsProvider>
    }
}

async fn mount_list(history: History, style: &str) -> (Element, AppHandle<ListHarness>) {
    load_styles();
    let root = mount_point(style);
    let props = ListHarnessProps {
        history,
        load_more: Callback::noop(),
    };
    let app = yew::Renderer::<ListHarness>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    (root, app)
}

#[wasm_bindgen_test]
async fn rows_render_from_api_data_grouped_by_day_as_text() {
    let (root, app) = mount_list(history_of(PAGE), "").await;

    let rows = all(&root, "li.activity-row");
    assert_eq!(rows.len(), 4);
    // 10 March (twice), 9 March, 1 February: three day headers.
    assert_eq!(all(&root, "li.day-row").len(), 3);
    let labels: Vec<String> = all(&root, ".activity-label").iter().map(text).collect();
    assert_eq!(
        labels,
        ["Email clicked", "Page visit", "Email opened", "Email sent"]
    );
    // Record data is text: the subject is shown, never parsed.
    assert!(text(&rows[1]).contains("<img src=x onerror=alert(1)>"));
    assert!(root.query_selector("img").unwrap().is_none());
    // Times are in the user's zone: 15:00 UTC is 16:00 in Berlin.
    assert!(text(&rows[0]).contains("16:00"), "{}", text(&rows[0]));
    assert_eq!(
        one(&root, "time").get_attribute("datetime").unwrap(),
        "2026-03-10T15:00:00+00:00"
    );
    // The whole history is loaded.
    assert!(text(&root).contains("Beginning of marketing history"));
    let performance = web_sys::window().unwrap().performance().unwrap();
    wait_for("the first-row mark", || {
        performance
            .get_entries_by_name("sidebar:first-row")
            .length()
            == 1
    })
    .await;
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_row_expands_to_its_details_with_a_real_button() {
    let (root, app) = mount_list(history_of(PAGE), "").await;
    let rows = all(&root, "li.activity-row");

    // The sent email has nothing to expand.
    assert!(rows[3].query_selector("button").unwrap().is_none());

    let toggle = one(&rows[0], "button.activity-summary");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(rows[0].query_selector("dl").unwrap().is_none());
    click(&toggle);
    yew::scheduler::flush().await;

    let row = &all(&root, "li.activity-row")[0];
    let toggle = one(row, "button.activity-summary");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let details = one(row, "dl.activity-details");
    assert_eq!(toggle.get_attribute("aria-controls"), Some(details.id()));
    assert!(text(&details).contains("Clicked link"));
    assert!(text(&details).contains("spring-24"));
    assert_eq!(
        one(&details, "a").get_attribute("href").unwrap(),
        "https://example.com/offer"
    );

    // A javascript: URL in record data stays text.
    click(&one(
        &all(&root, "li.activity-row")[1],
        "button.activity-summary",
    ));
    yew::scheduler::flush().await;
    let visit = &all(&root, "li.activity-row")[1];
    assert!(text(visit).contains("javascript:alert(1)"));
    assert!(visit.query_selector("a").unwrap().is_none());
    assert!(text(visit).contains("1 min 35 s"));
    app.destroy();
    root.remove();
}

fn long_page(count: i64, next_cursor: Option<&str>) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").unwrap();
    let items: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let at = start - chrono::Duration::minutes(97 * i);
            json!({"id": count - i, "kind": "pageVisit", "occurredAt": at.to_rfc3339(),
                   "subject": format!("Page {i}"), "url": null})
        })
        .collect();
    json!({"items": items, "nextCursor": next_cursor}).to_string()
}

/// Scrolled past a day's header, the list keeps that day's name pinned on top of its rows;
/// with the header in view there is no second one.
#[wasm_bindgen_test]
async fn the_day_of_the_top_rows_stays_pinned_once_its_header_scrolled_away() {
    let style = "display:flex;flex-direction:column;height:480px;width:360px";
    let (root, app) = mount_list(history_of(&long_page(300, None)), style).await;
    let scroller = one(&root, ".history-scroll");
    assert!(root.query_selector(".day-pinned").unwrap().is_none());
    // The second day's header, and where it starts in the list.
    let header = all(&root, "li.day-row")[1].clone();
    let day = text(&header);
    let top = header.get_bounding_client_rect().top() - scroller.get_bounding_client_rect().top();
    let scroll_to = |y: f64| {
        scroller.set_scroll_top(y as i32);
        scroller
            .dispatch_event(&Event::new("scroll").unwrap())
            .unwrap();
    };
    scroll_to(top + 50.0);
    yew::scheduler::flush().await;
    let pinned = one(&root, ".day-pinned .day-label");
    assert_eq!(text(&pinned), day);
    // It sits on top of the list, at its top edge.
    let (at, list) = (
        pinned.get_bounding_client_rect(),
        scroller.get_bounding_client_rect(),
    );
    assert!(
        (at.bottom() - list.top() - 28.0).abs() < 6.0,
        "{} vs {}",
        at.bottom(),
        list.top()
    );
    // Exactly at the header: it shows itself.
    scroll_to(top);
    yew::scheduler::flush().await;
    assert!(root.query_selector(".day-pinned").unwrap().is_none());
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn ten_thousand_activities_never_put_more_than_100_rows_in_the_dom() {
    let style = "display:flex;flex-direction:column;height:480px;width:360px";
    let (root, app) = mount_list(history_of(&long_page(10_000, None)), style).await;

    let rendered = || all(&root, ".history-rows > li").len();
    assert!(
        rendered() > 5 && rendered() <= MAX_RENDERED_ROWS,
        "{} rows",
        rendered()
    );
    assert!(text(&root).contains("Page 0"));

    // Scroll to the middle: the window follows, the DOM stays small.
    let scroller = one(&root, ".history-scroll");
    scroller.set_scroll_top(scroller.scroll_height() / 2);
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert!(rendered() <= MAX_RENDERED_ROWS, "{} rows", rendered());
    let first: usize = all(&root, "li.activity-row")[0]
        .get_attribute("aria-posinset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (4_000..6_000).contains(&first),
        "first rendered row is #{first}"
    );
    assert!(!text(&root).contains("Page 0"));
    // The spacers keep the scroll height of the whole list.
    assert!(scroller.scroll_height() > 500_000);
    app.destroy();
    root.remove();
}

/// An expanded row's details wrap, so a long form answer can be read whole at 320 px; the list
/// places the rows after it by the height it is drawn at, so a row stays where it was when the
/// expanded one scrolls out of the DOM.
#[wasm_bindgen_test]
async fn an_expanded_row_wraps_its_details_and_the_list_keeps_its_height() {
    let mut page: serde_json::Value = serde_json::from_str(&long_page(60, None)).unwrap();
    let answer = "I would like to know what the enterprise plan costs for fifty seats, \
                  billed yearly, and whether it includes single sign-on and an SLA.";
    page["items"][0]["kind"] = json!("formSubmitted");
    page["items"][0]["details"] = json!({"formName": "Contact us",
        "formFields": [{"name": "Message", "value": answer}]});
    let style = "display:flex;flex-direction:column;height:480px;width:320px";
    let (root, app) = mount_list(history_of(&page.to_string()), style).await;
    let scroller = one(&root, ".history-scroll");
    // Where row `position` starts in the list's content.
    let top_of = |position: usize| {
        let row = one(&root, &format!("li[aria-posinset='{position}']"));
        row.get_bounding_client_rect().top() - scroller.get_bounding_client_rect().top()
            + f64::from(scroller.scroll_top())
    };

    click(&one(&root, "li[aria-posinset='1'] button.activity-summary"));
    yew::scheduler::flush().await;
    let shown = root.clone();
    wait_for("the answer", move || text(&shown).contains("fifty seats")).await;
    let value = all(&root, ".activity-details dd")
        .into_iter()
        .find(|dd| text(dd).contains("fifty seats"))
        .unwrap();
    assert!(
        value.scroll_width() <= value.client_width() + 1,
        "nothing cut off"
    );
    assert!(
        value.client_height() > 40,
        "the answer wraps onto several lines"
    );
    // The row's drawn height reaches the list (a resize observation, then a render).
    TimeoutFuture::new(100).await;
    yew::scheduler::flush().await;
    let before = top_of(13);

    // Scroll the expanded row out of the DOM, keeping row 13 in it.
    scroller.set_scroll_top(before as i32 - 10);
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert!(
        root.query_selector("li[aria-posinset='1']")
            .unwrap()
            .is_none(),
        "the expanded row left the DOM"
    );
    let after = top_of(13);
    assert!(
        (after - before).abs() < 1.0,
        "row 13 moved from {before} to {after}"
    );
    app.destroy();
    root.remove();
}

/// In a 320 px list the kind's name is whole: "2 days ago" gives way, the time of day stays.
/// A wider list has room for both.
#[wasm_bindgen_test]
async fn a_narrow_list_keeps_the_kind_whole_and_drops_the_relative_time() {
    let two_days_ago = crm_sidebar::plugin::browser::clock::now() - chrono::Duration::days(2);
    let mut page: serde_json::Value = serde_json::from_str(&long_page(3, None)).unwrap();
    page["items"][0]["kind"] = json!("programEnrolled");
    page["items"][0]["occurredAt"] = json!(two_days_ago.to_rfc3339());
    for (width, relative_shown) in [(320, false), (480, true)] {
        let style = format!("display:flex;flex-direction:column;height:300px;width:{width}px");
        let (root, app) = mount_list(history_of(&page.to_string()), &style).await;
        let row = one(&root, "li[aria-posinset='1']");
        let label = one(&row, ".activity-label");
        assert_eq!(text(&label), "Program enrolment");
        assert!(
            label.scroll_width() <= label.client_width(),
            "at {width} px the label is cut: {} of {} px shown",
            label.client_width(),
            label.scroll_width()
        );
        let relative = one(&row, ".activity-relative");
        assert_eq!(
            relative
                .dyn_ref::<web_sys::HtmlElement>()
                .unwrap()
                .offset_width()
                > 0,
            relative_shown,
            "at {width} px: {}",
            text(&one(&row, ".activity-time"))
        );
        app.destroy();
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn a_short_first_page_asks_for_the_next_one() {
    load_styles();
    let root = mount_point("display:flex;flex-direction:column;height:480px");
    let asked = Rc::new(RefCell::new(0));
    let props = ListHarnessProps {
        history: history_of(&long_page(5, Some("c-1"))),
        load_more: {
            let asked = asked.clone();
            Callback::from(move |()| *asked.borrow_mut() += 1)
        },
    };
    let app = yew::Renderer::<ListHarness>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(*asked.borrow(), 1);
    app.destroy();
    root.remove();
}

// ---- the history against a stand-in API --------------------------------------------------

thread_local! {
    /// The `Retry-After` of the stand-in API's 429s.
    static RETRY_AFTER_SECONDS: Cell<u32> = const { Cell::new(7) };
}

/// A stand-in `fetch`: records each request and answers with `respond(path, authorization)`;
/// `None` leaves the request pending until its signal aborts it, as the browser's would. A 429
/// comes with `Retry-After: 7` (or [`RETRY_AFTER_SECONDS`]).
struct FakeApi {
    calls: Rc<RefCell<Vec<(String, String)>>>,
    requests: Rc<RefCell<Vec<web_sys::Request>>>,
    /// The live feed's requests (`/v1/events`), apart from the view's data requests above.
    feed: Rc<RefCell<Vec<(String, String, web_sys::Request)>>>,
    original: JsValue,
    _fetch: Closure<dyn FnMut(JsValue) -> js_sys::Promise>,
}

/// A live feed that opens nothing: its requests stay pending until aborted, as a feed with no
/// news behind a proxy that holds the stream back would.
fn quiet_feed(_: &str, _: &str) -> Option<(u16, String)> {
    None
}

impl FakeApi {
    fn install(respond: impl Fn(&str, &str) -> (u16, String) + 'static) -> FakeApi {
        FakeApi::install_with(move |path, auth| Some(respond(path, auth)))
    }

    fn install_with(respond: impl Fn(&str, &str) -> Option<(u16, String)> + 'static) -> FakeApi {
        FakeApi::install_with_feed(respond, quiet_feed)
    }

    /// `respond` answers the view's requests, `feed` the live feed's (a 200 body is sent as
    /// server-sent events).
    fn install_with_feed(
        respond: impl Fn(&str, &str) -> Option<(u16, String)> + 'static,
        feed: impl Fn(&str, &str) -> Option<(u16, String)> + 'static,
    ) -> FakeApi {
        let window = web_sys::window().unwrap();
        let original = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
        let calls = Rc::new(RefCell::new(Vec::new()));
        let requests = Rc::new(RefCell::new(Vec::new()));
        let feed_calls = Rc::new(RefCell::new(Vec::new()));
        let fetch = {
            let (calls, requests, feed_calls) =
                (calls.clone(), requests.clone(), feed_calls.clone());
            Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |request: JsValue| {
                let request: web_sys::Request = request.unchecked_into();
                let auth = request
                    .headers()
                    .get("authorization")
                    .unwrap()
                    .unwrap_or_default();
                let url = request.url();
                let path = url
                    .splitn(4, '/')
                    .nth(3)
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default();
                let is_feed = path.starts_with("/v1/events");
                let answer = if is_feed {
                    feed_calls.borrow_mut().push((
                        path.clone(),
                        auth.clone(),
                        Clone::clone(&request),
                    ));
                    feed(&path, &auth)
                } else {
                    calls.borrow_mut().push((path.clone(), auth.clone()));
                    requests.borrow_mut().push(Clone::clone(&request));
                    respond(&path, &auth)
                };
                let Some((status, body)) = answer else {
                    return pending_until_aborted(&request);
                };
                let init = ResponseInit::new();
                init.set_status(status);
                let headers = web_sys::Headers::new().unwrap();
                let content_type = if is_feed && status == 200 && !path.contains("wait=") {
                    "text/event-stream"
                } else {
                    "application/json"
                };
                headers.set("content-type", content_type).unwrap();
                if status == 429 {
                    let seconds = RETRY_AFTER_SECONDS.with(|s| s.get()).to_string();
                    headers.set("retry-after", &seconds).unwrap();
                }
                init.set_headers(&headers);
                let response =
                    web_sys::Response::new_with_opt_str_and_init(Some(&body), &init).unwrap();
                js_sys::Promise::resolve(&JsValue::from(response))
            })
        };
        js_sys::Reflect::set(&window, &"fetch".into(), fetch.as_ref()).unwrap();
        FakeApi {
            calls,
            requests,
            feed: feed_calls,
            original,
            _fetch: fetch,
        }
    }

    fn urls(&self) -> Vec<String> {
        self.calls
            .borrow()
            .iter()
            .map(|(url, _)| url.clone())
            .collect()
    }

    fn activity_urls(&self) -> Vec<String> {
        self.urls()
            .into_iter()
            .filter(|url| url.contains("/activities"))
            .collect()
    }

    fn aborted(&self, index: usize) -> bool {
        self.requests.borrow()[index].signal().aborted()
    }
}

/// A fetch promise that only ever settles by rejecting when the request's signal aborts.
fn pending_until_aborted(request: &web_sys::Request) -> js_sys::Promise {
    let signal = request.signal();
    js_sys::Promise::new(&mut |_resolve, reject| {
        let on_abort = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &js_sys::Error::new("The user aborted a request."),
            );
        });
        signal
            .add_event_listener_with_callback("abort", on_abort.unchecked_ref())
            .unwrap();
    })
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        js_sys::Reflect::set(&window, &"fetch".into(), &self.original).unwrap();
    }
}

const PROFILE: &str = r#"{"entity":"lead","crmId":"L-1","email":"ann@example.com",
    "firstName":"Ann","lastName":"Lee","company":"Acme","jobTitle":"CTO","owner":null,
    "imported":true,"score":42,"optInType":"double","subscriptionStatus":"subscribed",
    "lastSyncedAt":"2026-03-10T11:00:00Z",
    "activityCounts":{"emailSent":6,"emailOpened":5,"emailClicked":3,"pageVisit":9}}"#;

/// What `PAGE` matches per kind, as the API says with a first page (whatever `kinds` asks).
const PAGE_KIND_COUNTS: &str = r#"{"emailSent":1,"emailOpened":1,"emailClicked":1,"pageVisit":1}"#;

/// Answers like the sandbox would for lead L-1, honouring `kinds` (the record's whole history
/// is longer than the 30 days `PAGE` holds).
fn lead_api(path: &str, _auth: &str) -> (u16, String) {
    if !path.contains("/activities") {
        // The profile of the lead asked for (L-1 unless the path names another).
        let id = path
            .strip_prefix("/v1/records/lead/")
            .and_then(|rest| rest.split(['?', '/']).next())
            .unwrap_or("L-1");
        return (
            200,
            PROFILE.replace(r#""crmId":"L-1""#, &format!(r#""crmId":"{id}""#)),
        );
    }
    if path.contains("kinds=emailClicked") {
        let page: serde_json::Value = serde_json::from_str(PAGE).unwrap();
        let items: Vec<_> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["kind"] == "emailClicked")
            .cloned()
            .collect();
        let counts: serde_json::Value = serde_json::from_str(PAGE_KIND_COUNTS).unwrap();
        return (
            200,
            json!({"items": items, "nextCursor": null, "kindCounts": counts}).to_string(),
        );
    }
    let mut page: serde_json::Value = serde_json::from_str(PAGE).unwrap();
    page["kindCounts"] = serde_json::from_str(PAGE_KIND_COUNTS).unwrap();
    (200, page.to_string())
}

#[component]
fn HistoryWhenReady() -> Html {
    let host = use_host();
    match &host.context {
        Some(_) => html! {
            <ActivityHistory entity={Entity::Lead} crm_id="L-1" name="Ann Lee" />
        },
        None => html! {},
    }
}

/// An activity page with nothing on it.
const EMPTY_PAGE: &str = r#"{"items":[],"nextCursor":null}"#;

/// [`lead_api`], with no activities for requests whose path has `part`.
fn lead_api_empty_for(part: &'static str) -> impl Fn(&str, &str) -> (u16, String) {
    move |path, auth| {
        if path.contains(part) {
            (200, EMPTY_PAGE.to_owned())
        } else {
            lead_api(path, auth)
        }
    }
}

/// The activity history of lead L-1, once the host's context came.
async fn mount_history() -> Mounted {
    let mounted = mount_bridge(html! { <HistoryWhenReady /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    mounted
}

#[wasm_bindgen_test]
async fn chips_and_search_change_the_query_sent_and_the_rows() {
    let api = FakeApi::install(lead_api);
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the first rows", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    assert_eq!(
        api.activity_urls(),
        ["/v1/records/lead/L-1/activities?limit=50"]
    );
    assert!(api
        .calls
        .borrow()
        .iter()
        .all(|(_, auth)| auth == "Bearer t-1"));

    // A chip narrows the history to its kind.
    let chip = one(&root, "button.chip.kind-emailClicked");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("false"));
    click(&chip);
    wait_for("the filtered rows", || {
        all(&root, "li.activity-row").len() == 1
    })
    .await;
    assert_eq!(
        api.activity_urls().last().unwrap(),
        "/v1/records/lead/L-1/activities?kinds=emailClicked&limit=50"
    );
    let chip = one(&root, "button.chip.kind-emailClicked");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(text(&one(&root, ".activity-label")), "Email clicked");
    // The other chips still count what choosing them would list.
    assert_eq!(
        text(&one(&root, "button.chip.kind-pageVisit .chip-count")),
        "1"
    );

    // Search is sent as `q` once the user pauses.
    type_into(&one(&root, "input[type=search]"), "pri");
    type_into(&one(&root, "input[type=search]"), "pricing page");
    let asked_for_search = || api.activity_urls().iter().any(|url| url.contains("q="));
    wait_for("the search request", asked_for_search).await;
    let searches: Vec<String> = api
        .activity_urls()
        .into_iter()
        .filter(|url| url.contains("q="))
        .collect();
    assert_eq!(
        searches,
        ["/v1/records/lead/L-1/activities?kinds=emailClicked&q=pricing%20page&limit=50"],
        "one request for the whole word, none per keystroke"
    );

    // The same query, built by the pure builder the component uses.
    let filters = Filters {
        kinds: BTreeSet::from([ActivityKind::EmailClicked]),
        text: "pricing page".into(),
        range: DateRange::All,
    };
    let built = filters
        .query(chrono::DateTime::UNIX_EPOCH)
        .to_query_string();
    assert!(searches[0].ends_with(&built), "{built}");

    // Clearing the filters clears the search box too and lists everything again.
    wait_for("the clear button", || {
        root.query_selector(".link-button").unwrap().is_some()
    })
    .await;
    click(&one(&root, ".link-button"));
    wait_for("all rows again", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    let search = one(&root, "input[type=search]");
    assert_eq!(search.dyn_ref::<HtmlInputElement>().unwrap().value(), "");
    assert_eq!(
        api.activity_urls().last().unwrap(),
        "/v1/records/lead/L-1/activities?limit=50"
    );

    // A chip, then a search typed but not yet sent, then Clear filters at once: the search
    // does not come back after the pause.
    click(&one(&root, "button.chip.kind-emailClicked"));
    wait_for("the clear button", || {
        root.query_selector(".link-button").unwrap().is_some()
    })
    .await;
    type_into(&one(&root, "input[type=search]"), "webinar");
    click(&one(&root, ".link-button"));
    TimeoutFuture::new(600).await;
    assert!(
        !api.activity_urls()
            .iter()
            .any(|url| url.contains("q=webinar")),
        "{:?}",
        api.activity_urls()
    );
    let search = one(&root, "input[type=search]");
    assert_eq!(search.dyn_ref::<HtmlInputElement>().unwrap().value(), "");
    assert_eq!(
        api.activity_urls().last().unwrap(),
        "/v1/records/lead/L-1/activities?limit=50"
    );
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn expired_tokens_of_concurrent_calls_are_renewed_once_and_each_call_retried() {
    let api = FakeApi::install(|path, auth| match auth {
        "Bearer t-2" => lead_api(path, auth),
        _ => token_expired(),
    });
    // The record page asks for the profile and the history at once.
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    let host = mounted.host();
    wait_for("a token request", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    // Let the other call's 401 arrive too: it joins the renewal in flight.
    for _ in 0..5 {
        TimeoutFuture::new(10).await;
    }
    assert_eq!(api.urls().len(), 2);
    let pending = host.bridge.pending_token_requests();
    assert_eq!(
        pending.len(),
        1,
        "one tokenRequest for both calls: {pending:?}"
    );

    receive(
        HOST,
        Some(&parent()),
        &js(
            json!({"protocol": "crm-sidebar/1", "type": "token", "id": pending[0],
                   "token": "t-2", "expiresAt": "2030-01-01T00:00:00Z"}),
        ),
    );
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    wait_for("the profile", || text(&root).contains("Lead Score 42")).await;
    let mut auths: Vec<String> = api
        .calls
        .borrow()
        .iter()
        .map(|(_, auth)| auth.clone())
        .collect();
    auths.sort();
    assert_eq!(
        auths,
        ["Bearer t-1", "Bearer t-1", "Bearer t-2", "Bearer t-2"]
    );
    assert!(!text(&root).contains("session expired"));
    mounted.destroy();
}

/// The API's answer to a call from a CRM page outside the token's connection.
fn host_not_connected() -> (u16, String) {
    (
        403,
        r#"{"error":{"code":"hostNotConnected","message":"The token's CRM connection does not serve http://127.0.0.1:8788."}}"#
            .to_owned(),
    )
}

#[wasm_bindgen_test]
async fn a_host_outside_the_tokens_connection_shows_no_data_and_asks_no_more() {
    let api = FakeApi::install(|_, _| host_not_connected());
    // The record page asks for the profile and the history at once.
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the refusal", || {
        text(&root).contains(&format!("This sidebar is not connected for {HOST}"))
    })
    .await;
    // Let the other call's answer arrive too.
    for _ in 0..5 {
        TimeoutFuture::new(10).await;
        yew::scheduler::flush().await;
    }
    let asked = api.urls();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for request in api.requests.borrow().iter() {
        assert_eq!(
            request.headers().get("sidebar-host").unwrap().as_deref(),
            Some(HOST),
            "every call names the CRM page"
        );
    }
    let shown = text(&root);
    assert!(!shown.contains("Ann"), "no record data: {shown}");
    assert!(root.query_selector(".tabs").unwrap().is_none(), "{shown}");
    assert!(!shown.contains("expired"), "{shown}");
    assert!(!mounted.host().expired);

    // Another record, with a token of its own: the plugin stays refused and calls nothing.
    receive(HOST, Some(&parent()), &js(context("L-2", "t-2")));
    for _ in 0..5 {
        TimeoutFuture::new(10).await;
        yew::scheduler::flush().await;
    }
    assert_eq!(api.urls(), asked, "no call after the refusal");
    assert!(text(&root).contains("This sidebar is not connected for"));
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_host_that_does_not_answer_a_token_request_expires_the_session_until_a_token_comes() {
    let api = FakeApi::install(|_, _| token_expired());
    // The app gives the host 10 s; this bridge gives it 50 ms.
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 50).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the session to end", || {
        text(&root).contains("Your session expired \u{2014} reopen the sidebar")
    })
    .await;
    // The record stays on screen with whatever the user was doing.
    assert!(root.query_selector(".tabs").unwrap().is_some());

    // "Try again" asks the host once more; its answer ends the expired state.
    let host = mounted.host();
    assert!(host.bridge.pending_token_requests().is_empty());
    one(&root, ".session-expired button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    wait_for("a new token request", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    let id = host.bridge.pending_token_requests()[0].clone();
    let asked = api.urls().len();
    receive(
        HOST,
        Some(&parent()),
        &js(
            json!({"protocol": "crm-sidebar/1", "type": "token", "id": id,
                   "token": "t-2", "expiresAt": "2030-01-01T00:00:00Z"}),
        ),
    );
    wait_for("the session to be back", || {
        root.query_selector(".session-expired").unwrap().is_none()
    })
    .await;
    assert!(!mounted.host().expired);
    // What failed while the session was over is asked for again.
    wait_for("the record asked for again", || {
        api.urls()[asked..]
            .iter()
            .any(|url| url.starts_with("/v1/records/lead/L-1?"))
    })
    .await;
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_host_without_a_token_ends_the_session_at_once() {
    let _api = FakeApi::install(|_, _| token_expired());
    // The host has the app's 10 s to answer; its `tokenError` ends the wait, well within the
    // 3 s `wait_for` gives up after.
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 10_000).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    let host = mounted.host();
    wait_for("a token request", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    let id = host.bridge.pending_token_requests()[0].clone();
    // An answer to another request settles nothing.
    receive(HOST, Some(&parent()), &token_error(Some("token-999")));
    yew::scheduler::flush().await;
    assert_eq!(
        host.bridge.pending_token_requests(),
        std::slice::from_ref(&id)
    );

    receive(HOST, Some(&parent()), &token_error(Some(&id)));
    wait_for("the session to end", || {
        text(&root).contains("Your session expired \u{2014} reopen the sidebar")
    })
    .await;
    assert!(mounted.host().expired);
    assert!(host.bridge.pending_token_requests().is_empty());
    assert!(root.query_selector(".tabs").unwrap().is_some());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_renewal_that_fails_after_a_new_context_brought_a_token_does_not_end_the_session() {
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 10_000).await;
    let _api = FakeApi::install(lead_api);
    // A token about to expire: its renewal starts at once.
    let mut soon = context("L-1", "t-1");
    let in_a_moment = js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now() + 100.0));
    soon["expiresAt"] = json!(String::from(in_a_moment.to_iso_string()));
    receive(HOST, Some(&parent()), &js(soon));
    let host = mounted.host();
    wait_for("the renewal", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    let id = host.bridge.pending_token_requests()[0].clone();
    // The rep switches record: the new context brings a token of its own. Then the renewal's
    // sign-on fails.
    receive(HOST, Some(&parent()), &js(context("L-2", "t-2")));
    receive(HOST, Some(&parent()), &token_error(Some(&id)));
    for _ in 0..5 {
        TimeoutFuture::new(10).await;
    }
    assert!(!mounted.host().expired, "the session has the new token");
    assert!(!text(&mounted.root).contains("session expired"));
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn an_expired_session_is_said_first_when_the_context_failed_too() {
    let _api = FakeApi::install(|_, _| token_expired());
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 50).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the session to end", || mounted.host().expired).await;
    receive(HOST, Some(&parent()), &token_error(None));
    wait_for("the context failure", || mounted.host().context_failed).await;
    assert!(text(&one(&root, ".session-expired")).contains("Your session expired"));
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_host_that_sends_no_context_is_reported_and_asked_again() {
    let _api = FakeApi::install(lead_api);
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 50).await;
    let root = mounted.root.clone();
    assert!(text(&root).contains("Connecting to the CRM"));
    wait_for("the failure", || {
        text(&root).contains("Can't connect to the CRM \u{2014} reopen the sidebar")
    })
    .await;
    assert!(mounted.host().context_failed);

    // "Try again" says `ready` again and waits anew.
    one(&root, ".error-panel button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    assert!(text(&root).contains("Connecting to the CRM"));
    assert!(!mounted.host().context_failed);

    // A context that comes late is shown all the same.
    wait_for("the failure again", || mounted.host().context_failed).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    wait_for("the record", || text(&root).contains("Score 42")).await;
    assert!(!text(&root).contains("Can't connect"));
    assert!(!mounted.host().context_failed);
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_context_the_host_could_not_send_is_said_at_once_and_the_record_kept() {
    let _api = FakeApi::install(lead_api);
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "", 10_000).await;
    let root = mounted.root.clone();
    let no_token = token_error(None);
    receive(HOST, Some(&parent()), &no_token);
    wait_for("the failure", || {
        text(&root).contains("Can't connect to the CRM")
    })
    .await;

    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    wait_for("the record", || text(&root).contains("Score 42")).await;
    // The user switched record and the host could not send it: the record shown stays, and
    // the notice says it is not the CRM's current one.
    receive(HOST, Some(&parent()), &no_token);
    wait_for("the notice", || {
        text(&root).contains("The CRM couldn't update the sidebar")
    })
    .await;
    assert!(text(&root).contains("Score 42"));
    assert!(!mounted.host().expired, "the session itself is fine");
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_token_about_to_expire_is_renewed_ahead_of_time() {
    let mounted = mount_bridge(html! {}).await;
    let mut message = context("L-1", "t-1");
    let soon = js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now() + 400.0));
    message["expiresAt"] = json!(String::from(soon.to_iso_string()));
    receive(HOST, Some(&parent()), &js(message));
    let host = mounted.host();
    assert!(host.bridge.pending_token_requests().is_empty());
    // Half the remaining life (the lead is a minute for real tokens): ~200 ms.
    wait_for("the renewal", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_token_that_arrives_expired_is_not_renewed_in_a_loop() {
    // A host whose `expiresAt` is wrong (epoch seconds read as milliseconds, say): renewing on
    // a timer would ask at once, get another token like it, and ask again.
    let mounted = mount_bridge(html! {}).await;
    let mut message = context("L-1", "t-1");
    message["expiresAt"] = json!("1970-01-20T16:00:00Z");
    receive(HOST, Some(&parent()), &js(message));
    for _ in 0..5 {
        TimeoutFuture::new(10).await;
    }
    assert!(mounted.host().session.has_token());
    assert!(mounted.host().bridge.pending_token_requests().is_empty());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn the_record_page_shows_the_profile_and_its_history() {
    let api = FakeApi::install(lead_api);
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    wait_for("the profile", || text(&root).contains("Score 42")).await;

    assert_eq!(text(&one(&root, "h1")), "Ann Lee");
    assert!(text(&root).contains("CTO \u{00B7} Acme"));
    assert!(text(&root).contains("Subscribed"));
    assert!(text(&root).contains("Double opt-in"));
    assert!(text(&one(&root, ".updated")).starts_with("Synced "));
    assert_eq!(
        one(&root, "main").get_attribute("data-theme").as_deref(),
        Some("dark")
    );
    // Every tab names a panel that exists, shown or not.
    for tab in all(&root, "button[role=tab]") {
        let panel = tab.get_attribute("aria-controls").unwrap();
        let found = one(&root, &format!("#{panel}"));
        assert_eq!(found.get_attribute("role").as_deref(), Some("tabpanel"));
    }
    // The listing is said once it is there, by a status that stays.
    assert_eq!(
        text(&one(&root, ".history [role=status]")),
        "4 activities listed"
    );
    // The chips count what the period lists (not the profile's whole history); kinds the
    // record never had are not offered.
    assert_eq!(
        text(&one(&root, "button.chip.kind-pageVisit .chip-count")),
        "1"
    );
    assert!(root
        .query_selector("button.chip.kind-formSubmitted")
        .unwrap()
        .is_none());
    let selected = one(&root, "[role=tab][aria-selected=true]");
    assert_eq!(text(&selected), "Activity");

    // Refresh refetches the profile and the history, keeping what is shown meanwhile.
    let before = api.urls().len();
    click(&one(&root, "button.refresh"));
    wait_for("the refetch", || api.urls().len() >= before + 2).await;
    wait_for("the rows again", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    let refetched = &api.urls()[before..];
    assert!(
        refetched.contains(&"/v1/records/lead/L-1?email=ann%40example.com".to_owned()),
        "{refetched:?}"
    );
    assert!(
        refetched.iter().any(|url| url.contains("/activities")),
        "{refetched:?}"
    );
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn the_historys_first_page_is_asked_for_as_the_context_arrives_and_only_once() {
    let api = FakeApi::install(lead_api);
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    // Asked for before anything rendered: no view has drawn the record yet.
    let root = mounted.root.clone();
    assert!(root.query_selector("h1").unwrap().is_none());
    TimeoutFuture::new(0).await;
    assert_eq!(api.activity_urls().len(), 1, "{:?}", api.urls());
    assert!(api.urls()[0].contains("/activities"), "{:?}", api.urls());
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    wait_for("the profile", || text(&root).contains("Score 42")).await;
    // The history took that answer: it did not ask again.
    assert_eq!(api.activity_urls().len(), 1, "{:?}", api.urls());
    mounted.destroy();

    // A context for another view asks for nothing before its view does.
    let api = FakeApi::install(lead_api);
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut programs = context("L-1", "t-1");
    programs["view"] = json!("programs");
    receive(HOST, Some(&parent()), &js(programs));
    TimeoutFuture::new(0).await;
    assert!(api.activity_urls().is_empty(), "{:?}", api.urls());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_person_marketing_does_not_know_is_named_as_such() {
    let _api = FakeApi::install(|_, _| {
        (
            404,
            r#"{"error":{"code":"notFound","message":"no such record"}}"#.to_owned(),
        )
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-9", "t-1")));
    let root = mounted.root.clone();
    wait_for("the notice", || {
        text(&root).contains("Ann Lee is not yet known to marketing")
    })
    .await;
    assert!(
        root.query_selector("[role=alert]").unwrap().is_none(),
        "not an error"
    );
    mounted.destroy();
}

fn active_element() -> Option<Element> {
    document().active_element()
}

/// Whether keyboard focus is somewhere in `root` (not dropped to `<body>`).
fn focus_is_in(root: &Element) -> bool {
    active_element().is_some_and(|active| root.contains(Some(&active)))
}

#[wasm_bindgen_test]
async fn focus_stays_in_the_view_when_try_again_goes_away() {
    let errors = UncaughtErrors::watch();
    let fail = Rc::new(Cell::new(true));
    let _api = FakeApi::install({
        let fail = fail.clone();
        move |path, auth| {
            if fail.get() && path.contains("/activities") {
                (
                    503,
                    r#"{"error":{"code":"internal","message":"down"}}"#.to_owned(),
                )
            } else {
                lead_api(path, auth)
            }
        }
    });
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "height:480px", 10_000).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the error", || {
        root.query_selector(".history-body .error-panel button")
            .unwrap()
            .is_some()
    })
    .await;
    let again = one(&root, ".history-body .error-panel button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    again.focus().unwrap();
    fail.set(false);
    again.click();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    assert!(!again.is_connected(), "the button went away");
    assert!(focus_is_in(&root), "focus fell to {:?}", active_element());
    // Moving focus fires `focusin` inside the keeper's own call: nothing may fail there.
    assert!(errors.messages().is_empty(), "{:?}", errors.messages());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn focus_stays_in_the_list_when_its_row_scrolls_out_of_the_dom() {
    load_styles();
    let _api = FakeApi::install(|path, auth| {
        if path.contains("/activities") {
            // Clicks, so every row has a details button to focus.
            let page = long_page(200, None).replace(
                r#""kind":"pageVisit""#,
                r#""kind":"emailClicked","details":{"clickedUrl":"https://example.com/offer"}"#,
            );
            (200, page)
        } else {
            lead_api(path, auth)
        }
    });
    let mounted = mount_bridge_with(
        html! { <Sidebar /> },
        "display:flex;flex-direction:column;height:480px;width:360px",
        10_000,
    )
    .await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the rows", || text(&root).contains("Page 0")).await;
    let first = one(&root, "li.activity-row button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    first.focus().unwrap();
    let scroller = one(&root, ".history-scroll");
    scroller.set_scroll_top(scroller.scroll_height() / 2);
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    wait_for("the first row to leave the DOM", || !first.is_connected()).await;
    TimeoutFuture::new(20).await;
    assert!(focus_is_in(&root), "focus fell to {:?}", active_element());
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn the_no_match_panels_clear_filters_drops_a_search_still_waiting() {
    let api = FakeApi::install(lead_api_empty_for("kinds="));
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    click(&one(&root, "button.chip.kind-emailClicked"));
    wait_for("no match", || {
        text(&root).contains("No activity matches these filters")
    })
    .await;
    assert_eq!(
        text(&one(&root, ".history [role=status]")),
        "No activity matches these filters"
    );
    // Typed, not yet sent; then the panel's own Clear filters.
    type_into(&one(&root, "input[type=search]"), "webinar");
    click(&one(&root, ".history-body .message-panel button"));
    TimeoutFuture::new(600).await;
    assert!(
        !api.activity_urls().iter().any(|url| url.contains("q=")),
        "{:?}",
        api.activity_urls()
    );
    let search = one(&root, "input[type=search]");
    assert_eq!(search.dyn_ref::<HtmlInputElement>().unwrap().value(), "");
    assert_eq!(all(&root, "li.activity-row").len(), 4);
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_search_typed_while_a_chip_goes_off_again_is_still_sent() {
    let api = FakeApi::install(lead_api);
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    click(&one(&root, "button.chip.kind-emailClicked"));
    yew::scheduler::flush().await;
    // Typed, then the chip off within the search's pause: the filters are back to the
    // defaults, but nobody cleared the search.
    type_into(&one(&root, "input[type=search]"), "webinar");
    click(&one(&root, "button.chip.kind-emailClicked"));
    wait_for("the search request", || {
        api.activity_urls()
            .iter()
            .any(|url| url.contains("q=webinar"))
    })
    .await;
    let search = one(&root, "input[type=search]");
    assert_eq!(
        search.dyn_ref::<HtmlInputElement>().unwrap().value(),
        "webinar"
    );
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn the_period_shown_is_the_one_listed_after_clear_filters() {
    let _api = FakeApi::install(lead_api);
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    let select = || {
        one(&root, "#history-range")
            .dyn_into::<web_sys::HtmlSelectElement>()
            .unwrap()
    };
    // The user picks periods one after another, as with the keyboard or the mouse.
    for period in ["7d", "all", "30d"] {
        select().set_value(period);
        select()
            .dispatch_event(&Event::new("change").unwrap())
            .unwrap();
        yew::scheduler::flush().await;
    }
    wait_for("Clear filters", || {
        root.query_selector(".filters .link-button")
            .unwrap()
            .is_some()
    })
    .await;
    click(&one(&root, ".filters .link-button"));
    yew::scheduler::flush().await;
    let default = DateRange::default().as_str();
    assert_eq!(
        select().value(),
        default,
        "the select shows the period listed"
    );
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn an_api_failure_shows_its_message_and_retries() {
    let fail = Rc::new(RefCell::new(true));
    let _api = FakeApi::install({
        let fail = fail.clone();
        move |path, auth| {
            if *fail.borrow() && path.contains("/activities") {
                (
                    429,
                    r#"{"error":{"code":"rateLimited","message":"slow down"}}"#.to_owned(),
                )
            } else {
                lead_api(path, auth)
            }
        }
    });
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the error", || {
        root.query_selector("[role=alert]").unwrap().is_some()
    })
    .await;
    let alert = text(&one(&root, "[role=alert]"));
    assert!(
        alert.contains("Too many requests. Try again in 7 s."),
        "{alert}"
    );
    *fail.borrow_mut() = false;
    click(&one(&root, "[role=alert] button"));
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn a_request_the_user_left_behind_is_aborted_and_never_shown_as_an_error() {
    // The unfiltered listing never answers; the filtered one does.
    let api = FakeApi::install_with(|path, auth| {
        (!path.ends_with("activities?limit=50")).then(|| lead_api(path, auth))
    });
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the first request", || api.activity_urls().len() == 1).await;
    assert!(!api.aborted(0));

    click(&one(&root, "button.chip.kind-emailClicked"));
    wait_for("the filtered rows", || {
        all(&root, "li.activity-row").len() == 1
    })
    .await;
    assert!(api.aborted(0), "the left listing's request is aborted");
    assert!(
        root.query_selector("[role=alert]").unwrap().is_none(),
        "an abort is not an error"
    );

    // Leaving the view aborts what is still in flight.
    click(&one(&root, "button.chip.kind-emailClicked"));
    wait_for("the next request", || api.activity_urls().len() == 3).await;
    assert!(!api.aborted(2));
    mounted.app.destroy();
    yew::scheduler::flush().await;
    assert!(api.aborted(2), "unmounting aborts the pending request");
    mounted.root.remove();
}

#[wasm_bindgen_test]
async fn scrolling_to_the_end_loads_the_next_page_by_cursor() {
    let api = {
        let first: serde_json::Value = serde_json::from_str(&long_page(100, None)).unwrap();
        let items = first["items"].as_array().unwrap().clone();
        let (older, newer) = (items[50..].to_vec(), items[..50].to_vec());
        FakeApi::install(move |path, _| {
            let page = if path.contains("cursor=page%2F2") {
                json!({"items": older, "nextCursor": null})
            } else {
                json!({"items": newer, "nextCursor": "page/2"})
            };
            (200, page.to_string())
        })
    };
    load_styles();
    let style = "display:flex;flex-direction:column;height:480px;width:360px";
    let mounted = mount_bridge_with(html! { <HistoryWhenReady /> }, style, 10_000).await;
    let root = mounted.root.clone();
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    wait_for("the first page", || {
        !all(&root, "li.activity-row").is_empty()
    })
    .await;
    assert_eq!(
        api.activity_urls().len(),
        1,
        "a full viewport does not ask for more"
    );

    let scroller = one(&root, ".history-scroll");
    scroller.set_scroll_top(scroller.scroll_height());
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    wait_for("the second request", || api.activity_urls().len() == 2).await;
    assert_eq!(
        api.activity_urls()[1],
        "/v1/records/lead/L-1/activities?cursor=page%2F2&limit=50"
    );
    wait_for("the end of the history", || {
        text(&root).contains("Beginning of marketing history")
    })
    .await;
    let last = all(&root, "li.activity-row")
        .last()
        .unwrap()
        .get_attribute("aria-setsize");
    assert_eq!(last.as_deref(), Some("100"));
    assert_eq!(
        api.activity_urls().len(),
        2,
        "no request past the last page"
    );
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn an_empty_history_and_an_empty_filter_say_different_things() {
    let _api = FakeApi::install(lead_api_empty_for("/activities"));
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the empty history", || {
        text(&root).contains("No marketing activity yet")
    })
    .await;
    assert!(root
        .query_selector(".message-panel button")
        .unwrap()
        .is_none());

    click(&one(&root, "button.chip.kind-pageVisit"));
    wait_for("the empty filter", || {
        text(&root).contains("No activity matches these filters")
    })
    .await;
    click(&one(&root, ".message-panel button"));
    wait_for("the filters cleared", || {
        text(&root).contains("No marketing activity yet")
    })
    .await;
    let chip = one(&root, "button.chip.kind-pageVisit");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("false"));
    mounted.destroy();
}

#[wasm_bindgen_test]
async fn filters_outlive_a_visit_to_another_tab_but_not_another_record() {
    let api = FakeApi::install(lead_api);
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;

    click(&one(&root, "button.chip.kind-emailClicked"));
    type_into(&one(&root, "#history-search"), "pricing");
    wait_for("the search request", || {
        api.activity_urls()
            .iter()
            .any(|url| url.contains("q=pricing"))
    })
    .await;
    let range = one(&root, "#history-range");
    range
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .unwrap()
        .set_value("30d");
    range
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
    wait_for("the period request", || {
        api.activity_urls().last().unwrap().contains("from=")
    })
    .await;

    click(&one(&root, "#tab-timeline"));
    wait_for("the history gone", || {
        root.query_selector("#history-search").unwrap().is_none()
    })
    .await;
    let asked_before = api.activity_urls().len();
    click(&one(&root, "#tab-activity"));
    wait_for("the filtered rows again", || {
        all(&root, "li.activity-row").len() == 1
    })
    .await;
    let chip = one(&root, "button.chip.kind-emailClicked");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("true"));
    let search = one(&root, "#history-search");
    assert_eq!(
        search.dyn_ref::<HtmlInputElement>().unwrap().value(),
        "pricing"
    );
    let range = one(&root, "#history-range");
    assert_eq!(
        range
            .dyn_ref::<web_sys::HtmlSelectElement>()
            .unwrap()
            .value(),
        "30d"
    );
    // The one matching row is all there is: the end of the filtered list, not of the history.
    wait_for("the end of the filtered list", || {
        text(&root).contains("No older matching activity in the last 30 days")
    })
    .await;
    assert!(!text(&root).contains("Beginning of marketing history"));
    // The list is fetched again, for the kept filters.
    let refetched = &api.activity_urls()[asked_before..];
    assert_eq!(refetched.len(), 1, "{refetched:?}");
    assert!(
        refetched[0]
            .starts_with("/v1/records/lead/L-1/activities?kinds=emailClicked&q=pricing&from="),
        "{refetched:?}"
    );

    // Another record is another page: no filters.
    receive(HOST, Some(&parent()), &js(context("L-2", "t-2")));
    wait_for("the other record's history", || {
        api.activity_urls()
            .iter()
            .any(|url| url.starts_with("/v1/records/lead/L-2/activities"))
    })
    .await;
    wait_for("its rows", || all(&root, "li.activity-row").len() == 4).await;
    let chip = one(&root, "button.chip.kind-emailClicked");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("false"));
    let search = one(&root, "#history-search");
    assert_eq!(search.dyn_ref::<HtmlInputElement>().unwrap().value(), "");
    assert_eq!(
        api.activity_urls().last().unwrap(),
        "/v1/records/lead/L-2/activities?limit=50"
    );
    mounted.destroy();
}

// ---- tabs -------------------------------------------------------------------------------

#[component]
fn TabsHarness() -> Html {
    let selected = use_state(|| Tab::Activity);
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |tab| selected.set(tab))
    };
    html! { <Tabs selected={*selected} {on_select} /> }
}

#[wasm_bindgen_test]
async fn tabs_are_buttons_the_arrow_keys_move_between() {
    let root = mount_point("");
    let app = yew::Renderer::<TabsHarness>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    let tabs = all(&root, "button[role=tab]");
    assert_eq!(tabs.len(), 4);
    assert_eq!(tabs[0].get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(tabs[1].get_attribute("tabindex").as_deref(), Some("-1"));

    press(&tabs[0], "ArrowRight");
    yew::scheduler::flush().await;
    let selected = one(&root, "[aria-selected=true]");
    assert_eq!(text(&selected), "Timeline");
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("tab-timeline")
    );

    press(&selected, "ArrowLeft");
    press(&one(&root, "#tab-activity"), "ArrowLeft");
    yew::scheduler::flush().await;
    assert_eq!(
        text(&one(&root, "[aria-selected=true]")),
        "Send",
        "wraps around"
    );
    app.destroy();
    root.remove();
}

/// Case folding in the browser is the engine's (no Rust case tables in the wasm): it must fold
/// beyond ASCII exactly as the native build does, for searches, address comparison and initials.
#[wasm_bindgen_test]
fn case_folding_in_the_browser_covers_unicode() {
    use crm_sidebar::domain::{preflight, text, wording};
    assert_eq!(text::lowercase("ÉLODIE Müller"), "élodie müller");
    assert_eq!(text::uppercase("straße"), "STRASSE");
    assert_eq!(
        text::lowercase("ΟΔΟΣ"),
        "\u{3bf}\u{3b4}\u{3bf}\u{3c2}",
        "final sigma"
    );
    assert_eq!(
        preflight::email_key("  Zoë.Öztürk@Example.COM "),
        "zoë.öztürk@example.com"
    );
    assert_eq!(wording::initials("émile  øster"), "ÉØ");
}

/// Day headers name today and yesterday in the user's language, not in English.
#[wasm_bindgen_test]
fn day_headers_name_today_and_yesterday_in_the_users_language() {
    use crm_sidebar::domain::time::LocalDate;
    let today = LocalDate::new(2026, 3, 10).unwrap();
    let yesterday = today.previous();
    let english = Formats::new("en-GB", "Europe/Berlin");
    assert_eq!(english.day_header(today, today), "Today");
    assert_eq!(english.day_header(yesterday, today), "Yesterday");
    let german = Formats::new("de-DE", "Europe/Berlin");
    assert_eq!(german.day_header(today, today), "Heute");
    assert_eq!(german.day_header(yesterday, today), "Gestern");
    let french = Formats::new("fr-FR", "Europe/Paris");
    assert_eq!(french.day_header(today, today), "Aujourd\u{2019}hui");
    // Older days are dates in the locale.
    let older = LocalDate::new(2026, 3, 2).unwrap();
    assert!(
        german.day_header(older, today).contains("2."),
        "{}",
        german.day_header(older, today)
    );
}

/// The zone is named as the host named it (browsers resolve Asia/Kolkata to its old name), in
/// its canonical case; a zone the browser rejected is the browser's own.
#[wasm_bindgen_test]
fn the_zone_is_named_as_the_host_named_it() {
    assert_eq!(
        Formats::new("en-IN", "Asia/Kolkata").zone_name(),
        "Asia/Kolkata"
    );
    assert_eq!(
        Formats::new("en-GB", "europe/london").zone_name(),
        "Europe/London"
    );
    let rejected = Formats::new("en-GB", "Mars/Olympus");
    assert_eq!(rejected.zone_name(), rejected.resolved_time_zone());
    assert_ne!(rejected.zone_name(), "Mars/Olympus");
}

/// Numbers are written as the user's locale writes them, small ones too where its digits are
/// not 0-9.
#[wasm_bindgen_test]
fn numbers_are_written_in_the_users_locale() {
    let english = Formats::new("en-US", "America/New_York");
    assert_eq!(english.number(24_667), "24,667");
    assert_eq!(english.number(-5), "-5");
    assert_eq!(english.count(999), "999");
    assert_eq!(
        Formats::new("de-DE", "Europe/Berlin").number(24_667),
        "24.667"
    );
    assert_eq!(Formats::new("ar-EG", "Africa/Cairo").number(5), "\u{665}");
}

/// Weeks, months and years are rounded durations, so they are counted, never named: 30 days
/// back on 1 March is "1 month ago", not "last month" (which is February). Days keep their
/// names, being calendar days.
#[wasm_bindgen_test]
fn relative_weeks_months_and_years_are_counted_not_named() {
    use chrono::TimeZone;
    let english = Formats::new("en-GB", "Europe/London");
    let at = |y, m, d| chrono::Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
    let now = at(2026, 3, 1);
    // The short style abbreviates the unit ("1 mo ago"), as the browser's data has it.
    for (then, unit) in [
        (at(2026, 1, 30), "mo"),
        (at(2026, 2, 19), "w"),
        (at(2025, 3, 2), "y"),
    ] {
        let said = english.relative(&then, &now);
        assert!(
            said.starts_with(&format!("1 {unit}")) && said.ends_with(" ago"),
            "{said}"
        );
    }
    let ahead = english.relative(&at(2026, 3, 31), &now);
    assert!(ahead.starts_with("in 1 mo"), "{ahead}");
    // A few minutes ahead is a clock running ahead or a minute clock yet to tick: "now".
    for seconds in [50, 90, 300] {
        let soon = now + chrono::Duration::seconds(seconds);
        assert_eq!(english.relative(&soon, &now), "now", "{seconds} s ahead");
    }
    assert!(english
        .relative(&(now + chrono::Duration::minutes(20)), &now)
        .starts_with("in 20 min"));
    assert_eq!(english.relative(&at(2026, 2, 28), &now), "yesterday");
}

/// A list-view selection over the 200-record limit is refused before any request.
#[wasm_bindgen_test]
async fn enrolling_a_selection_over_the_limit_is_refused_up_front() {
    let api = FakeApi::install(|_, _| (500, String::new()));
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["view"] = json!("programs");
    message["record"] = json!(null);
    message["selection"] = json!((0..201)
        .map(|i| json!({"entity": "lead", "id": format!("L-{i}")}))
        .collect::<Vec<_>>());
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the refusal", || {
        text(&root).contains("Can't enrol this selection")
    })
    .await;
    assert!(text(&root).contains("201 records are selected"));
    assert!(api.urls().is_empty(), "{:?}", api.urls());
    mounted.destroy();
}

/// Five hundred programs, a page of 50 at a time after cursor `p<offset>`, whose names contain
/// `q` (the API's search, done by the server).
fn programs_api(path: &str) -> (u16, String) {
    let param = |name: &str| {
        path.split(['?', '&'])
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .map(|v| {
                js_sys::decode_uri_component(v)
                    .unwrap()
                    .as_string()
                    .unwrap()
            })
            .unwrap_or_default()
    };
    let (q, offset) = (param("q"), param("cursor"));
    let offset: usize = offset.strip_prefix('p').map_or(0, |n| n.parse().unwrap());
    let matching: Vec<serde_json::Value> = (1..=500)
        .map(|id| format!("Program {id:03}"))
        .enumerate()
        .filter(|(_, name)| name.to_lowercase().contains(&q.to_lowercase()))
        .map(|(i, name)| {
            json!({"id": i + 1, "name": name, "description": "A nurture track.",
                   "active": true, "enabledForCrm": true})
        })
        .collect();
    let end = (offset + 50).min(matching.len());
    let next = (end < matching.len()).then(|| format!("p{end}"));
    (
        200,
        json!({"items": matching[offset..end], "nextCursor": next}).to_string(),
    )
}

/// The Programs view's API for lead L-1: 500 programs, no enrolments yet, and an enrolment
/// request answered "enrolled".
fn programs_view_api(path: &str, auth: &str) -> (u16, String) {
    if let Some(id) = path
        .strip_prefix("/v1/programs/")
        .and_then(|rest| rest.strip_suffix("/enrolments"))
    {
        let id: usize = id.parse().unwrap();
        let answer = json!({"programId": id, "programName": format!("Program {id:03}"),
            "results": [{"entity": "lead", "crmId": "L-1", "outcome": "enrolled"}]});
        (200, answer.to_string())
    } else if path.starts_with("/v1/programs") {
        programs_api(path)
    } else if path.contains("/enrolments") {
        (200, r#"{"items":[]}"#.to_owned())
    } else {
        lead_api(path, auth)
    }
}

/// The Programs view of lead L-1, 360 by 480 px, once its first program is listed.
async fn open_programs_view() -> Mounted {
    load_styles();
    let mounted = mount_bridge_with(
        html! { <Sidebar /> },
        "display:flex;flex-direction:column;height:480px;width:360px",
        10_000,
    )
    .await;
    let mut message = context("L-1", "t-1");
    message["view"] = json!("programs");
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the first programs", || {
        root.query_selector("#program-1").unwrap().is_some()
    })
    .await;
    mounted
}

/// A person who opted out can still be enrolled; the view says first that the program's emails
/// won't reach them. A subscribed one gets no such note.
#[wasm_bindgen_test]
async fn enrolling_someone_who_opted_out_warns_that_emails_wont_reach_them() {
    let opted_out = Rc::new(Cell::new(true));
    let _api = FakeApi::install({
        let opted_out = opted_out.clone();
        move |path, auth| {
            if path.starts_with("/v1/records/lead/L-1?") && opted_out.get() {
                return (200, PROFILE.replace(r#""subscribed""#, r#""optedOut""#));
            }
            programs_view_api(path, auth)
        }
    });
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    wait_for("the warning", || {
        root.query_selector(".programs-consent")
            .unwrap()
            .is_some_and(|note| {
                text(&note)
                    == "Ann Lee opted out of marketing email: a program can enrol them, but its \
                        emails won't reach them."
            })
    })
    .await;
    mounted.destroy();

    opted_out.set(false);
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    wait_for("the profile", || text(&root).contains("Lead Score 42")).await;
    assert!(root.query_selector(".programs-consent").unwrap().is_none());
    mounted.destroy();
}

/// A tenant with 500 programs: they come a page at a time as the list scrolls, the DOM holds a
/// window of them, a search asks the server, and a tick survives the search that hides it.
#[wasm_bindgen_test]
async fn a_long_program_list_is_paged_virtualized_and_searched_on_the_server() {
    use crm_sidebar::plugin::components::virtual_rows::MAX_RENDERED_ROWS as MAX_PROGRAM_ROWS;
    let api = FakeApi::install(programs_view_api);
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    let program_urls = || {
        api.urls()
            .into_iter()
            .filter(|u| u.starts_with("/v1/programs"))
            .collect::<Vec<_>>()
    };
    let first = all(&root, ".program-row").len();
    assert!(
        (1..50).contains(&first),
        "{first} of the first 50 programs in the DOM"
    );
    assert!(first <= MAX_PROGRAM_ROWS);

    // Scroll to the end, page after page: never more than the window in the DOM.
    let scroller = one(&root, ".programs");
    for _ in 0..40 {
        if root.query_selector("#program-500").unwrap().is_some() {
            break;
        }
        scroller.set_scroll_top(scroller.scroll_height());
        scroller
            .dispatch_event(&Event::new("scroll").unwrap())
            .unwrap();
        let before = all(&root, ".program-row").len();
        assert!(before <= MAX_PROGRAM_ROWS, "{before} rows in the DOM");
        TimeoutFuture::new(20).await;
        yew::scheduler::flush().await;
    }
    wait_for("the last program", || {
        root.query_selector("#program-500").unwrap().is_some()
    })
    .await;
    let rows = all(&root, ".program-row");
    assert!(
        rows.len() <= MAX_PROGRAM_ROWS,
        "{} rows in the DOM",
        rows.len()
    );
    assert!(
        root.query_selector("#program-1").unwrap().is_none(),
        "the top left the DOM"
    );
    assert_eq!(
        rows.last()
            .unwrap()
            .get_attribute("aria-setsize")
            .as_deref(),
        Some("500")
    );
    let pages = program_urls();
    assert_eq!(pages.len(), 10, "{pages:?}");
    assert!(pages[9].contains("cursor=p450"), "{pages:?}");

    // Tick the last program, then search for another: the server is asked, the tick stays.
    click(&one(&root, "#program-500"));
    wait_for("the tick", || {
        text(&one(&root, "#programs-enrol")) == "Enrol in 1 program"
    })
    .await;
    type_into(&one(&root, "#programs-search"), " program 007 ");
    wait_for("the search's answer", || {
        all(&root, ".program-row").len() == 1
            && root.query_selector("#program-7").unwrap().is_some()
    })
    .await;
    assert!(
        program_urls().last().unwrap().contains("q=program%20007"),
        "{:?}",
        program_urls()
    );
    assert_eq!(text(&one(&root, "#programs-hint")), "Selected: Program 500");
    click(&one(&root, "#program-7"));
    wait_for("both ticks", || {
        text(&one(&root, "#programs-enrol")) == "Enrol in 2 programs"
    })
    .await;
    assert_eq!(
        text(&one(&root, "#programs-hint")),
        "Selected: Program 500, Program 007"
    );

    // Enrol both: the row on screen says so, and so does a line for the program the search
    // hides.
    click(&one(&root, "#programs-enrol"));
    wait_for("both outcomes", || {
        let results = all(&root, ".program-result");
        results.len() == 2 && results.iter().all(|r| text(r) == "Enrolled")
    })
    .await;
    let shown = one(&root, "div.program[data-program-id='7'] .program-result");
    assert_eq!(text(&shown), "Enrolled");
    let hidden = one(&root, ".program-elsewhere[data-program-id='500']");
    assert!(text(&hidden).contains("Program 500"), "{}", text(&hidden));
    assert!(text(&hidden).contains("Enrolled"), "{}", text(&hidden));
    // The hint sums up what the Enrol did, until the next tick.
    assert_eq!(
        text(&one(&root, "#programs-hint")),
        "Program 500: Enrolled; Program 007: Enrolled"
    );
    click(&one(&root, "#program-7"));
    wait_for("the new tick", || {
        text(&one(&root, "#programs-hint")) == "Selected: Program 007"
    })
    .await;
    mounted.destroy();
}

/// A next page of programs that keeps failing is asked for once by scrolling, then only by its
/// Retry: a list never asks for a failing page without end.
#[wasm_bindgen_test]
async fn a_failing_next_page_waits_for_retry() {
    let api = FakeApi::install(|path, auth| {
        if path.starts_with("/v1/programs") && path.contains("cursor=") {
            (
                503,
                r#"{"error":{"code":"internal","message":"down"}}"#.to_owned(),
            )
        } else {
            programs_view_api(path, auth)
        }
    });
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    let next_pages = || {
        api.urls()
            .iter()
            .filter(|u| u.starts_with("/v1/programs") && u.contains("cursor="))
            .count()
    };
    let scroller = one(&root, ".programs");
    let scroll_to_end = || {
        scroller.set_scroll_top(scroller.scroll_height());
        scroller
            .dispatch_event(&Event::new("scroll").unwrap())
            .unwrap();
    };
    scroll_to_end();
    wait_for("the failed page's retry", || {
        root.query_selector(".programs .error-panel button")
            .unwrap()
            .is_some()
    })
    .await;
    for _ in 0..10 {
        scroll_to_end();
        TimeoutFuture::new(30).await;
        yew::scheduler::flush().await;
    }
    assert_eq!(next_pages(), 1, "{:?}", api.urls());
    click(&one(&root, ".programs .error-panel button"));
    wait_for("the retry's request", || next_pages() == 2).await;
    mounted.destroy();
}

/// A new search replaces the list with a first page as long as the old one while the old
/// list's next page is on its way: that page is dropped, and the new list, still scrolled to its
/// end, asks for its own next page.
#[wasm_bindgen_test]
async fn a_new_search_of_the_same_length_still_asks_for_its_next_page() {
    let api = FakeApi::install_with(|path, auth| {
        // The unfiltered list's next page never comes (until aborted).
        if path.starts_with("/v1/programs?q=&") && path.contains("cursor=") {
            return None;
        }
        Some(programs_view_api(path, auth))
    });
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    let scroller = one(&root, ".programs");
    scroller.set_scroll_top(scroller.scroll_height());
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    let asked = |query: &'static str| {
        let urls = api.urls();
        move || {
            urls.iter().any(|u| {
                u.starts_with(&format!("/v1/programs?q={query}&")) && u.contains("cursor=p50")
            })
        }
    };
    wait_for("the first list's next page", || asked("")()).await;
    // Every program's name has "program": 50 again on the first page.
    type_into(&one(&root, "#programs-search"), "program");
    wait_for("the search's first page", || {
        api.urls()
            .iter()
            .any(|u| u.starts_with("/v1/programs?q=program&") && !u.contains("cursor="))
    })
    .await;
    let pending = api
        .urls()
        .iter()
        .position(|u| u.starts_with("/v1/programs?q=&") && u.contains("cursor="))
        .unwrap();
    wait_for("the old list's next page aborted", || api.aborted(pending)).await;
    scroller.set_scroll_top(scroller.scroll_height());
    scroller
        .dispatch_event(&Event::new("scroll").unwrap())
        .unwrap();
    wait_for("the search's next page", || asked("program")()).await;
    mounted.destroy();
}

#[derive(Properties, PartialEq)]
struct ResultsHarnessProps {
    response: Rc<crm_sidebar::wire::SendResponse>,
    #[prop_or(AttrValue::Static("Europe/Berlin"))]
    time_zone: AttrValue,
}

#[component]
fn ResultsHarness(props: &ResultsHarnessProps) -> Html {
    use crm_sidebar::plugin::views::send::results::SendResults;
    html! {
        <FormatsProvider locale="en-GB" time_zone={props.time_zone.clone()}>
            <SendResults response={props.response.clone()} replayed={false} on_retry={None::<Callback<()>>} on_new={Callback::noop()} />
        </FormatsProvider>
    }
}

/// A send to 200 records lists every recipient's outcome, a window of them in the DOM at a
/// time: scrolling the results reaches the last recipient.
#[wasm_bindgen_test]
async fn the_results_of_a_send_to_200_records_are_virtualized() {
    use crm_sidebar::plugin::components::virtual_rows::MAX_RENDERED_ROWS as MAX_ROWS;
    load_styles();
    let results: Vec<serde_json::Value> = (0..200)
        .map(|i| {
            json!({"entity": "lead", "crmId": format!("L-{i}"), "name": format!("Person {i}"),
                   "email": format!("p{i}@example.com"), "outcome": "sent"})
        })
        .collect();
    let response: crm_sidebar::wire::SendResponse = serde_json::from_value(json!({
        "id": 1, "campaignId": "SEND-1", "templateId": 1, "createdAt": "2026-03-10T12:00:00Z",
        "results": results, "remainingToday": 800, "limitResetsAt": "2026-03-11T00:00:00Z"
    }))
    .unwrap();
    let root = mount_point("display:flex;flex-direction:column;height:480px;width:360px");
    let app = yew::Renderer::<ResultsHarness>::with_root_and_props(
        root.clone(),
        ResultsHarnessProps {
            response: Rc::new(response),
            time_zone: "Europe/Berlin".into(),
        },
    )
    .render();
    yew::scheduler::flush().await;
    wait_for("the first recipients", || {
        root.query_selector("[data-crm-id='L-0']")
            .unwrap()
            .is_some()
    })
    .await;
    let rows = all(&root, ".send-result-row").len();
    assert!((1..MAX_ROWS).contains(&rows), "{rows} rows in the DOM");
    let section = one(&root, ".send-results");
    for _ in 0..20 {
        if root
            .query_selector("[data-crm-id='L-199']")
            .unwrap()
            .is_some()
        {
            break;
        }
        section.set_scroll_top(section.scroll_height());
        section
            .dispatch_event(&Event::new("scroll").unwrap())
            .unwrap();
        TimeoutFuture::new(20).await;
        yew::scheduler::flush().await;
    }
    assert!(root
        .query_selector("[data-crm-id='L-199']")
        .unwrap()
        .is_some());
    assert!(root
        .query_selector("[data-crm-id='L-0']")
        .unwrap()
        .is_none());
    assert!(all(&root, ".send-result-row").len() <= MAX_ROWS);
    app.destroy();
    root.remove();
}

/// Marketing's daily sending limit resets at midnight UTC: the results name that moment in the
/// user's zone, not as "today".
#[wasm_bindgen_test]
async fn the_daily_limit_says_when_it_resets_in_the_users_zone() {
    let limit_text = |zone: &'static str, remaining: u32| async move {
        let response: crm_sidebar::wire::SendResponse = serde_json::from_value(json!({
            "id": 1, "campaignId": "SEND-1", "templateId": 1, "createdAt": "2026-03-10T12:00:00Z",
            "results": [{"entity": "lead", "crmId": "L-1", "name": "Person 1", "outcome": "sent"}],
            "remainingToday": remaining, "limitResetsAt": "2026-03-11T00:00:00Z"
        }))
        .unwrap();
        let root = mount_point("width:360px;height:400px");
        let app = yew::Renderer::<ResultsHarness>::with_root_and_props(
            root.clone(),
            ResultsHarnessProps {
                response: Rc::new(response),
                time_zone: zone.into(),
            },
        )
        .render();
        yew::scheduler::flush().await;
        let text = one(&root, ".preflight-limit")
            .text_content()
            .unwrap_or_default();
        app.destroy();
        root.remove();
        text
    };
    assert_eq!(
        limit_text("Europe/Berlin", 1000).await,
        "You can send 1,000 more until 11 Mar 2026, 01:00, when your daily limit resets."
    );
    assert_eq!(
        limit_text("America/Los_Angeles", 0).await,
        "You can't send more emails until 10 Mar 2026, 17:00, when your daily limit resets."
    );
}

/// A scheduled wall-clock time becomes the instant it names in the user's zone, across DST: a
/// repeated hour is its first occurrence, a skipped one moves past the gap.
#[wasm_bindgen_test]
fn local_times_resolve_to_their_instant_across_dst() {
    use crm_sidebar::domain::time::parse_datetime_local;
    let at = |zone: &str, local: &str| {
        Formats::new("en-GB", zone)
            .utc_of_local(parse_datetime_local(local).unwrap())
            .unwrap()
            .to_rfc3339()
    };
    assert_eq!(
        at("Europe/Berlin", "2026-07-01T09:30"),
        "2026-07-01T07:30:00+00:00"
    );
    assert_eq!(
        at("Europe/Berlin", "2026-12-01T09:30"),
        "2026-12-01T08:30:00+00:00"
    );
    // 02:30 happens twice on 25 Oct in Berlin (CEST, then CET): the first.
    assert_eq!(
        at("Europe/Berlin", "2026-10-25T02:30"),
        "2026-10-25T00:30:00+00:00"
    );
    // 01:30 happens twice on 1 Nov in New York (EDT, then EST): the first.
    assert_eq!(
        at("America/New_York", "2026-11-01T01:30"),
        "2026-11-01T05:30:00+00:00"
    );
    // 02:30 never happens on 29 Mar in Berlin: the instant after the gap, 03:30 CEST.
    assert_eq!(
        at("Europe/Berlin", "2026-03-29T02:30"),
        "2026-03-29T01:30:00+00:00"
    );
}

/// A contact the CRM made from a converted lead has a new CRM id marketing does not know; by
/// its email marketing finds the person, and the sidebar shows that person's history.
#[wasm_bindgen_test]
async fn a_converted_contact_shows_the_person_marketing_knows_by_email() {
    let api = FakeApi::install(|path, _| {
        if path.starts_with("/v1/records/contact/C-9/activities") {
            return (
                404,
                r#"{"error":{"code":"notFound","message":"The contact C-9 is not yet known to marketing."}}"#
                    .to_owned(),
            );
        }
        if path.starts_with("/v1/records/contact/C-9") {
            // Only with the email: the lead L-1 is the same person.
            return if path.ends_with("?email=ann%40example.com") {
                (200, PROFILE.to_owned())
            } else {
                (
                    404,
                    r#"{"error":{"code":"notFound","message":"unknown"}}"#.to_owned(),
                )
            };
        }
        lead_api(path, "")
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["record"] = json!({"entity": "contact", "id": "C-9", "email": "ann@example.com",
                               "firstName": "Ann", "lastName": "Lee"});
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the person's history", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    assert!(text(&root).contains("Score 42"));
    assert!(
        api.urls()
            .iter()
            .any(|url| url.starts_with("/v1/records/lead/L-1/activities")),
        "{:?}",
        api.urls()
    );
    mounted.destroy();
}

/// The resubscribe request of a converted contact goes to the person marketing found by email
/// (the lead), not to the contact's own CRM id, which marketing does not know.
#[wasm_bindgen_test]
async fn a_converted_contact_requests_resubscribe_for_the_person_marketing_knows() {
    let api = FakeApi::install(|path, _| {
        if path.starts_with("/v1/records/lead/L-1/resubscribe") {
            return (
                201,
                r#"{"entity":"lead","crmId":"L-1","requestedAt":"2026-03-10T12:00:00Z",
                    "requestedBy":"rep-ava"}"#
                    .to_owned(),
            );
        }
        if path == "/v1/records/contact/C-9?email=ann%40example.com" {
            return (200, PROFILE.replace(r#""subscribed""#, r#""optedOut""#));
        }
        (
            404,
            r#"{"error":{"code":"notFound","message":"unknown"}}"#.to_owned(),
        )
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["view"] = json!("send");
    message["record"] = json!({"entity": "contact", "id": "C-9", "email": "ann@example.com",
                               "firstName": "Ann", "lastName": "Lee"});
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the opt-out notice", || {
        root.query_selector("#send-resubscribe").unwrap().is_some()
    })
    .await;
    click(&root.query_selector("#send-resubscribe").unwrap().unwrap());
    wait_for("the request confirmed", || {
        root.query_selector(".consent-requested").unwrap().is_some()
    })
    .await;
    assert!(!text(&root).contains("doesn't know"), "{}", text(&root));
    let resubscribes: Vec<_> = api
        .urls()
        .into_iter()
        .filter(|url| url.contains("/resubscribe"))
        .collect();
    assert_eq!(resubscribes, ["/v1/records/lead/L-1/resubscribe"]);
    mounted.destroy();
}

/// A record with no address in the CRM or in marketing: the Send tab says so instead of offering
/// templates.
#[wasm_bindgen_test]
async fn a_record_without_an_email_address_says_so_on_the_send_tab() {
    let api = FakeApi::install(|path, auth| {
        if path.starts_with("/v1/records/lead/L-1?") || path == "/v1/records/lead/L-1" {
            return (
                200,
                PROFILE.replace(r#""email":"ann@example.com""#, r#""email":null"#),
            );
        }
        lead_api(path, auth)
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["view"] = json!("send");
    message["record"] =
        json!({"entity": "lead", "id": "L-1", "firstName": "Ann", "lastName": "Lee"});
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the explanation", || {
        text(&root).contains("Ann Lee has no email address")
    })
    .await;
    assert!(
        root.query_selector("input[name='send-template']")
            .unwrap()
            .is_none(),
        "no templates to pick"
    );
    // Not even for a moment: the tab waited for the profile.
    assert!(
        !api.urls()
            .iter()
            .any(|url| url.starts_with("/v1/templates")),
        "{:?}",
        api.urls()
    );
    mounted.destroy();
}

/// A refresh whose profile request fails keeps what was loaded: the header, and the history of
/// the person marketing found by email, with the failure and its retry above the tabs.
#[wasm_bindgen_test]
async fn a_failed_refresh_keeps_the_loaded_profile_and_history() {
    let failing = Rc::new(Cell::new(false));
    let _api = FakeApi::install({
        let failing = failing.clone();
        move |path, auth| {
            if path.starts_with("/v1/records/contact/C-9?") {
                return if failing.get() {
                    (
                        503,
                        r#"{"error":{"code":"internal","message":"down"}}"#.to_owned(),
                    )
                } else {
                    (200, PROFILE.to_owned())
                };
            }
            if path.starts_with("/v1/records/contact/C-9") {
                return (
                    404,
                    r#"{"error":{"code":"notFound","message":"unknown"}}"#.to_owned(),
                );
            }
            lead_api(path, auth)
        }
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["record"] = json!({"entity": "contact", "id": "C-9", "email": "ann@example.com",
                               "firstName": "Ann", "lastName": "Lee"});
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the person's history", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    // A refresh that worked says so: the profile's own "updated" time need not change.
    assert!(root.query_selector(".refreshed").unwrap().is_none());
    let refresh = root
        .query_selector("[aria-label='Refresh marketing data']")
        .unwrap()
        .unwrap();
    click(&refresh);
    wait_for("the refresh said", || {
        root.query_selector(".refreshed")
            .unwrap()
            .is_some_and(|time| text(&time) == "now")
    })
    .await;
    failing.set(true);
    click(
        &root
            .query_selector("[aria-label='Refresh marketing data']")
            .unwrap()
            .unwrap(),
    );
    wait_for("the failed refresh", || {
        text(&root).contains("Profile: Marketing is having trouble (error 503)")
    })
    .await;
    TimeoutFuture::new(50).await;
    let shown = text(&root);
    assert!(shown.contains("Score 42"), "{shown}");
    assert!(!shown.contains("not yet known"), "{shown}");
    assert_eq!(all(&root, "li.activity-row").len(), 4, "{shown}");
    mounted.destroy();
}

/// The template list fails for a search: the error and its retry take the list's place, and
/// the search box stays, so the rep can change what they asked for.
#[wasm_bindgen_test]
async fn a_failed_template_search_keeps_the_search_box() {
    let api = FakeApi::install(|path, auth| {
        if path.starts_with("/v1/templates?q=boom") {
            return (
                503,
                r#"{"error":{"code":"internal","message":"down"}}"#.to_owned(),
            );
        }
        if path.starts_with("/v1/templates?") {
            return (
                200,
                r#"{"folders":["General"],"items":[{"id":1,"folder":"General",
                    "name":"Welcome","subject":"Hi {{firstName}}"}]}"#
                    .to_owned(),
            );
        }
        lead_api(path, auth)
    });
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    let mut message = context("L-1", "t-1");
    message["view"] = json!("send");
    receive(HOST, Some(&parent()), &js(message));
    let root = mounted.root.clone();
    wait_for("the template list", || {
        root.query_selector("[data-template-id='1']")
            .unwrap()
            .is_some()
    })
    .await;
    let search = root.query_selector("#template-search").unwrap().unwrap();
    assert_eq!(search.get_attribute("maxlength").as_deref(), Some("200"));
    type_into(&search, "boom");
    wait_for("the failure", || {
        text(&root).contains("Marketing is having trouble (error 503)")
    })
    .await;
    let still = root.query_selector("#template-search").unwrap();
    assert!(still.is_some(), "the search box stays");
    type_into(&still.unwrap(), "wel");
    wait_for("the list for the new search", || {
        api.urls()
            .iter()
            .any(|url| url.starts_with("/v1/templates?q=wel"))
            && root
                .query_selector("[data-template-id='1']")
                .unwrap()
                .is_some()
            && root.query_selector(".is-stale").unwrap().is_none()
    })
    .await;
    assert!(!text(&root).contains("error 503"), "{}", text(&root));
    mounted.destroy();
}

/// Clearing a search that matched no program keeps the search box, and the focus in it: the
/// "No programs available" page is for a tenant with no program at all, not for the moment
/// before the unfiltered list comes back.
#[wasm_bindgen_test]
async fn clearing_a_search_that_matched_nothing_keeps_the_focus_in_the_search_box() {
    let _api = FakeApi::install(programs_view_api);
    let mounted = open_programs_view().await;
    let root = mounted.root.clone();
    let search = root.query_selector("#programs-search").unwrap().unwrap();
    search
        .dyn_ref::<web_sys::HtmlElement>()
        .unwrap()
        .focus()
        .unwrap();
    type_into(&search, "zzz");
    wait_for("no match", || text(&root).contains("No program matches")).await;
    type_into(&search, "");
    wait_for("the whole list again", || {
        root.query_selector("#program-1").unwrap().is_some()
    })
    .await;
    assert!(search.is_connected(), "the same search box");
    assert_eq!(document().active_element().as_ref(), Some(&search));
    assert!(!text(&root).contains("No programs available"));
    mounted.destroy();
}

// ---- the live feed ----------------------------------------------------------------------

/// A server-sent events body: `position` at `cursor`, then `more`.
fn feed_body(cursor: u32, more: &str) -> String {
    format!("event: position\nid: {cursor}\ndata: {{\"cursor\":\"{cursor}\"}}\n\n: keep-alive\n\n{more}")
}

/// Answers the live feed's first request with `first`; later ones stay open without news.
fn feed_once(first: String) -> impl Fn(&str, &str) -> Option<(u16, String)> {
    let answered = Cell::new(false);
    move |_, _| (!answered.replace(true)).then(|| (200, first.clone()))
}

#[wasm_bindgen_test]
async fn a_new_activity_from_the_feed_tops_the_history_and_a_drop_resumes_after_its_cursor() {
    // Split where a network could split it: inside the JSON of the activity.
    let activity = r#"{"cursor":"11","entity":"lead","crmId":"L-1","activity":{"id":11,
        "kind":"pageVisit","occurredAt":"2026-03-11T08:00:00Z","subject":"Live pricing",
        "url":"https://example.com/pricing"}}"#
        .replace('\n', "");
    let body = feed_body(
        10,
        &format!("event: activity\nid: 11\ndata: {activity}\n\n"),
    );
    let api = FakeApi::install_with_feed(
        move |path, auth| Some(lead_api(path, auth)),
        feed_once(body),
    );
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();

    wait_for("the new row on top, marked new", || {
        all(&root, "li.activity-row").first().is_some_and(|row| {
            text(row).contains("Live pricing")
                && row.query_selector(".badge-new").unwrap().is_some()
        })
    })
    .await;
    assert_eq!(all(&root, "li.activity-row").len(), 5);
    assert_eq!(
        all(&root, ".badge-new").len(),
        1,
        "only the new one is marked"
    );
    assert!(
        all(&root, "button.new-chip").is_empty(),
        "at the top of the list, no chip"
    );

    // The body ended (a drop): the feed comes back after the last activity it got.
    wait_for("a reconnection", || api.feed.borrow().len() == 2).await;
    let feed: Vec<(String, String)> = api
        .feed
        .borrow()
        .iter()
        .map(|(path, auth, _)| (path.clone(), auth.clone()))
        .collect();
    assert_eq!(
        feed,
        [
            (
                "/v1/events?record=lead/L-1&email=ann%40example.com".to_owned(),
                "Bearer t-1".to_owned()
            ),
            (
                "/v1/events?record=lead/L-1&email=ann%40example.com&after=11".to_owned(),
                "Bearer t-1".to_owned()
            ),
        ],
        "the token only in the header"
    );
    // Not live until the new stream says where it stands.
    let stamp = one(&root, ".record-header .freshness");
    assert!(
        text(&stamp).starts_with("Reconnecting\u{2026} last update "),
        "{}",
        text(&stamp)
    );
    assert_eq!(stamp.get_attribute("data-live").as_deref(), Some("false"));

    // Leaving the record closes the stream.
    let open = Clone::clone(&api.feed.borrow()[1].2);
    assert!(!open.signal().aborted());
    mounted.app.destroy();
    yew::scheduler::flush().await;
    assert!(open.signal().aborted(), "the stream is aborted on unmount");
    mounted.root.remove();
}

#[wasm_bindgen_test]
async fn a_token_that_expires_mid_stream_is_renewed_and_the_feed_resumes_where_it_was() {
    let expired = feed_body(
        10,
        "event: error\ndata: {\"error\":{\"code\":\"tokenExpired\",\"message\":\"token expired\"}}\n\n",
    );
    let api = FakeApi::install_with_feed(
        move |path, auth| Some(lead_api(path, auth)),
        move |_, auth| (auth == "Bearer t-1").then(|| (200, expired.clone())),
    );
    let mounted = mount_bridge(html! { <Sidebar /> }).await;
    receive(HOST, Some(&parent()), &js(context("L-1", "t-1")));
    let root = mounted.root.clone();
    let host = mounted.host();
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    wait_for("a token request", || {
        host.bridge.pending_token_requests().len() == 1
    })
    .await;
    let pending = host.bridge.pending_token_requests();
    receive(
        HOST,
        Some(&parent()),
        &js(
            json!({"protocol": "crm-sidebar/1", "type": "token", "id": pending[0],
                   "token": "t-2", "expiresAt": "2030-01-01T00:00:00Z"}),
        ),
    );
    wait_for("the feed with the new token", || {
        api.feed.borrow().len() == 2
    })
    .await;
    let (path, auth, _) = Clone::clone(&api.feed.borrow()[1]);
    assert_eq!(auth, "Bearer t-2");
    assert!(path.ends_with("&after=10"), "{path}");
    assert!(!text(&root).contains("session expired"));
    mounted.destroy();
}

// ---- CRM notes, acknowledged ------------------------------------------------------------

/// The host's answer to note `id`: `activityLogged`, or `activityError` with `message`.
fn note_answer(id: &str, error: Option<&str>) -> JsValue {
    js(match error {
        None => json!({"protocol": "crm-sidebar/1", "type": "activityLogged", "id": id}),
        Some(message) => json!({"protocol": "crm-sidebar/1", "type": "activityError",
                                "id": id, "message": message}),
    })
}

/// A note is saved, not saved, or unknown as the host answers its `noteId`, or does not in
/// time; an answer of another kind, or from elsewhere, settles nothing.
#[wasm_bindgen_test]
async fn a_note_is_settled_by_the_answer_to_its_own_id_or_is_unknown() {
    use crm_sidebar::domain::crm_notes::NoteState;
    let mounted = mount_bridge(html! {}).await;
    let bridge = mounted.host().bridge;
    let note = |timeout| {
        bridge.log_activity(
            Entity::Lead,
            "L-1".into(),
            "Sent Email: Offer".into(),
            "Body".into(),
            timeout,
        )
    };
    let saved = note(10_000);
    let refused = note(10_000);
    let unanswered = note(50);
    let ids = bridge.pending_notes();
    assert_eq!(ids.len(), 3, "{ids:?}");
    // A token answer, or an answer from another origin, does not settle a note.
    receive(
        HOST,
        Some(&parent()),
        &js(json!({"protocol": "crm-sidebar/1", "type": "tokenError", "id": ids[0]})),
    );
    receive(
        "http://evil.example",
        Some(&parent()),
        &note_answer(&ids[0], None),
    );
    assert_eq!(bridge.pending_notes(), ids);

    receive(HOST, Some(&parent()), &note_answer(&ids[0], None));
    receive(
        HOST,
        Some(&parent()),
        &note_answer(&ids[1], Some("the subject is too long")),
    );
    assert_eq!(saved.await, NoteState::Saved);
    assert_eq!(
        refused.await,
        NoteState::NotSaved("the subject is too long".into())
    );
    assert_eq!(unanswered.await, NoteState::Unknown);
    assert!(bridge.pending_notes().is_empty());
    // A late answer is harmless.
    receive(HOST, Some(&parent()), &note_answer(&ids[2], None));
    mounted.destroy();
}

#[derive(Properties, PartialEq)]
struct NotesHarnessProps {
    response: Rc<crm_sidebar::wire::SendResponse>,
    seen: Callback<crm_sidebar::plugin::views::send::SentNotes>,
}

/// A send's results under the notes' log, which gives the host 50 ms to answer.
#[component]
fn NotesHarness(props: &NotesHarnessProps) -> Html {
    use crm_sidebar::plugin::views::send::results::SendResults;
    use crm_sidebar::plugin::views::send::{use_sent_notes_provider, SentNotes};
    let notes = use_sent_notes_provider(50);
    props.seen.emit(notes.clone());
    html! {
        <FormatsProvider locale="en-GB" time_zone="Europe/Berlin">
            <ContextProvider<SentNotes> context={notes}>
                <SendResults response={props.response.clone()} replayed={false}
                    on_retry={None::<Callback<()>>} on_new={Callback::noop()} />
            </ContextProvider<SentNotes>>
        </FormatsProvider>
    }
}

/// Each recipient's note shows what the CRM said of it; one it did not save is kept with a
/// Retry that posts it again as it was, one it did not confirm until the user dismisses it.
#[wasm_bindgen_test]
async fn the_results_show_each_note_saved_not_saved_with_retry_or_unknown() {
    let errors = UncaughtErrors::watch();
    let results: Vec<serde_json::Value> = (1..=3)
        .map(|i| {
            json!({"entity": "lead", "crmId": format!("L-{i}"), "name": format!("Person {i}"),
                   "email": format!("p{i}@example.com"), "outcome": "sent",
                   "subject": "Offer"})
        })
        .collect();
    let response: crm_sidebar::wire::SendResponse = serde_json::from_value(json!({
        "id": 1, "campaignId": "SEND-1", "templateId": 1, "createdAt": "2026-03-10T12:00:00Z",
        "results": results, "remainingToday": 800, "limitResetsAt": "2026-03-11T00:00:00Z"
    }))
    .unwrap();
    let notes = Rc::new(RefCell::new(None));
    let seen = {
        let notes = notes.clone();
        Callback::from(move |seen| *notes.borrow_mut() = Some(seen))
    };
    let mounted = mount_bridge_with(
        html! { <NotesHarness response={Rc::new(response)} {seen} /> },
        "display:flex;flex-direction:column;height:480px;width:360px",
        10_000,
    )
    .await;
    let bridge = mounted.host().bridge;
    let log = notes.borrow().clone().unwrap();
    let long = format!("Sent Email: {}", "é".repeat(300));
    for crm_id in ["L-1", "L-2", "L-3"] {
        log.post(
            &bridge,
            Entity::Lead,
            crm_id.into(),
            (long.clone(), "Body".into()),
            255,
        );
    }
    let ids = bridge.pending_notes();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let root = mounted.root.clone();
    let badge = move |crm_id: &str| {
        root.query_selector(&format!("[data-crm-id='{crm_id}'] .send-result-note"))
            .unwrap()
            .and_then(|b| b.get_attribute("data-note"))
    };
    wait_for("notes saving", || badge("L-1").as_deref() == Some("saving")).await;
    // The subject was fitted, the full one kept in the body.
    let kept = notes.borrow().clone().unwrap();
    let note = kept.log().latest(Entity::Lead, "L-2").unwrap();
    assert_eq!(note.subject.encode_utf16().count(), 255);
    assert!(note.body.starts_with(&long), "{}", note.body);

    receive(HOST, Some(&parent()), &note_answer(&ids[0], None));
    receive(
        HOST,
        Some(&parent()),
        &note_answer(&ids[1], Some("the subject is too long.")),
    );
    wait_for("every note settled", || {
        badge("L-1").as_deref() == Some("saved")
            && badge("L-2").as_deref() == Some("notSaved")
            && badge("L-3").as_deref() == Some("unknown")
    })
    .await;
    let unsaved = text(&one(&mounted.root, ".send-notes-unsaved"));
    assert!(
        unsaved.contains("The CRM did not save the note for this email: the subject is too long."),
        "{unsaved}"
    );
    let unknown = text(&one(&mounted.root, ".send-notes-unknown"));
    assert!(
        unknown.contains("did not say whether it saved"),
        "{unknown}"
    );

    click(&one(&mounted.root, "#send-notes-retry"));
    yew::scheduler::flush().await;
    let again = bridge.pending_notes();
    assert_eq!(again.len(), 1, "one note posted again: {again:?}");
    wait_for("the retried note saving", || {
        badge("L-2").as_deref() == Some("saving")
    })
    .await;
    receive(HOST, Some(&parent()), &note_answer(&again[0], None));
    wait_for("the retried note saved", || {
        badge("L-2").as_deref() == Some("saved")
    })
    .await;
    assert!(mounted
        .root
        .query_selector(".send-notes-unsaved")
        .unwrap()
        .is_none());

    click(&one(&mounted.root, "#send-notes-unknown-dismiss"));
    wait_for("the unknown note dismissed", || badge("L-3").is_none()).await;
    assert!(mounted
        .root
        .query_selector(".send-notes-unknown")
        .unwrap()
        .is_none());
    assert_eq!(errors.messages(), Vec::<String>::new());
    mounted.destroy();
}

// ---- cheap checks first -----------------------------------------------------------------

/// A message from elsewhere is ignored before it is copied (its `toJSON` never runs); one from
/// the host over 1 MB is ignored unread, and the bridge still listens.
#[wasm_bindgen_test]
async fn a_message_is_checked_for_origin_and_source_before_it_is_read_and_over_1_mb_ignored() {
    let mounted = mount_bridge(html! {}).await;
    let counted: js_sys::Function = js_sys::Function::new_no_args(
        "window.__read = 0;
         return { toJSON() { window.__read += 1; return {}; } };",
    );
    let data = counted.call0(&JsValue::NULL).unwrap();
    let read = || {
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__read".into())
            .unwrap()
            .as_f64()
    };
    receive("http://evil.example", Some(&parent()), &data);
    receive(HOST, None, &data);
    assert_eq!(read(), Some(0.0), "a message from elsewhere was read");
    // The same message from the host is read, so the count would have shown it.
    receive(HOST, Some(&parent()), &data);
    assert_eq!(read(), Some(1.0));

    let mut huge = context("L-1", "t-1");
    huge["padding"] = json!("x".repeat(1 << 20));
    receive(HOST, Some(&parent()), &js(huge));
    yew::scheduler::flush().await;
    assert_eq!(mounted.probe(), "waiting", "a message over 1 MB was taken");
    receive(HOST, Some(&parent()), &js(context("L-2", "t-1")));
    yew::scheduler::flush().await;
    assert_eq!(mounted.probe(), "L-2");
    mounted.destroy();
}

// ---- very long values -------------------------------------------------------------------

/// Record data of any length stays cheap to lay out: 20 expanded activities, each with a
/// 9,800-character value without a space, show the start of each value with "Show all" and stay
/// a few lines tall at any width (drawn whole, each made a row thousands of pixels tall and a
/// layout took about a second; how long a layout takes is the benchmarks' to say, not a test's,
/// which a busy machine would fail). "Show all" shows the whole value, wrapped.
#[wasm_bindgen_test]
async fn twenty_expanded_rows_with_very_long_values_stay_a_few_lines_tall() {
    let long = "x".repeat(9_800);
    let mut page: serde_json::Value = serde_json::from_str(&long_page(20, None)).unwrap();
    for item in page["items"].as_array_mut().unwrap() {
        item["kind"] = json!("formSubmitted");
        item["details"] = json!({"formName": "Contact us",
            "formFields": [{"name": "Message", "value": long}]});
    }
    let style = "display:flex;flex-direction:column;height:4000px;width:320px";
    let (root, app) = mount_list(history_of(&page.to_string()), style).await;
    for position in 1..=20 {
        let summary = format!("li[aria-posinset='{position}'] button.activity-summary");
        let shown = root.clone();
        wait_for("the row", move || {
            shown.query_selector(&summary).unwrap().is_some()
        })
        .await;
        click(&one(
            &root,
            &format!("li[aria-posinset='{position}'] button.activity-summary"),
        ));
        yew::scheduler::flush().await;
    }
    let shown = root.clone();
    wait_for("20 expanded rows", move || {
        all(&shown, ".detail-show-all").len() == 20
    })
    .await;

    // Another width: every line of every row is laid out again.
    root.set_attribute("style", &style.replace("320px", "300px"))
        .unwrap();
    let height = one(&root, ".history-scroll").scroll_height();
    // Drawn whole, each row was 6,000 px or more.
    assert!(height < 20 * 300, "the list is {height} px tall");
    for row in all(&root, "li[aria-posinset]") {
        let tall = row.get_bounding_client_rect().height();
        assert!(tall < 300.0, "a row is {tall:.0} px tall");
    }
    let value = one(&root, "li[aria-posinset='1'] .activity-details dd");
    assert!(
        value.scroll_width() <= value.client_width() + 1,
        "nothing runs past the edge"
    );

    click(&one(&root, "li[aria-posinset='1'] .detail-show-all"));
    // The form's answer, not its name, which comes first.
    let answer = {
        let root = root.clone();
        move || {
            all(&root, "li[aria-posinset='1'] .activity-details dd")
                .into_iter()
                .find(|dd| text(dd).starts_with("xxx"))
        }
    };
    let whole = answer.clone();
    wait_for("the whole value", move || {
        whole().is_some_and(|dd| text(&dd).len() == 9_800)
    })
    .await;
    let value = answer().unwrap();
    assert!(value.scroll_width() <= value.client_width() + 1, "it wraps");
    app.destroy();
    root.remove();
}

// ---- 429 -------------------------------------------------------------------------------

/// A 429 with a short `Retry-After` is waited out and asked again once, by itself: the user
/// sees the rows without a click. A second 429 is the error, with its retry; no third request.
#[wasm_bindgen_test]
async fn a_rate_limited_request_waits_for_retry_after_and_retries_once_by_itself() {
    RETRY_AFTER_SECONDS.with(|s| s.set(1));
    let refusals = Rc::new(Cell::new(1));
    let api = FakeApi::install({
        let refusals = refusals.clone();
        move |path, auth| {
            if path.contains("/activities") && refusals.get() > 0 {
                refusals.set(refusals.get() - 1);
                (
                    429,
                    r#"{"error":{"code":"rateLimited","message":"slow down"}}"#.to_owned(),
                )
            } else {
                lead_api(path, auth)
            }
        }
    });
    let performance = web_sys::window().unwrap().performance().unwrap();
    let started = performance.now();
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the rows, without a click", || {
        all(&root, "li.activity-row").len() == 4
    })
    .await;
    assert!(
        performance.now() - started >= 1000.0,
        "asked again before Retry-After"
    );
    assert_eq!(api.activity_urls().len(), 2, "{:?}", api.activity_urls());
    assert!(root.query_selector("[role=alert]").unwrap().is_none());
    mounted.destroy();

    // Refused twice: the error, after one retry only.
    refusals.set(2);
    let mounted = mount_history().await;
    let root = mounted.root.clone();
    wait_for("the error", || {
        root.query_selector("[role=alert]").unwrap().is_some()
    })
    .await;
    let alert = text(&one(&root, "[role=alert]"));
    assert!(
        alert.contains("Too many requests. Try again in 1 s."),
        "{alert}"
    );
    assert_eq!(api.activity_urls().len(), 4, "{:?}", api.activity_urls());
    click(&one(&root, "[role=alert] button"));
    wait_for("the rows", || all(&root, "li.activity-row").len() == 4).await;
    RETRY_AFTER_SECONDS.with(|s| s.set(7));
    mounted.destroy();
}

// ---- the dashboard's website visitors ---------------------------------------------------

/// Visitors in each page the stand-in API answers, and its pages.
const VISITORS_PER_PAGE: usize = 100;
const VISITOR_PAGES: usize = 5;

fn dashboard_context() -> serde_json::Value {
    let mut message = context("L-1", "t-1");
    message["view"] = json!("dashboard");
    message["record"] = json!(null);
    message
}

/// Visitor `i` of 500, most recent first: the first three on the site now, the rest two days
/// ago and earlier, a minute apart.
fn visitor_json(i: usize, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let (at, active) = if i < 3 {
        (now - chrono::Duration::minutes(1), true)
    } else {
        (
            now - chrono::Duration::days(2) - chrono::Duration::minutes(i as i64),
            false,
        )
    };
    let page = json!({"activityId": 10_000 - i, "url": "https://example.com/pricing",
        "title": format!("Pricing {i}"), "viewedAt": at.to_rfc3339()});
    json!({"entity": "lead", "crmId": format!("V-{i}"), "firstName": format!("Visitor{i}"),
        "lastName": null, "email": null, "company": "Northwind",
        "owner": {"id": 7, "crmUser": "u1", "name": "Rep", "role": "rep"},
        "lastPage": page, "activeNow": active, "pages": [page], "visits30Days": 1})
}

/// The dashboard of a rep: no sends, and 500 visitors a page of 100 at a time (cursor `v<n>`
/// for page `n`).
fn dashboard_api(path: &str, _auth: &str) -> (u16, String) {
    let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap();
    let owner = json!({"id": 7, "crmUser": "u1", "name": "Rep", "role": "rep"});
    if path.starts_with("/v1/me") {
        let me = json!({"user": owner, "tenant": {"id": 1, "name": "Northwind"}, "team": []});
        return (200, me.to_string());
    }
    if path.starts_with("/v1/sends") {
        let sends = json!({"owners": [owner], "items": [], "nextCursor": null});
        return (200, sends.to_string());
    }
    if path.starts_with("/v1/visitors") {
        let page: usize = path
            .split_once("cursor=v")
            .map_or(0, |(_, n)| n.parse().unwrap());
        let items: Vec<_> = (page * VISITORS_PER_PAGE..(page + 1) * VISITORS_PER_PAGE)
            .map(|i| visitor_json(i, now))
            .collect();
        let next = (page + 1 < VISITOR_PAGES).then(|| format!("v{}", page + 1));
        let answer = json!({"owners": [owner], "items": items, "since": now.to_rfc3339(),
            "generatedAt": now.to_rfc3339(), "nextCursor": next});
        return (200, answer.to_string());
    }
    (
        404,
        r#"{"error":{"code":"notFound","message":"no"}}"#.to_owned(),
    )
}

/// 500 visitors a page at a time: the DOM never holds more than 100 of them, scrolling to the
/// end asks for each next page by its cursor once, the keyboard's focus stays in the list when
/// its row scrolls out, and Refresh asks for the first page only.
#[wasm_bindgen_test]
async fn website_visitors_come_a_page_at_a_time_and_only_those_in_view_are_drawn() {
    load_styles();
    let api = FakeApi::install(dashboard_api);
    let mounted = mount_bridge_with(
        html! { <Sidebar /> },
        "display:flex;flex-direction:column;height:600px;width:320px",
        10_000,
    )
    .await;
    receive(HOST, Some(&parent()), &js(dashboard_context()));
    let root = mounted.root.clone();
    wait_for("the visitors", || {
        root.query_selector(".visitor[data-crm-id='V-0']")
            .unwrap()
            .is_some()
    })
    .await;
    let visitor_urls = || -> Vec<String> {
        api.calls
            .borrow()
            .iter()
            .map(|(path, _)| path.clone())
            .filter(|path| path.starts_with("/v1/visitors"))
            .collect()
    };
    assert_eq!(visitor_urls(), ["/v1/visitors?owner=me"]);
    // The groups' headings are rows of the list: on the site now first, then the week.
    let headings: Vec<String> = all(&root, ".visitor-list h3").iter().map(text).collect();
    assert_eq!(headings, ["On the site now", "This week"]);
    assert!(one(&root, ".visitor[data-crm-id='V-0']")
        .get_attribute("class")
        .unwrap_or_default()
        .contains("visitor-now"));
    assert!(one(&root, ".visitor[data-crm-id='V-3']")
        .get_attribute("class")
        .unwrap_or_default()
        .contains("visitor-week"));

    // The list scrolls in its section, as at 320 px.
    let scroller = one(&root, ".visitors-section .dashboard-section-body");
    scroller
        .set_attribute("style", "max-height:400px;overflow:auto")
        .unwrap();
    let first = one(&root, ".visitor[data-crm-id='V-0'] .visitor-name")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    first.focus().unwrap();
    assert_eq!(active_element().as_ref(), Some(first.as_ref()));

    let last = format!("V-{}", VISITORS_PER_PAGE * VISITOR_PAGES - 1);
    let mut most = 0;
    for _ in 0..600 {
        scroller.set_scroll_top(scroller.scroll_height());
        scroller
            .dispatch_event(&Event::new("scroll").unwrap())
            .unwrap();
        yew::scheduler::flush().await;
        TimeoutFuture::new(10).await;
        let rows = all(&root, ".visitor");
        most = most.max(rows.len());
        assert!(rows.len() <= 100, "{} visitors in the DOM", rows.len());
        if rows
            .iter()
            .any(|row| row.get_attribute("data-crm-id").as_deref() == Some(last.as_str()))
        {
            break;
        }
    }
    assert!(
        root.query_selector(&format!(".visitor[data-crm-id='{last}']"))
            .unwrap()
            .is_some(),
        "the last visitor was never drawn"
    );
    assert!(most > 3, "{most} rows at most");
    let mut wanted = vec!["/v1/visitors?owner=me".to_owned()];
    wanted.extend((1..VISITOR_PAGES).map(|n| format!("/v1/visitors?owner=me&cursor=v{n}")));
    assert_eq!(visitor_urls(), wanted, "each next page once, by its cursor");
    let ids: BTreeSet<String> = all(&root, ".visitor")
        .iter()
        .filter_map(|row| row.get_attribute("data-crm-id"))
        .collect();
    assert_eq!(ids.len(), all(&root, ".visitor").len(), "none drawn twice");
    assert!(!text(&root).contains("Loading earlier visitors"));

    // The row that had focus left the DOM; focus stayed in the view.
    assert!(!first.is_connected());
    TimeoutFuture::new(20).await;
    assert!(focus_is_in(&root), "focus fell to {:?}", active_element());

    // Refresh (as a live page view does) asks for the first page only.
    click(&one(&root, "#visitors-refresh"));
    wait_for("the first page again", || {
        visitor_urls().len() > wanted.len()
    })
    .await;
    assert_eq!(visitor_urls()[wanted.len()], "/v1/visitors?owner=me");
    mounted.destroy();
}

/// The visitors' states: a first page that fails says why with Try again; a refresh that fails
/// keeps the visitors shown under a compact notice; nobody says how visitors become known.
#[wasm_bindgen_test]
async fn website_visitors_say_why_they_failed_and_keep_what_a_failed_refresh_had() {
    // 0: fails, 1: answers, 2: nobody.
    let mode = Rc::new(Cell::new(0u8));
    let _api = FakeApi::install({
        let mode = mode.clone();
        move |path, auth| match mode.get() {
            0 if path.starts_with("/v1/visitors") => (
                503,
                r#"{"error":{"code":"internal","message":"down"}}"#.to_owned(),
            ),
            2 if path.starts_with("/v1/visitors") => {
                let (status, body) = dashboard_api(path, auth);
                let mut answer: serde_json::Value = serde_json::from_str(&body).unwrap();
                answer["items"] = json!([]);
                answer["nextCursor"] = json!(null);
                (status, answer.to_string())
            }
            _ => dashboard_api(path, auth),
        }
    });
    let mounted = mount_bridge_with(html! { <Sidebar /> }, "width:320px", 10_000).await;
    receive(HOST, Some(&parent()), &js(dashboard_context()));
    let root = mounted.root.clone();
    let section = || one(&root, ".visitors-section");
    wait_for("the error", || {
        section()
            .query_selector(".error-panel button")
            .unwrap()
            .is_some()
    })
    .await;
    assert!(all(&section(), ".visitor").is_empty());
    mode.set(1);
    click(&one(&section(), ".error-panel button"));
    wait_for("the visitors", || !all(&section(), ".visitor").is_empty()).await;
    assert!(section().query_selector(".error-panel").unwrap().is_none());

    mode.set(0);
    click(&one(&root, "#visitors-refresh"));
    wait_for("the refresh to fail", || {
        text(&section()).contains("Couldn't refresh the visitors")
    })
    .await;
    assert!(text(&section()).contains("These are from before."));
    assert!(
        !all(&section(), ".visitor").is_empty(),
        "the visitors from before stay"
    );

    mode.set(2);
    click(&one(&section(), ".error-panel button"));
    wait_for("nobody", || {
        text(&section()).contains("No known visitors this week")
    })
    .await;
    assert!(all(&section(), ".visitor").is_empty());
    assert!(section().query_selector(".error-panel").unwrap().is_none());
    mounted.destroy();
}
