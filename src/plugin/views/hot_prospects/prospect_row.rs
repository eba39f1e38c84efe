//! A prospect's row of the ranking, which expands into the reasons for its score.

use std::rc::Rc;

use yew::prelude::*;

use super::reasons::Reasons;
use crate::domain::prospects::score_change;
use crate::domain::wording::display_name;
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::wire::HotProspect;

#[derive(Properties, PartialEq)]
pub struct ProspectRowProps {
    pub rank: usize,
    pub prospect: Rc<HotProspect>,
    pub show_owner: bool,
    pub expanded: bool,
    pub on_open: Callback<Rc<HotProspect>>,
    pub on_expand: Callback<()>,
}

#[component]
pub fn ProspectRow(props: &ProspectRowProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let p = &props.prospect;
    let name = display_name(
        p.first_name.as_deref(),
        p.last_name.as_deref(),
        p.email.as_deref(),
        &p.crm_id,
    );
    let (shown, said) = score_change(p.trend, p.score_change);
    let last = &p.last_activity;
    let reasons_id = format!("reasons-{}-{}", p.entity, p.crm_id);
    let columns = if props.show_owner { 6 } else { 5 };
    html! {
        <tbody class={classes!("prospect", props.expanded.then_some("is-expanded"))}
            data-crm-id={p.crm_id.clone()}>
            <tr>
                <td class="col-rank">{ props.rank }</td>
                <td class="col-name">
                    <button
                        type="button"
                        class="link-button prospect-name"
                        title={format!("Open {name} in the CRM")}
                        onclick={props.on_open.reform({ let p = p.clone(); move |_| p.clone() })}
                    >
                        { name.clone() }
                    </button>
                    <span class="prospect-meta">
                        { [p.company.clone().unwrap_or_default(), p.entity.to_string()]
                            .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" \u{00B7} ") }
                        // Where the Owner column gives way (narrow frames), the owner is named here.
                        if props.show_owner {
                            <span class="prospect-owner-inline">
                                { format!(" \u{00B7} {}", p.owner.name) }
                            </span>
                        }
                    </span>
                </td>
                <td class="col-score">
                    <strong class="prospect-score">{ formats.number(p.score) }</strong>
                    <span class={classes!("prospect-trend", format!("trend-{}", p.trend.as_str()))}
                        title={said.clone()}>
                        <span aria-hidden="true">{ shown }</span>
                        <span class="visually-hidden">{ said }</span>
                    </span>
                </td>
                <td class="col-last">
                    <span class="prospect-last-kind">{ last.kind.label() }</span>
                    <time datetime={last.occurred_at.to_rfc3339()} title={formats.date_time(&last.occurred_at)}>
                        { formats.relative(&last.occurred_at, &now) }
                    </time>
                </td>
                if props.show_owner {
                    <td class="col-owner">{ p.owner.name.clone() }</td>
                }
                <td class="col-why">
                    <button
                        type="button"
                        class="button prospect-why"
                        aria-expanded={props.expanded.to_string()}
                        aria-controls={reasons_id.clone()}
                        aria-label={format!("Why {name} is hot")}
                        onclick={props.on_expand.reform(|_| ())}
                    >
                        { "Why" }
                    </button>
                </td>
            </tr>
            if props.expanded {
                <tr class="prospect-reasons-row">
                    <td colspan={columns.to_string()} id={reasons_id}>
                        <Reasons prospect={p.clone()} />
                    </td>
                </tr>
            }
        </tbody>
    }
}
