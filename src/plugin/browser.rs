//! What the plugin asks of the browser itself, beside the DOM Yew draws: the window, the
//! clock, random keys, focus after a render, and performance marks for the host's and the
//! benchmarks' timings.

/// The window the plugin runs in (its frame's).
pub(crate) fn window() -> web_sys::Window {
    web_sys::window().expect("the plugin runs in a browser window")
}

/// `crypto.randomUUID()`, or random hex where the browser lacks it.
#[cfg(feature = "views-actions")]
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
#[cfg(feature = "views-actions")]
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
#[cfg(feature = "views-record")]
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
