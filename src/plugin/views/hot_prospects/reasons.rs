//! Why a prospect is hot: the activities behind its score.

use std::rc::Rc;

use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{failure_message, Load};
use crate::domain::prospects::score_change_note;
use crate::plugin::api;
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{ErrorPanel, Skeleton};
use crate::plugin::intl::use_formats;
use crate::wire::{HotProspect, ScoreReasons};

#[derive(Properties, PartialEq)]
pub struct ReasonsProps {
    pub prospect: Rc<HotProspect>,
}

/// The activities behind a score, with the points each earns now.
#[component]
pub fn Reasons(props: &ReasonsProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let reasons = use_state(|| Load::<Rc<ScoreReasons>>::Loading);
    let generation = use_state(|| 0u32);
    {
        let (reasons, session) = (reasons.clone(), host.session.clone());
        let (entity, crm_id) = (props.prospect.entity, props.prospect.crm_id.clone());
        // Asked again on retry, and when a refreshed ranking changed the score they explain.
        let score = (props.prospect.score, props.prospect.score_change);
        use_effect_with((*generation, score), move |_| {
            reasons.set(Load::Loading);
            let controller = AbortController::new().ok();
            if let Some(signal) = controller.as_ref().map(AbortController::signal) {
                spawn_local(async move {
                    match session
                        .fetch(&api::score_reasons(entity, &crm_id), &signal)
                        .await
                    {
                        Err(error) if error.is_aborted() => {}
                        Ok(loaded) => reasons.set(Load::Loaded(Rc::new(loaded))),
                        Err(error) => reasons.set(Load::Failed(error)),
                    }
                });
            }
            move || controller.iter().for_each(AbortController::abort)
        });
    }
    match &*reasons {
        Load::Loading => html! { <Skeleton label="Loading the reasons" rows={2} /> },
        Load::Failed(error) => html! {
            <ErrorPanel compact=true message={failure_message(error, false)}
                on_retry={{ let g = generation.clone(); Callback::from(move |()| g.set(*g + 1)) }} />
        },
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
                if let Some(lost) = score_change_note(r) {
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
