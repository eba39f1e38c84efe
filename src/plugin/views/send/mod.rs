//! Send email: to the record, or to up to 200 records selected in a CRM list view.
//!
//! Choose a template (folders, search), see it rendered for any recipient in a sandboxed frame,
//! edit the subject, read the pre-flight (who receives it, who is excluded and why, which merge
//! fields are empty for whom), send now or at a time in the user's zone. One request sends the
//! whole batch with an `Idempotency-Key` kept per composed message for the tab's life (see
//! [`crate::domain::compose`]); the results list every recipient, with a retry for the failed
//! ones, and each recipient the email went (or will go) to gets a "Sent Email" (or "Scheduled
//! Email") note in the CRM.

mod composer;
mod consent;
pub mod keys;
mod message;
pub mod notes;
mod preflight_summary;
mod preview;
pub mod results;
mod send_actions;
mod sending;
mod template_picker;
mod when_field;

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::compose::{selection_problem, Compose, ComposeAction};
use crate::domain::email_policy::has_email;
use crate::domain::wording::person_name;
use crate::plugin::components::panels::message_panel;
use crate::plugin::views::applied;
use crate::protocol::CrmRecord;
use crate::wire::{RecordProfile, SubscriptionStatus};
use composer::Composer;
use consent::Consent;
pub use keys::{use_send_keys_provider, SendKeysContext};
pub use notes::{use_sent_notes_provider, SentNotes, NOTE_ANSWER_TIMEOUT_MS};

#[derive(Properties, PartialEq)]
pub struct SendEmailProps {
    /// The record of a record page, or the list view's selection.
    pub records: Rc<Vec<CrmRecord>>,
    /// Marketing's profile of a single record, once loaded.
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
    /// Marketing's data about the record changed (a resubscribe was requested): reload it.
    #[prop_or_default]
    pub on_changed: Option<Callback<()>>,
    /// Offered as "Done" with the results where the host opened the view for one action (a
    /// list-view selection): it asks the host to close it.
    #[prop_or_default]
    pub on_done: Option<Callback<()>>,
}

impl Reducible for Compose {
    type Action = ComposeAction;

    fn reduce(self: Rc<Self>, action: ComposeAction) -> Rc<Self> {
        // Every action makes a new state.
        applied(self, action, |state, action| {
            state.apply(action);
            true
        })
    }
}

#[component]
pub fn SendEmail(props: &SendEmailProps) -> Html {
    if let Some(problem) = selection_problem(props.records.len()) {
        return message_panel(
            "\u{2709}",
            "Can't send this email".into(),
            Some(problem.into()),
            html! {},
        );
    }
    if let (Some(profile), [record]) = (&props.profile, props.records.as_slice()) {
        // Neither the CRM nor marketing has an address: say so before any template is chosen.
        if !has_email(record, Some(profile)) {
            return message_panel(
                "\u{2709}",
                format!(
                    "{} has no email address",
                    person_name(record, Some(profile))
                )
                .into(),
                Some("Add one to the record in the CRM to email them.".into()),
                html! {},
            );
        }
        if profile.subscription_status != SubscriptionStatus::Subscribed {
            return html! {
                <Consent
                    record={record.clone()}
                    profile={profile.clone()}
                    on_changed={props.on_changed.clone()}
                />
            };
        }
    }
    html! { <Composer records={props.records.clone()} on_done={props.on_done.clone()} /> }
}
