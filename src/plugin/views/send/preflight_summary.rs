//! The pre-flight: who receives the message, who does not and why.

use std::rc::Rc;

use yew::prelude::*;

use super::results::{daily_limit, RESULT_ROW_ESTIMATE};
use crate::domain::compose::recipient_count;
use crate::domain::merge::missing_field_note;
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::intl::Formats;
use crate::wire::PreflightResponse;
/// Who receives it, who does not and why, and the merge fields some recipients lack. A plain
/// view function, drawn with the message (its root keyed as its own, as a component's element
/// was).
pub fn preflight_summary(preflight: &Rc<PreflightResponse>, formats: &Formats) -> Html {
    let p = preflight;
    let excluded: Vec<_> = p.excluded().collect();
    // Up to 200 of them: only those in view are in the DOM.
    let render_excluded = {
        let preflight = preflight.clone();
        Callback::from(move |at: usize| {
            let Some(r) = preflight.excluded().nth(at) else {
                return html! {};
            };
            html! {
                <div class="preflight-recipient" data-crm-id={r.crm_id.clone()}>
                    <span class="preflight-name">{ r.name.clone() }</span>
                    <span class="badge badge-negative">
                        { r.reason.map(|reason| reason.label()).unwrap_or("Excluded") }
                    </span>
                </div>
            }
        })
    };
    html! {
        <section key="preflight" class="preflight" aria-label="Before sending">
            <p class="preflight-count">
                <strong>{ recipient_count(p.sendable) }</strong>
                { " will receive it" }
                if !excluded.is_empty() {
                    { format!(" · {} excluded", excluded.len()) }
                }
            </p>
            if !excluded.is_empty() {
                <VirtualRows
                    keys={Rc::new((0..excluded.len() as i64).collect::<Vec<_>>())}
                    estimate={RESULT_ROW_ESTIMATE}
                    render={render_excluded}
                    class="preflight-excluded"
                    label="Excluded recipients"
                    row_class="preflight-row"
                />
            }
            { for p.missing_fields.iter().map(|m| html! {
                <p class="preflight-missing" role="note">
                    { missing_field_note(&m.field, &m.recipients) }
                </p>
            }) }
            { daily_limit(p.remaining_today, &p.limit_resets_at, formats) }
        </section>
    }
}
