//! The programs one record is in now.

use std::rc::Rc;

use yew::prelude::*;

use super::enrolment_rows::enrolment_rows;
use crate::domain::paging::ListPhase;
use crate::domain::programs::record_name;
use crate::plugin::components::panels::{compact_error, skeleton};
use crate::plugin::hooks::{more_footer, UsePages};
use crate::plugin::intl::Formats;
use crate::protocol::CrmRecord;
use crate::wire::Enrolment;

/// The "Current programs" section of `record`: its enrolments a page at a time, or why there
/// are none.
pub fn current_programs(
    record: &CrmRecord,
    enrolments: &UsePages<Enrolment>,
    viewport: NodeRef,
    formats: &Rc<Formats>,
) -> Html {
    let list = enrolments.pages();
    let body = match &list.phase {
        ListPhase::Failed(error) if error.is_not_known() => html! {
            <p class="enrolments-empty">
                { format!(
                    "{} is not in marketing yet; enrolling adds them to the All contacts list first.",
                    record_name(record)
                ) }
            </p>
        },
        ListPhase::Failed(error) => compact_error(error.user_message().into(), enrolments.retry()),
        _ if list.is_first_load() => skeleton("Loading current programs", 2),
        _ if list.is_empty_list() => {
            html! { <p class="enrolments-empty">{ "Not in any program yet." }</p> }
        }
        phase => html! {
            <>
                { enrolment_rows(
                    &list.items,
                    list.next_cursor.is_some(),
                    phase.holds(),
                    enrolments.more(),
                    viewport,
                    formats,
                ) }
                { more_footer(phase, "Loading more of the current programs\u{2026}", enrolments.more()) }
            </>
        },
    };
    html! {
        <section class="enrolments" aria-labelledby="enrolments-title">
            <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
            { body }
        </section>
    }
}
