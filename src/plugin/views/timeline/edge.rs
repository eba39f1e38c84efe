//! The first or the last interaction of a record's whole history: what, and when.

use chrono::{DateTime, Utc};
use yew::prelude::*;

use crate::plugin::intl::Formats;
use crate::wire::Interaction;

/// The interaction under `title` ("First email", say), or "None yet"; `now` for how long ago.
pub fn edge_interaction(
    formats: &Formats,
    now: &DateTime<Utc>,
    title: &'static str,
    interaction: Option<&Interaction>,
) -> Html {
    let content = match interaction {
        None => html! { <p class="edge-what">{ "None yet" }</p> },
        Some(interaction) => {
            let at = interaction.occurred_at;
            html! {
                <>
                    <p class="edge-what">
                        { interaction.kind.label() }
                        if let Some(subject) = interaction.subject.as_deref().filter(|s| !s.trim().is_empty()) {
                            <span class="edge-subject">{ format!(" \u{00B7} {subject}") }</span>
                        }
                    </p>
                    <p class="edge-when">
                        <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                        { format!(" \u{00B7} {}", formats.relative(&at, now)) }
                    </p>
                </>
            }
        }
    };
    html! {
        <div class="edge">
            <h2 class="edge-title">{ title }</h2>
            { content }
        </div>
    }
}
