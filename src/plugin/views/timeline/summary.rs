//! Who the timeline is of, the range's figures, and the first and last interaction (or email)
//! of the whole history.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::timeline::{reduce, summary_stats};
use crate::plugin::intl::use_formats;
use crate::plugin::views::timeline::edge::EdgeInteraction;
use crate::wire::Engagement;

#[derive(Properties, PartialEq)]
pub struct SummaryPanelProps {
    pub name: AttrValue,
    pub email: Option<AttrValue>,
    pub engagement: Rc<Engagement>,
    pub emails_only: bool,
}

#[component]
pub fn SummaryPanel(props: &SummaryPanelProps) -> Html {
    let formats = use_formats();
    let data = reduce(&props.engagement, props.emails_only);
    let engagement = &props.engagement;
    let edges = if props.emails_only {
        [
            ("First email", engagement.first_email.clone()),
            ("Last email", engagement.last_email.clone()),
        ]
    } else {
        [
            ("First interaction", engagement.first.clone()),
            ("Last interaction", engagement.last.clone()),
        ]
    };
    let stats = summary_stats(&data.summary, props.emails_only, |n| formats.number(n));
    html! {
        <>
            <section class="timeline-panel timeline-summary" aria-label="Summary">
                <p class="timeline-who">
                    <span class="timeline-name">{ props.name.clone() }</span>
                    if let Some(email) = &props.email {
                        <span class="timeline-email">{ email.clone() }</span>
                    }
                </p>
                <dl class="timeline-stats">
                    { for stats.into_iter().map(|stat| html! {
                        <div class="timeline-stat">
                            <dt>{ stat.label }</dt>
                            <dd>{ stat.value }</dd>
                        </div>
                    }) }
                </dl>
            </section>
            <section class="timeline-panel timeline-edges" aria-label="First and last interaction">
                { for edges.into_iter().map(|(title, interaction)| html! {
                    <EdgeInteraction {title} {interaction} />
                }) }
            </section>
        </>
    }
}
