//! A record's page: marketing's profile of the person, fetched (and refreshed) once for every
//! tab, its [`header`], its tabs and the selected tab's panel ([`mod@tab_panels`]). The page's state
//! is [`crate::domain::record_page`]'s.

pub mod header;
pub mod tab_panels;

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::record_page::{RecordPage, RecordPageAction, Tab};
use crate::domain::wording::person_name;
use crate::plugin::api;
use crate::plugin::browser::clock;
use crate::plugin::components::panels::compact_error;
use crate::plugin::components::tabs::Tabs;
use crate::plugin::hooks::{use_fetch, use_live_feed, FeedScope, LiveNews, Load};
use crate::plugin::host::{use_after_expiry, use_host};
use crate::plugin::views::applied;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;
use header::RecordHeader;
use tab_panels::{tab_panels, TabPanels};

#[derive(Properties, PartialEq)]
pub struct RecordViewProps {
    pub record: CrmRecord,
    pub initial_tab: Tab,
}

impl Reducible for RecordPage {
    type Action = RecordPageAction;

    fn reduce(self: Rc<Self>, action: RecordPageAction) -> Rc<Self> {
        applied(self, action, RecordPage::apply)
    }
}

/// Mount it keyed by the record: another record is another page, with fresh state.
#[component]
pub fn RecordView(props: &RecordViewProps) -> Html {
    let host = use_host();
    let page = use_reducer(|| RecordPage::new(props.initial_tab));
    let dispatch = {
        let page = page.dispatcher();
        Callback::from(move |action| page.dispatch(action))
    };
    // The host opened another view of the same record: show its tab.
    {
        let dispatch = dispatch.clone();
        use_effect_with(props.initial_tab, move |initial| {
            dispatch.emit(RecordPageAction::Show(*initial))
        });
    }
    let profile = use_profile(&props.record, page.reloads, dispatch.clone());
    // Back from an expired session: the profile and the history are asked for again (what
    // failed while it was over says so until then).
    use_after_expiry(dispatch.reform(|()| RecordPageAction::Reload));

    // The person's new activity, live: the history lists it, the timeline counts it again and
    // the header says when it happened. A feed that lost track reloads what is shown.
    let freshness = use_live_feed(
        Some(FeedScope::Record {
            entity: props.record.entity,
            crm_id: props.record.id.clone(),
            email: props.record.person.email.clone(),
        }),
        dispatch.reform(|news| match news {
            LiveNews::Activity(event) => RecordPageAction::Arrived(Rc::new(event.activity.clone())),
            LiveNews::Missed => RecordPageAction::Reload,
        }),
    );

    let on_refresh = dispatch.reform(|()| RecordPageAction::Refresh);
    let name = person_name(&props.record, None);
    let failed = match &profile.answer {
        Load::Failed { error, .. } if !profile.not_known => Some(compact_error(
            format!("Profile: {}", error.user_message()).into(),
            on_refresh.clone(),
        )),
        _ => None,
    };
    html! {
        <section class="record" aria-label={format!("Marketing profile of {name}")}>
            <RecordHeader
                record={props.record.clone()}
                profile={profile.shown.clone()}
                refreshing={page.refreshing}
                refreshed_at={page.refreshed_at}
                last_arrived_at={page.last_arrived_at}
                {freshness}
                on_refresh={on_refresh.clone()}
            />
            { for failed }
            <Tabs selected={page.tab} on_select={dispatch.reform(RecordPageAction::Show)} />
            { tab_panels(TabPanels {
                record: &props.record,
                page: &page,
                profile: profile.shown,
                first_load: matches!(profile.answer, Load::Loading),
                not_known: profile.not_known,
                time_zone: host.context.as_ref().map_or("", |c| c.user.time_zone.as_str()),
                on_filters: dispatch.reform(RecordPageAction::KeepFilters),
                on_refresh,
            }) }
        </section>
    }
}

/// Marketing's profile of the record, as the page shows it.
struct Profile {
    /// The last answer: a reload keeps it on screen until the next one comes.
    answer: Load<RecordProfile>,
    /// The profile to show: the loaded one, or the last one before a failed reload (which
    /// keeps the person, their header and their history on screen).
    shown: Option<Rc<RecordProfile>>,
    /// The API answered 404 `notFound`: marketing has not met this person yet.
    not_known: bool,
}

/// Marketing's profile of `record`, fetched again for every reload. Each answer tells the page
/// (its refresh is over), and when it replaced a profile on screen, that it was refreshed.
#[hook]
fn use_profile(record: &CrmRecord, reloads: u32, page: Callback<RecordPageAction>) -> Profile {
    // Whether a profile is on screen as a reload starts: only one that replaces it was
    // refreshed (not the first one, also when that came after a renewed session).
    let on_screen = use_mut_ref(|| false);
    let endpoint = api::record(record.entity, &record.id, record.person.email.as_deref());
    let replaces = on_screen.clone();
    let fetch = use_fetch(reloads, move |fetcher, _| {
        let replaces = *replaces.borrow();
        async move {
            let answer = fetcher.fetch(endpoint).await;
            if !matches!(&answer, Err(error) if error.is_aborted()) {
                let refreshed_at = (replaces && answer.is_ok()).then(clock::now);
                page.emit(RecordPageAction::ProfileAnswered { refreshed_at });
            }
            answer
        }
    });
    let answer = fetch.last_answer();
    let not_known = matches!(&answer, Load::Failed { error, .. } if error.is_not_known());
    let shown = match &answer {
        Load::Loaded(profile) => Some(profile.clone()),
        Load::Failed { .. } if !not_known => fetch.latest(),
        Load::Failed { .. } | Load::Loading => None,
    };
    *on_screen.borrow_mut() = shown.is_some();
    Profile {
        answer,
        shown,
        not_known,
    }
}
