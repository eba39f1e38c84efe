//! The Yew app shown in the CRM's iframe (wasm only).
//!
//! - [`app`]: the entry component, the allow-list gate and the choice of view.
//! - [`host`]: the host as components see it ([`host::use_host`]): the bridge and the session,
//!   wired together, and the host's last context.
//! - [`bridge`]: `postMessage` with the host, and nothing else.
//! - [`session`]: the token's life and the retry after a renewal.
//! - [`api`]: the marketing platform API and its error type.
//! - [`fetcher`]: how a view asks the API (a 429 waited out once).
//! - `first_page`: the history's first page, asked for as the context arrives (sidebar bundle).
//! - [`browser`]: what the plugin asks of the browser itself: the window, the clock, random keys,
//!   focus after a render and performance marks.
//! - [`intl`]: dates and relative times in the user's locale and time zone.
//! - [`focus`]: keyboard focus kept in the view when its control goes away.
//! - [`hooks`]: a request tied to its view ([`hooks::use_fetch`]) and a list the API serves a
//!   page at a time ([`hooks::use_pages`]).
//! - [`views`]: the views the host shows, a folder each.
//! - [`components`]: the widgets the views share, one per file.

pub mod api;
pub mod app;
pub mod bridge;
pub mod browser;
pub mod components;
pub mod fetcher;
#[cfg(feature = "views-record")]
pub mod first_page;
pub mod focus;
pub mod hooks;
pub mod host;
pub mod intl;
pub mod session;
pub mod views;

use web_sys::UrlSearchParams;

use browser::window;

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
