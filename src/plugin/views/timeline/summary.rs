//! Who the timeline is of, the range's figures, and the first and last interaction (or email)
//! of the whole history.

use chrono::{DateTime, Utc};
use yew::prelude::*;

use crate::domain::timeline::{reduce, summary_stats};
use crate::plugin::intl::Formats;
use crate::plugin::views::timeline::edge::edge_interaction;
use crate::wire::Engagement;

/// The summary of `engagement` for `name` (and their `email`): the whole of it, or its emails.
pub fn summary_panel(
    formats: &Formats,
    now: &DateTime<Utc>,
    name: &AttrValue,
    email: Option<AttrValue>,
    engagement: &Engagement,
    emails_only: bool,
) -> Html {
    let data = reduce(engagement, emails_only);
    let edges = if emails_only {
        [
            ("First email", &engagement.first_email),
            ("Last email", &engagement.last_email),
        ]
    } else {
        [
            ("First interaction", &engagement.first),
            ("Last interaction", &engagement.last),
        ]
    };
    let stats = summary_stats(&data.summary, emails_only, |n| formats.number(n));
    html! {
        <>
            <section class="timeline-panel timeline-summary" aria-label="Summary">
                <p class="timeline-who">
                    <span class="timeline-name">{ name.clone() }</span>
                    if let Some(email) = email {
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
                { for edges.into_iter().map(|(title, interaction)| {
                    edge_interaction(formats, now, title, interaction.as_ref())
                }) }
            </section>
        </>
    }
}
