//! One activity: its kind, when, what about, and on demand its details. Collapsed, its height
//! is fixed by the CSS (see `domain::activity_history`); expanded, its details wrap at the
//! view's width, and it reports the height it is drawn at.

use chrono::{DateTime, Utc};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ResizeObserver};
use yew::prelude::*;

use crate::domain::activity_details::{detail_lines, kind_glyph, summary};
use crate::domain::activity_history::Entry;
use crate::domain::time::shows_relative;
use crate::plugin::components::detail_line::detail_line;
use crate::plugin::intl::use_formats;

#[derive(Properties, PartialEq)]
pub struct ActivityRowProps {
    pub entry: Entry,
    pub expanded: bool,
    /// 1-based position among the loaded activities, for assistive technology: the DOM holds
    /// only a window of the list.
    pub position: usize,
    /// Number of activities, or -1 while more pages may follow.
    pub set_size: i64,
    /// The live feed brought it while the history is on screen: marked new.
    #[prop_or_default]
    pub fresh: bool,
    pub now: DateTime<Utc>,
    pub on_toggle: Callback<i64>,
    /// While expanded: the row's id and height as drawn, at first and whenever it changes.
    pub on_measure: Callback<(i64, u32)>,
}

#[component]
pub fn ActivityRow(props: &ActivityRowProps) -> Html {
    let formats = use_formats();
    let activity = &props.entry.activity;
    let id = activity.id;
    let kind = activity.kind;
    let at = activity.occurred_at;
    let details_id = format!("activity-{id}-details");
    let has_details = props.entry.detail_count > 0;
    let summary_text = summary(activity).map(str::to_owned);
    let row = use_node_ref();
    {
        let (row, on_measure) = (row.clone(), props.on_measure.clone());
        use_effect_with(props.expanded && has_details, move |expanded| {
            let observed = expanded.then(|| {
                let element = row.cast::<HtmlElement>()?;
                let measured = element.clone();
                let resized = Closure::<dyn Fn()>::new(move || {
                    on_measure.emit((id, measured.offset_height().max(0) as u32));
                });
                let observer = ResizeObserver::new(resized.as_ref().unchecked_ref()).ok()?;
                observer.observe(&element);
                Some((observer, resized))
            });
            move || {
                if let Some((observer, _resized)) = observed.flatten() {
                    observer.disconnect();
                }
            }
        });
    }

    let relative = shows_relative(at, props.now).then(|| {
        html! {
            <span class="activity-relative">
                { format!(" \u{00B7} {}", formats.relative(&at, &props.now)) }
            </span>
        }
    });
    let inner = html! {
        <>
            <span class={classes!("kind-icon", format!("kind-{}", kind.as_str()))} aria-hidden="true">
                { kind_glyph(kind) }
            </span>
            <span class="activity-main">
                <span class="activity-heading">
                    <span class="activity-label">
                        { kind.label() }
                        if props.fresh {
                            <span class="badge-new">{ "New" }</span>
                        }
                    </span>
                    <time class="activity-time" datetime={at.to_rfc3339()} title={formats.date_time(&at)}>
                        { formats.time_of_day(&at) }{ for relative }
                    </time>
                </span>
                <span class="activity-subject" title={summary_text.clone()}>
                    { summary_text.clone().unwrap_or_default() }
                </span>
            </span>
        </>
    };

    let summary_part = if has_details {
        let onclick = props.on_toggle.reform(move |_| id);
        html! {
            <button
                type="button"
                class="activity-summary"
                aria-expanded={if props.expanded { "true" } else { "false" }}
                aria-controls={details_id.clone()}
                {onclick}
            >
                { inner }
                <span class="chevron" aria-hidden="true">{ "\u{203A}" }</span>
            </button>
        }
    } else {
        html! { <div class="activity-summary">{ inner }</div> }
    };

    let details = (props.expanded && has_details).then(|| {
        html! {
            <dl class="activity-details" id={details_id.clone()}>
                { for detail_lines(activity).into_iter().map(|line| detail_line(line, "detail-line")) }
            </dl>
        }
    });

    html! {
        <li
            ref={row}
            class={classes!(
                "activity-row",
                props.expanded.then_some("expanded"),
                props.fresh.then_some("is-new"),
            )}
            aria-posinset={props.position.to_string()}
            aria-setsize={props.set_size.to_string()}
        >
            { summary_part }
            { details.unwrap_or_default() }
        </li>
    }
}
