//! Why a prospect is hot: the activities behind its score.

use std::rc::Rc;

use yew::prelude::*;

use super::failure_message;
use crate::domain::prospects::score_change_note;
use crate::plugin::api;
use crate::plugin::components::panels::{compact_error, skeleton};
use crate::plugin::hooks::{use_fetch, Load};
use crate::plugin::intl::use_formats;
use crate::wire::HotProspect;

#[derive(Properties, PartialEq)]
pub struct ReasonsProps {
    pub prospect: Rc<HotProspect>,
}

/// The activities behind a score, with the points each earns now.
#[component]
pub fn Reasons(props: &ReasonsProps) -> Html {
    let formats = use_formats();
    let (entity, crm_id) = (props.prospect.entity, props.prospect.crm_id.clone());
    // Asked again when a refreshed ranking changed the score they explain.
    let score = (props.prospect.score, props.prospect.score_change);
    let reasons = use_fetch(
        (entity, crm_id, score),
        |fetcher, (entity, crm_id, _)| async move {
            fetcher.fetch(api::score_reasons(entity, &crm_id)).await
        },
    );
    match reasons.load() {
        Load::Loading => skeleton("Loading the reasons", 2),
        Load::Failed { error, retry } => {
            compact_error(failure_message(&error, false).into(), retry)
        }
        Load::Loaded(r) => html! {
            <div class="reasons">
                <p class="reasons-totals">
                    { r.totals.iter().map(|t| format!(
                        "{} × {}: {}{}",
                        formats.count(u64::from(t.activities)),
                        t.rule.label(),
                        if t.points > 0 { "+" } else { "" },
                        formats.number(t.points)
                    ))
                        .collect::<Vec<_>>().join(" \u{00B7} ") }
                </p>
                if let Some(lost) = score_change_note(&r) {
                    <p class="reasons-change">{ lost }</p>
                }
                <ul class="reasons-list" aria-label="Activities behind the score">
                    { for r.reasons.iter().map(|reason| html! {
                        <li class="reason" key={reason.activity.id}>
                            <span class="reason-points">{ format!("{:+}", reason.points) }</span>
                            <span class="reason-kind">{ reason.rule.label() }</span>
                            if let Some(subject) = &reason.activity.subject {
                                <span class="reason-subject">{ subject.clone() }</span>
                            }
                            <time datetime={reason.activity.occurred_at.to_rfc3339()}>
                                { formats.date_time(&reason.activity.occurred_at) }
                            </time>
                            if reason.points != reason.base_points {
                                <span class="reason-decay">
                                    { format!("{:+} halved with age", reason.base_points) }
                                </span>
                            }
                        </li>
                    }) }
                </ul>
                if r.reasons_total as usize > r.reasons.len() {
                    <p class="reasons-more">
                        { format!(
                            "The latest {} of {} activities; the totals above count them all.",
                            r.reasons.len(),
                            formats.count(u64::from(r.reasons_total))
                        ) }
                    </p>
                }
            </div>
        },
    }
}
