//! The chart's numbers as a table: for screen readers while hidden, shown on demand.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::timeline::TimelineData;
use crate::plugin::intl::use_formats;
use crate::wire::BucketSize;

#[derive(Properties, PartialEq)]
pub struct ChartTableProps {
    pub data: Rc<TimelineData>,
    pub bucket: BucketSize,
    /// Each bucket's name, as the chart names it.
    pub labels: Rc<Vec<String>>,
}

#[component]
pub fn ChartTable(props: &ChartTableProps) -> Html {
    let formats = use_formats();
    let show_table = use_state_eq(|| false);
    let lanes = props.data.lanes;
    let toggle = {
        let show_table = show_table.clone();
        Callback::from(move |_: MouseEvent| show_table.set(!*show_table))
    };
    html! {
        <>
            <button type="button" class="link-button" onclick={toggle}>
                { if *show_table { "Hide table" } else { "Show as table" } }
            </button>
            // Hidden, the table is for screen readers only; a block around it clips it (a table
            // ignores its own width and overflow, and would widen the page). Shown, the block
            // scrolls sideways where the lanes do not fit, by keyboard too.
            <div
                class={if *show_table { "timeline-table-scroll" } else { "visually-hidden" }}
                tabindex={show_table.then_some("0")}
                role={show_table.then_some("region")}
                aria-label={show_table.then_some("Activity per period, as a table")}
            >
            <table class="timeline-table">
                <caption>{ format!("Activity per {}", props.bucket.as_str()) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Period" }</th>
                        { for lanes.iter().map(|lane| html! { <th scope="col">{ lane.label() }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    { for props.data.buckets.iter().zip(props.labels.iter()).map(|(bucket, label)| html! {
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
