//! One interaction of a bucket: its kind, when, what about, and its details. Every value is
//! record data and is rendered as text; only `http(s)` URLs become links.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::activity_details::{detail_lines, kind_glyph, summary, DetailLine};
use crate::plugin::intl::use_formats;
use crate::wire::Activity;

#[derive(Properties, PartialEq)]
pub struct InteractionItemProps {
    pub activity: Rc<Activity>,
}

#[component]
pub fn InteractionItem(props: &InteractionItemProps) -> Html {
    let formats = use_formats();
    let activity = &props.activity;
    let at = activity.occurred_at;
    let kind = activity.kind;
    html! {
        <li class="interaction" data-activity-id={activity.id.to_string()}>
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
                { for detail_lines(activity).into_iter().map(detail) }
            </dl>
        </li>
    }
}

fn detail(line: DetailLine) -> Html {
    let value = match line.href {
        Some(href) => html! {
            <a {href} target="_blank" rel="noopener noreferrer">{ line.value }</a>
        },
        None => html! { { line.value } },
    };
    html! {
        <div class="interaction-detail">
            <dt>{ line.label }</dt>
            <dd>{ value }</dd>
        </div>
    }
}
