//! The freshness stamp of a view the live feed keeps up to date: "Live" while the feed is
//! connected, "Reconnecting…" with the time of the last update (in the user's locale and time
//! zone) while it is not. A function, not a component: it has no state of its own, and each
//! component costs the wasm its own machinery.

use yew::prelude::*;

use crate::plugin::hooks::live_feed::Freshness;
use crate::plugin::intl::Formats;

pub fn freshness_stamp(formats: &Formats, freshness: Freshness) -> Html {
    let Freshness { live, last_update } = freshness;
    let text = match (live, last_update) {
        (true, _) => "Live".to_owned(),
        (false, Some(at)) => format!("Reconnecting… last update {}", formats.time_of_day(&at)),
        (false, None) => "Connecting…".to_owned(),
    };
    let title = last_update.map(|at| formats.date_time(&at));
    html! {
        <span
            class={classes!("freshness", live.then_some("is-live"))}
            data-live={if live { "true" } else { "false" }}
            {title}
        >
            { text }
        </span>
    }
}
