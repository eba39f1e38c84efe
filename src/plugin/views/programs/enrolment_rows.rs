//! The record's current enrolments.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::programs::status_label;
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::intl::use_formats;
use crate::wire::Enrolment;

/// The height assumed for an enrolment's row before it is measured: name, status and dates.
pub const ENROLMENT_ROW_ESTIMATE: u32 = 50;

#[derive(Properties, PartialEq)]
pub struct EnrolmentRowsProps {
    pub items: Rc<Vec<Enrolment>>,
    /// More pages may come.
    pub more: bool,
    /// A page is on its way, or the last one failed: scrolling asks for none.
    pub hold: bool,
    pub on_more: Callback<()>,
    /// The tab's scrolling element.
    pub viewport: NodeRef,
}

/// The record's enrolments, newest first, virtualized.
#[component]
pub fn EnrolmentRows(props: &EnrolmentRowsProps) -> Html {
    let formats = use_formats();
    let keys = Rc::new(props.items.iter().map(|e| e.program_id).collect::<Vec<_>>());
    let render = {
        let items = props.items.clone();
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
            more={props.more}
            on_near_end={props.on_more.clone()}
            hold={props.hold}
            class="enrolment-list"
            label="Current programs"
            row_class="enrolment-row"
            viewport={props.viewport.clone()}
        />
    }
}
