//! One detail of an activity (a clicked link, a page and the time on it, a form field): its
//! label and its value, as text; only an `http(s)` URL becomes a link, opened in a new tab. A
//! long value shows its start, with "Show all" for the rest.

use yew::prelude::*;

use crate::domain::activity_details::{clipped_value, DetailLine};

/// `line` as a `<dt>`/`<dd>` pair in a `<div class={class}>`, for a `<dl>`.
pub fn detail_line(line: DetailLine, class: &'static str) -> Html {
    html! {
        <div {class}>
            <dt>{ line.label }</dt>
            <DetailValue value={line.value} href={line.href} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct DetailValueProps {
    value: AttrValue,
    href: Option<AttrValue>,
}

/// A detail's value: only its start until the user asks for all of it, so record data of any
/// length lays out in about the time of four lines.
#[component]
fn DetailValue(props: &DetailValueProps) -> Html {
    let whole = use_state(|| false);
    let clipped = (!*whole).then(|| clipped_value(&props.value)).flatten();
    let shown = match clipped {
        Some(start) => AttrValue::from(format!("{start}\u{2026}")),
        None => props.value.clone(),
    };
    let value = match &props.href {
        Some(href) => html! {
            <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ shown }</a>
        },
        None => html! { { shown } },
    };
    html! {
        <dd>
            { value }
            if clipped.is_some() {
                { " " }
                <button type="button" class="link-button detail-show-all"
                    onclick={move |_| whole.set(true)}>{ "Show all" }</button>
            }
        </dd>
    }
}
