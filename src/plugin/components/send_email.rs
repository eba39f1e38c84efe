//! Send email: to the record, or to up to 200 records selected in a CRM list view.

use std::rc::Rc;

use yew::prelude::*;

use crate::plugin::components::panels::ComingSoon;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;

#[derive(Properties, PartialEq)]
pub struct SendEmailProps {
    /// The record of a record page, or the list view's selection.
    pub records: Rc<Vec<CrmRecord>>,
    /// Marketing's profile of a single record, once loaded.
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
}

#[component]
pub fn SendEmail(_props: &SendEmailProps) -> Html {
    html! {
        <ComingSoon title="Send a marketing email" detail="Sending an approved marketing email is coming soon." />
    }
}
