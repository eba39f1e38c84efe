//! One detail of an activity (a clicked link, a page and the time on it, a form field): its
//! label and its value, as text; only an `http(s)` URL becomes a link, opened in a new tab.

use yew::prelude::*;

use crate::domain::activity_details::DetailLine;

/// `line` as a `<dt>`/`<dd>` pair in a `<div class={class}>`, for a `<dl>`.
pub fn detail_line(line: DetailLine, class: &'static str) -> Html {
    let value = match line.href {
        Some(href) => html! {
            <a {href} target="_blank" rel="noopener noreferrer">{ line.value }</a>
        },
        None => html! { { line.value } },
    };
    html! {
        <div {class}>
            <dt>{ line.label }</dt>
            <dd>{ value }</dd>
        </div>
    }
}
