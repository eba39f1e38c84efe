//! The Timeline tab: a record's interactions drawn over time.

use std::rc::Rc;

use yew::prelude::*;

use crate::plugin::components::panels::ComingSoon;
use crate::wire::{Entity, RecordProfile};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    pub name: AttrValue,
    /// Marketing's profile, once loaded.
    pub profile: Option<Rc<RecordProfile>>,
    /// Bumped by the header's refresh button.
    pub reload: u32,
}

#[component]
pub fn Timeline(_props: &TimelineProps) -> Html {
    html! {
        <ComingSoon title="Engagement timeline" detail="Opens, clicks and visits over time are coming soon." />
    }
}
