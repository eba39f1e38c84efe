//! Who the record is, and what marketing knows of them at a glance.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use yew::prelude::*;

use crate::domain::email_policy::can_be_emailed;
use crate::domain::wording::{initials, opt_in_label, person_name, subscription_label};
use crate::plugin::components::freshness::freshness_stamp;
use crate::plugin::components::panels::refresh_button;
use crate::plugin::hooks::Freshness;
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;

#[derive(Properties, PartialEq)]
pub struct RecordHeaderProps {
    /// The record as the CRM knows it: shown until marketing's profile arrives.
    pub record: CrmRecord,
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
    /// A refresh is in flight.
    #[prop_or_default]
    pub refreshing: bool,
    /// When a refresh last brought the profile, if one did.
    #[prop_or_default]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// When the newest activity the live feed brought happened.
    #[prop_or_default]
    pub last_arrived_at: Option<DateTime<Utc>>,
    /// The live feed's state, for the freshness stamp.
    #[prop_or_default]
    pub freshness: Freshness,
    pub on_refresh: Callback<()>,
}

#[component]
pub fn RecordHeader(props: &RecordHeaderProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let record = &props.record;
    let profile = props.profile.as_deref();
    // Marketing's fields win; the CRM's fill the gaps.
    let name = person_name(record, profile);
    let email = profile
        .and_then(|p| p.email.as_deref())
        .or(record.person.email.as_deref());
    let company = profile
        .and_then(|p| p.company.as_deref())
        .or(record.person.company.as_deref());
    let job_title = profile
        .and_then(|p| p.job_title.as_deref())
        .or(record.person.job_title.as_deref());
    let role = [job_title, company]
        .into_iter()
        .flatten()
        .collect::<Vec<&str>>()
        .join(" \u{00B7} ");

    let last_activity = profile
        .and_then(|p| p.last_activity_at)
        .max(props.last_arrived_at)
        .map(|at| {
            html! {
                <>
                    { " \u{00B7} last activity " }
                    <time class="last-activity" datetime={at.to_rfc3339()} title={formats.date_time(&at)}>
                        { formats.relative(&at, &now) }
                    </time>
                </>
            }
        });
    let status = profile.map(|profile| {
        let synced = profile.last_synced_at;
        let status_class = if can_be_emailed(profile.subscription_status) {
            "badge-positive"
        } else {
            "badge-negative"
        };
        html! {
            <>
                <ul class="badges" aria-label="Marketing status">
                    <li class="badge badge-score" title="Marketing's lead score for this person">
                        { "Lead Score " }<strong>{ formats.number(profile.score) }</strong>
                    </li>
                    <li class={classes!("badge", status_class)}>
                        { subscription_label(profile.subscription_status) }
                    </li>
                    <li class="badge">{ opt_in_label(profile.opt_in_type) }</li>
                    if let Some(at) = profile.resubscribe_requested_at {
                        <li class="badge badge-pending" title={formats.date_time(&at)}>
                            { "Resubscribe requested" }
                        </li>
                    }
                </ul>
                // Marketing's last sync of the person with the CRM, not their last activity.
                <p class="updated" title="When marketing last synced this person with the CRM">
                    { "Synced " }
                    <time datetime={synced.to_rfc3339()} title={formats.date_time(&synced)}>
                        { formats.relative(&synced, &now) }
                    </time>
                    if let Some(at) = props.refreshed_at {
                        { " \u{00B7} refreshed " }
                        <time class="refreshed" datetime={at.to_rfc3339()} title={formats.date_time(&at)}>
                            { formats.relative(&at, &now) }
                        </time>
                    }
                </p>
            </>
        }
    });

    html! {
        <header class="record-header">
            <div class="identity">
                <span class="avatar" aria-hidden="true">{ initials(&name) }</span>
                <div class="identity-text">
                    <h1 class="record-name" title={name.clone()}>{ name.clone() }</h1>
                    if !role.is_empty() {
                        <p class="record-role" title={role.clone()}>{ role }</p>
                    }
                    if let Some(email) = email {
                        // Cut to one line in a narrow sidebar; the whole address on hover and
                        // for screen readers.
                        <p class="record-email" title={email.to_owned()}>{ email.to_owned() }</p>
                    }
                </div>
                { refresh_button(
                    None,
                    "Refresh marketing data",
                    props.refreshing,
                    props.on_refresh.clone(),
                ) }
            </div>
            { status.unwrap_or_default() }
            <p class="live-line">
                { freshness_stamp(&formats, props.freshness) }
                { for last_activity }
            </p>
        </header>
    }
}
