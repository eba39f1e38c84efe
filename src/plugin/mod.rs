//! The Yew app shown in the CRM's iframe (wasm only).
//!
//! - [`app`]: the entry component, the allow-list gate and the choice of view.
//! - [`bridge`]: `postMessage` with the host, provided to components by [`bridge::use_host`].
//! - [`session`]: the token's life and the retry after a renewal.
//! - [`api`]: the marketing platform API and its error type.
//! - [`state`]: the activity history's reducer (its logic lives in [`crate::domain`]).
//! - [`intl`]: dates and relative times in the user's locale and time zone.
//! - [`focus`]: keyboard focus kept in the view when its control goes away.
//! - [`hooks`]: a request tied to its view ([`hooks::use_fetch`]) and a list the API serves a
//!   page at a time ([`hooks::use_pages`]).
//! - [`views`]: the views the host opens (Send, Programs, Hot prospects), a folder each.
//! - [`components`]: one component per file.

pub mod api;
pub mod app;
pub mod bridge;
pub mod components;
pub mod focus;
pub mod hooks;
pub mod intl;
pub mod session;
pub mod state;
pub mod views;

use web_sys::UrlSearchParams;

/// Mounts the app on `<body>`, reading the host origin from `?host=`.
pub fn start() {
    let host = window()
        .location()
        .search()
        .ok()
        .and_then(|search| UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("host"));
    yew::Renderer::<app::App>::with_props(app::AppProps {
        host: host.map(Into::into),
    })
    .render();
}

pub(crate) fn window() -> web_sys::Window {
    web_sys::window().expect("the plugin runs in a browser window")
}

/// `crypto.randomUUID()`, or random hex where the browser lacks it.
pub(crate) fn random_key() -> String {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsCast;
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    crypto
        .as_ref()
        .and_then(|c| Reflect::get(c, &"randomUUID".into()).ok())
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call0(crypto.as_ref()?).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| {
            (0..4)
                .map(|_| {
                    format!(
                        "{:08x}",
                        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
                    )
                })
                .collect()
        })
}

/// Moves keyboard focus to the element with `id` once the current render is on screen (for
/// when the focused control is about to disappear).
pub(crate) fn focus_after_render(id: impl Into<String>) {
    let id = id.into();
    gloo_timers::callback::Timeout::new(0, move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = window()
            .document()
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    })
    .forget();
}

/// `performance.mark(name)`, for the host's and the benchmarks' timings.
pub(crate) fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// `performance.mark(name)` unless it was marked before: a milestone of the page's life.
pub(crate) fn mark_once(name: &str) {
    if let Some(performance) = window().performance() {
        if performance.get_entries_by_name(name).length() == 0 {
            let _ = performance.mark(name);
        }
    }
}

/// The time, from the browser's clock (chrono's clock is not available on wasm32-unknown).
pub mod clock {
    use chrono::{DateTime, Utc};

    pub fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
}
