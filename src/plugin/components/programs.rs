//! Program enrolment: put a record, or a list-view selection, into automation programs.

use std::rc::Rc;

use yew::prelude::*;

use crate::plugin::components::panels::ComingSoon;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;

#[derive(Properties, PartialEq)]
pub struct ProgramsProps {
    /// The record of a record page, or the list view's selection (at most 200).
    pub records: Rc<Vec<CrmRecord>>,
    /// Marketing's profile of a single record, once loaded.
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
}

#[component]
pub fn Programs(_props: &ProgramsProps) -> Html {
    html! {
        <ComingSoon title="Programs" detail="Adding this person to a nurture program is coming soon." />
    }
}
