//! A record marketing may not email, and the resubscribe request for an opt-out.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::email_policy::cannot_email;
use crate::domain::wording::person_name;
use crate::plugin::api::{self, ApiError};
use crate::plugin::components::panels::message_panel;
use crate::plugin::host::use_host;
use crate::plugin::intl::use_formats;
use crate::protocol::CrmRecord;
use crate::wire::{RecordProfile, SubscriptionStatus};
#[derive(Properties, PartialEq)]
pub struct ConsentProps {
    pub record: CrmRecord,
    pub profile: Rc<RecordProfile>,
    pub on_changed: Option<Callback<()>>,
}

/// Where the resubscribe request the user made stands.
enum Resubscribe {
    NotAsked,
    Asking,
    /// Marketing sent the confirmation at that time.
    Requested(DateTime<Utc>),
    Failed(ApiError),
}

/// A record marketing may not email: why, and for an opt-out the resubscribe request.
#[component]
pub fn Consent(props: &ConsentProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let request = use_state(|| Resubscribe::NotAsked);
    let name = person_name(&props.record, Some(&props.profile));
    let requested_at = match &*request {
        Resubscribe::Requested(at) => Some(*at),
        _ => props.profile.resubscribe_requested_at,
    };
    let onclick = {
        let (request, session) = (request.clone(), host.session.clone());
        // The person marketing knows: for a contact converted from a lead, the lead it found
        // by email (the contact's own CRM id is unknown to marketing).
        let (profile, on_changed) = (props.profile.clone(), props.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            if matches!(*request, Resubscribe::Asking) {
                return;
            }
            request.set(Resubscribe::Asking);
            let (request, session, profile, on_changed) = (
                request.clone(),
                session.clone(),
                profile.clone(),
                on_changed.clone(),
            );
            spawn_local(async move {
                let Ok(controller) = AbortController::new() else {
                    return;
                };
                let endpoint = api::resubscribe(profile.entity, &profile.crm_id);
                match session.fetch(&endpoint, &controller.signal()).await {
                    Ok(answer) => {
                        request.set(Resubscribe::Requested(answer.requested_at));
                        if let Some(on_changed) = on_changed {
                            on_changed.emit(());
                        }
                    }
                    Err(error) => request.set(Resubscribe::Failed(error)),
                }
            });
        })
    };
    let title = cannot_email(props.profile.subscription_status, true, &name).unwrap_or_default();
    let detail = match props.profile.subscription_status {
        SubscriptionStatus::OptedOut => "Marketing emails can't be sent to someone who unsubscribed. You can ask marketing to send them a resubscribe confirmation; they are emailable again once they confirm.",
        SubscriptionStatus::HardBounced => "The mail server rejected this address permanently. Correct the email in the CRM; marketing will try the new address.",
        _ => "A marketing admin blocked email to this person. Ask them if you think this is wrong.",
    };
    html! {
        <div class="send consent">
            { message_panel("\u{2298}", title.into(), Some(detail.into()), html! {
                if props.profile.subscription_status == SubscriptionStatus::OptedOut {
                    if let Some(at) = requested_at {
                        <p class="consent-requested" role="status">
                            { "Resubscribe requested " }
                            <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                            { ". They are emailable once they confirm." }
                        </p>
                    } else {
                        <button
                            id="send-resubscribe"
                            type="button"
                            class="button button-primary"
                            disabled={matches!(*request, Resubscribe::Asking)}
                            {onclick}
                        >
                            { if matches!(*request, Resubscribe::Asking) { "Requesting…" } else { "Request resubscribe" } }
                        </button>
                    }
                    if let Resubscribe::Failed(error) = &*request {
                        <p class="field-error" role="alert">{ error.user_message() }</p>
                    }
                }
            }) }
        </div>
    }
}
