//! The first or the last interaction of a record's whole history: what, and when.

use yew::prelude::*;

use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::wire::Interaction;

#[derive(Properties, PartialEq)]
pub struct EdgeInteractionProps {
    pub title: AttrValue,
    pub interaction: Option<Interaction>,
}

#[component]
pub fn EdgeInteraction(props: &EdgeInteractionProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let content = match &props.interaction {
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
                        { format!(" \u{00B7} {}", formats.relative(&at, &now)) }
                    </p>
                </>
            }
        }
    };
    html! {
        <div class="edge">
            <h2 class="edge-title">{ props.title.clone() }</h2>
            { content }
        </div>
    }
}
