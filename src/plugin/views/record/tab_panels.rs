//! The panels of a record's tabs. Every tab has its panel, empty until its view is shown, so
//! each tab's `aria-controls` names an element.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::activity_filters::Filters;
use crate::domain::record_page::{RecordPage, Tab};
use crate::domain::wording::person_name;
use crate::plugin::components::panels::{message_panel, skeleton};
use crate::plugin::views::activity::ActivityHistory;
use crate::plugin::views::programs::Programs;
use crate::plugin::views::send::SendEmail;
use crate::plugin::views::timeline::Timeline;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;

/// What a record's tab panels are drawn from.
pub struct TabPanels<'a> {
    pub record: &'a CrmRecord,
    pub page: &'a RecordPage,
    /// Marketing's profile, as shown.
    pub profile: Option<Rc<RecordProfile>>,
    /// The profile's first answer is on its way.
    pub first_load: bool,
    /// Marketing has not met this person yet.
    pub not_known: bool,
    /// The user's time zone: the history groups its rows by day there.
    pub time_zone: &'a str,
    pub on_filters: Callback<Filters>,
    /// A send or enrolment changed the person: the page refreshes.
    pub on_refresh: Callback<()>,
}

/// The four panels, the one of the tab shown visible.
pub fn tab_panels(props: TabPanels<'_>) -> Html {
    let (record, page, tab) = (props.record, props.page, props.page.tab);
    let name = AttrValue::from(person_name(record, None));
    // Marketing may know the person under another CRM record (a lead converted into this
    // contact): the profile, found by email, names that record, and the history is its.
    let (entity, crm_id) = match &props.profile {
        Some(profile) => (profile.entity, AttrValue::from(profile.crm_id.clone())),
        None => (record.entity, AttrValue::from(record.id.clone())),
    };
    // Rows are grouped by day in the user's zone when they load: another zone regroups them.
    let reading_key = format!("{entity}/{crm_id}/{}", props.time_zone);
    // A person marketing has not met has no history yet, but can still be enrolled or emailed:
    // those tabs add them to marketing first.
    let not_known = message_panel(
        "\u{2709}",
        format!("{name} is not yet known to marketing").into(),
        Some(
            "Their activity shows here once marketing emails them or they visit a tracked page."
                .into(),
        ),
        html! {},
    );
    let activity = match tab {
        Tab::Activity if props.not_known => not_known.clone(),
        Tab::Activity => html! {
            <ActivityHistory
                key={reading_key.clone()}
                {entity}
                crm_id={crm_id.clone()}
                name={name.clone()}
                counts={props.profile.as_ref().map(|p| Rc::new(p.activity_counts.clone()))}
                reload={page.reloads}
                filters={page.activity_filters.clone()}
                on_filters={props.on_filters.clone()}
                arrived={page.arrived.clone()}
            />
        },
        _ => html! {},
    };
    let timeline = match tab {
        Tab::Timeline if props.not_known => not_known,
        Tab::Timeline => html! {
            <Timeline
                key={reading_key}
                {entity}
                {crm_id}
                {name}
                profile={props.profile.clone()}
                reload={page.reloads}
                live={page.arrived.len() as u32}
            />
        },
        _ => html! {},
    };
    let records = Rc::new(vec![record.clone()]);
    let programs = (page.programs_opened || tab == Tab::Programs).then(|| {
        html! {
            <Programs
                records={records.clone()}
                profile={props.profile.clone()}
                shown={tab == Tab::Programs}
                on_changed={props.on_refresh.clone()}
            />
        }
    });
    let send = if props.first_load && tab == Tab::Send {
        // Whether the person can be emailed at all is the profile's to say: no template
        // list that an explanation then replaces.
        Some(skeleton("Loading", 3))
    } else {
        (page.send_opened || tab == Tab::Send).then(|| {
            html! {
                <SendEmail
                    {records}
                    profile={props.profile.clone()}
                    on_changed={props.on_refresh.clone()}
                />
            }
        })
    };
    html! {
        <>
            { panel(tab, Tab::Activity, activity) }
            { panel(tab, Tab::Timeline, timeline) }
            { panel(tab, Tab::Programs, programs.unwrap_or_default()) }
            { panel(tab, Tab::Send, send.unwrap_or_default()) }
        </>
    }
}

/// The panel of tab `of`, hidden unless it is the tab `shown`.
fn panel(shown: Tab, of: Tab, content: Html) -> Html {
    html! {
        <div
            class="tab-panel"
            role="tabpanel"
            id={of.panel_id()}
            aria-labelledby={of.button_id()}
            hidden={shown != of}
        >
            { content }
        </div>
    }
}
