//! The freshness stamp of a view the live feed keeps up to date: "Live" while the feed is
//! connected, "Reconnecting…" with the time of the last update (in the user's locale and time
//! zone) while it is not.

use yew::prelude::*;

use crate::plugin::hooks::live_feed::Freshness;
use crate::plugin::intl::use_formats;

#[derive(Properties, PartialEq)]
pub struct FreshnessStampProps {
    pub freshness: Freshness,
}

#[component]
pub fn FreshnessStamp(props: &FreshnessStampProps) -> Html {
    let formats = use_formats();
    let Freshness { live, last_update } = props.freshness;
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
