//! One interaction of a bucket: its kind, when, what about, and its details. Every value is
//! record data and is rendered as text; only `http(s)` URLs become links.

use yew::prelude::*;

use crate::domain::activity_details::{detail_lines, kind_glyph, summary};
use crate::plugin::components::detail_line::detail_line;
use crate::plugin::intl::Formats;
use crate::wire::Activity;

/// `activity` as an item of the bucket's list, keyed by its id.
pub fn interaction_item(formats: &Formats, activity: &Activity) -> Html {
    let at = activity.occurred_at;
    let kind = activity.kind;
    html! {
        <li key={activity.id} class="interaction" data-activity-id={activity.id.to_string()}>
            <div class="interaction-head">
                <span class={classes!("kind-icon", format!("kind-{}", kind.as_str()))} aria-hidden="true">
                    { kind_glyph(kind) }
                </span>
                <span class="interaction-kind">{ kind.label() }</span>
                <time class="interaction-time" datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
            </div>
            if let Some(text) = summary(activity) {
                <p class="interaction-subject">{ text.to_owned() }</p>
            }
            <dl class="interaction-details">
                { for detail_lines(activity).into_iter().map(|line| detail_line(line, "interaction-detail")) }
            </dl>
        </li>
    }
}
