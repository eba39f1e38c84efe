//! The record's current enrolments.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::programs::status_label;
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::intl::Formats;
use crate::wire::Enrolment;

/// The height assumed for an enrolment's row before it is measured: name, status and dates.
pub const ENROLMENT_ROW_ESTIMATE: u32 = 50;

/// The record's enrolments, newest first, virtualized: `items` listed so far, `more` when more
/// pages may come, `hold` while a page is on its way or the last one failed (scrolling then
/// asks for none), `on_more` asking for the next; `viewport` is the tab's scrolling element. A
/// plain view function, drawn with the current programs.
pub fn enrolment_rows(
    items: &Rc<Vec<Enrolment>>,
    more: bool,
    hold: bool,
    on_more: Callback<()>,
    viewport: NodeRef,
    formats: &Rc<Formats>,
) -> Html {
    let keys = Rc::new(items.iter().map(|e| e.program_id).collect::<Vec<_>>());
    let render = {
        let (items, formats) = (items.clone(), formats.clone());
        Callback::from(move |at: usize| {
            let Some(e) = items.get(at) else {
                return html! {};
            };
            let status = status_label(e.status);
            html! {
                <div class="enrolment">
                    <span class="enrolment-name">{ e.program_name.clone() }</span>
                    <span class={classes!("badge", "enrolment-status", format!("status-{}", e.status.as_str()))}>
                        { status }
                    </span>
                    <span class="enrolment-dates">
                        { "Enrolled " }
                        <time datetime={e.enrolled_at.to_rfc3339()}>{ formats.date_time(&e.enrolled_at) }</time>
                        if e.updated_at != e.enrolled_at {
                            { format!(" · {status} ") }
                            <time datetime={e.updated_at.to_rfc3339()}>{ formats.date_time(&e.updated_at) }</time>
                        }
                    </span>
                </div>
            }
        })
    };
    html! {
        <VirtualRows
            {keys}
            estimate={ENROLMENT_ROW_ESTIMATE}
            {render}
            {more}
            on_near_end={on_more}
            {hold}
            class="enrolment-list"
            label="Current programs"
            row_class="enrolment-row"
            {viewport}
        />
    }
}
