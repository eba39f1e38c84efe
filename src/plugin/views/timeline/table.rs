//! The chart's numbers as a table: for screen readers while hidden, shown on demand.

use yew::prelude::*;

use crate::domain::timeline::TimelineData;
use crate::plugin::intl::Formats;
use crate::wire::BucketSize;

/// The table of `data`, its periods named by `labels`; `shown` (with its button, which
/// `on_toggle` answers) or for screen readers only.
pub fn chart_table(
    formats: &Formats,
    data: &TimelineData,
    bucket: BucketSize,
    labels: &[String],
    shown: bool,
    on_toggle: Callback<MouseEvent>,
) -> Html {
    let lanes = data.lanes;
    html! {
        <>
            <button type="button" class="link-button" onclick={on_toggle}>
                { if shown { "Hide table" } else { "Show as table" } }
            </button>
            // Hidden, the table is for screen readers only; a block around it clips it (a table
            // ignores its own width and overflow, and would widen the page). Shown, the block
            // scrolls sideways where the lanes do not fit, by keyboard too.
            <div
                class={if shown { "timeline-table-scroll" } else { "visually-hidden" }}
                tabindex={shown.then_some("0")}
                role={shown.then_some("region")}
                aria-label={shown.then_some("Activity per period, as a table")}
            >
            <table class="timeline-table">
                <caption>{ format!("Activity per {}", bucket.as_str()) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Period" }</th>
                        { for lanes.iter().map(|lane| html! { <th scope="col">{ lane.label() }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    { for data.buckets.iter().zip(labels).map(|(bucket, label)| html! {
                        <tr>
                            <th scope="row">{ label.clone() }</th>
                            { for lanes.iter().map(|lane| html! { <td>{ formats.count(bucket.counts[*lane as usize]) }</td> }) }
                        </tr>
                    }) }
                </tbody>
            </table>
            </div>
        </>
    }
}
