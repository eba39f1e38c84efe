//! The ranking's own refresh: every 5 minutes while the tab is visible, and at once when the
//! tab comes back after longer.

use chrono::{DateTime, Utc};
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use web_sys::VisibilityState;
use yew::prelude::*;

use crate::plugin::browser::{clock, window};

/// How often a visible tab refreshes the ranking.
pub const REFRESH_MS: u32 = 5 * 60 * 1000;

/// Calls `on_stale` whenever the ranking generated at `generated_at` (none yet: never) has been
/// on screen for [`REFRESH_MS`] and the tab is visible.
#[hook]
pub fn use_refresh_every(generated_at: Option<DateTime<Utc>>, on_stale: Callback<()>) {
    use_effect_with(generated_at, move |generated_at| {
        let visible = || {
            window()
                .document()
                .map(|d| d.visibility_state() == VisibilityState::Visible)
                .unwrap_or(true)
        };
        // Measured on this browser's clock from when the ranking landed (this effect runs
        // right after it renders), so a server clock ahead of ours cannot skip a refresh.
        let loaded_at = generated_at.map(|_| clock::now());
        let stale = move || {
            loaded_at.is_some_and(|at| {
                // A second's slack: a timer may fire a hair early.
                (clock::now() - at).num_milliseconds() >= i64::from(REFRESH_MS) - 1000
            })
        };
        let tick = {
            let on_stale = on_stale.clone();
            Interval::new(REFRESH_MS, move || {
                if visible() && stale() {
                    on_stale.emit(());
                }
            })
        };
        let shown = window().document().map(|document| {
            EventListener::new(&document, "visibilitychange", move |_| {
                if visible() && stale() {
                    on_stale.emit(());
                }
            })
        });
        move || drop((tick, shown))
    });
}
