//! Hot prospects: the most engaged records of a rep, or of a manager's team (a CRM tab).

use yew::prelude::*;

use crate::plugin::components::panels::ComingSoon;

#[component]
pub fn HotProspects() -> Html {
    html! {
        <ComingSoon title="Hot prospects" detail="Your most engaged leads, ranked, are coming soon." />
    }
}
