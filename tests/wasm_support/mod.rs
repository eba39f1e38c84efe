//! Find / act / check helpers shared by the browser tests (wasm-bindgen-test): waits are for
//! elements and state (`wait_for` flushes Yew's scheduler between tries), never for a fixed time.
#![allow(dead_code)]

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, KeyboardEventInit};

// ---- check ------------------------------------------------------------------------------

/// Counts what the page reports as uncaught while it lives: an exception thrown in an event
/// listener (a Rust panic in one is a trap) does not reach the test, only `window.onerror`.
pub struct UncaughtErrors {
    messages: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    _listener: gloo_events::EventListener,
}

impl UncaughtErrors {
    pub fn watch() -> UncaughtErrors {
        let messages = std::rc::Rc::<std::cell::RefCell<Vec<String>>>::default();
        let listener = {
            let messages = messages.clone();
            gloo_events::EventListener::new(&web_sys::window().unwrap(), "error", move |event| {
                let message = event
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(|e| e.message())
                    .unwrap_or_else(|| "an error event".to_owned());
                messages.borrow_mut().push(message);
            })
        };
        UncaughtErrors {
            messages,
            _listener: listener,
        }
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.borrow().clone()
    }
}

// ---- find -------------------------------------------------------------------------------

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let nodes = root.query_selector_all(selector).unwrap();
    (0..nodes.length())
        .filter_map(|i| nodes.get(i)?.dyn_into::<Element>().ok())
        .collect()
}

pub fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

pub fn text(root: &Element) -> String {
    root.text_content().unwrap_or_default()
}

// ---- act --------------------------------------------------------------------------------

/// The plugin's stylesheet, so elements have their real sizes and lists really scroll.
pub fn load_styles() {
    if document().get_element_by_id("sidebar-css").is_none() {
        let style = document().create_element("style").unwrap();
        style.set_id("sidebar-css");
        style.set_text_content(Some(include_str!("../../www/styles/sidebar.css")));
        document().head().unwrap().append_child(&style).unwrap();
    }
}

pub fn click(element: &Element) {
    if let Some(html) = element.dyn_ref::<web_sys::HtmlElement>() {
        return html.click();
    }
    // SVG elements have no `click()`: dispatch what a mouse would.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("click", &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

pub fn press(element: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

// ---- check ------------------------------------------------------------------------------

/// Flushes renders until `ready` holds, letting promises and timers run in between.
pub async fn wait_for(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..300 {
        yew::scheduler::flush().await;
        if ready() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("gave up waiting for {what}");
}
