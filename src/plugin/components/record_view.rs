//! A record's page: its header, its tabs and the selected tab's panel.

use std::rc::Rc;

use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::activity_filters::Filters;
use crate::domain::labels::person_name;
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::{use_after_expiry, use_host};
use crate::plugin::clock;
use crate::plugin::components::activity_history::ActivityHistory;
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, Skeleton};
use crate::plugin::components::record_header::RecordHeader;
use crate::plugin::components::tabs::{Tab, Tabs};
use crate::plugin::components::timeline::Timeline;
use crate::plugin::state::Generation;
use crate::plugin::views::programs::Programs;
use crate::plugin::views::send::SendEmail;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;

/// Marketing's profile of the record.
#[derive(Clone)]
enum Profile {
    Loading,
    Loaded(Rc<RecordProfile>),
    /// The API answered 404 `notFound`: marketing has not met this person yet.
    NotKnown,
    /// The last ask failed; `last` is the profile loaded before it, if any, still shown (a
    /// refresh that failed keeps the person, their header and their history on screen).
    Failed {
        error: ApiError,
        last: Option<Rc<RecordProfile>>,
    },
}

impl Profile {
    /// The profile to show: the loaded one, or the last one before a failed refresh.
    fn shown(&self) -> Option<Rc<RecordProfile>> {
        match self {
            Profile::Loaded(profile) => Some(profile.clone()),
            Profile::Failed { last, .. } => last.clone(),
            Profile::Loading | Profile::NotKnown => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct RecordViewProps {
    pub record: CrmRecord,
    pub initial_tab: Tab,
}

/// Mount it keyed by the record: another record is another page, with fresh state.
#[component]
pub fn RecordView(props: &RecordViewProps) -> Html {
    let host = use_host();
    let tab = use_state_eq(|| props.initial_tab);
    // The host opened another view of the same record: show its tab.
    {
        let tab = tab.clone();
        use_effect_with(props.initial_tab, move |initial| tab.set(*initial));
    }
    let profile = use_state(|| Profile::Loading);
    // Bumped by the refresh button: refetches the profile and the history.
    // Bumped by refresh, by a send or enrolment that finished (maybe long after its click) and
    // after an expired session: a reducer, so a late bump still adds one.
    let reload = use_reducer(Generation::default);
    let refreshing = use_state_eq(|| false);
    // When a reload last brought a new copy of the profile on screen: the header says so, as
    // the profile's own "updated" time need not change.
    let refreshed_at = use_state_eq(|| None::<chrono::DateTime<chrono::Utc>>);
    // The Activity tab unmounts while another tab shows; its filters wait here for the rep to
    // come back. Another record mounts another view, so it starts with none.
    let activity_filters = use_state_eq(Filters::default);
    // Send and Programs hold forms (a draft, ticked programs): once opened they stay mounted,
    // hidden while another tab shows, so switching tabs loses nothing.
    let send_opened = use_state_eq(|| false);
    let programs_opened = use_state_eq(|| false);
    {
        let (send_opened, programs_opened) = (send_opened.clone(), programs_opened.clone());
        use_effect_with(*tab, move |tab| match tab {
            Tab::Send => send_opened.set(true),
            Tab::Programs => programs_opened.set(true),
            Tab::Activity | Tab::Timeline => {}
        });
    }

    {
        let (session, profile, refreshing, refreshed_at) = (
            host.session.clone(),
            profile.clone(),
            refreshing.clone(),
            refreshed_at.clone(),
        );
        let record = props.record.clone();
        use_effect_with(reload.0, move |_| {
            let controller = AbortController::new().ok();
            let signal = controller.as_ref().map(AbortController::signal);
            let last = profile.shown();
            // Only a profile that replaces one on screen was refreshed (not the first one, also
            // when that came after a renewed session).
            let reloaded = last.is_some();
            if let Some(signal) = signal {
                spawn_local(async move {
                    let endpoint = api::record(record.entity, &record.id, record.email.as_deref());
                    let result = session.fetch(&endpoint, &signal).await;
                    match result {
                        Err(error) if error.is_aborted() => return,
                        Ok(loaded) => {
                            profile.set(Profile::Loaded(Rc::new(loaded)));
                            if reloaded {
                                refreshed_at.set(Some(clock::now()));
                            }
                        }
                        Err(error) if error.is_not_known() => profile.set(Profile::NotKnown),
                        Err(error) => profile.set(Profile::Failed { error, last }),
                    }
                    refreshing.set(false);
                });
            }
            move || {
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
        });
    }

    // Back from an expired session: the profile and the history are asked for again (what
    // failed while it was over says so until then).
    use_after_expiry({
        let reload = reload.dispatcher();
        Callback::from(move |()| reload.dispatch(()))
    });

    let on_refresh = {
        let (reload, refreshing) = (reload.dispatcher(), refreshing.clone());
        Callback::from(move |()| {
            refreshing.set(true);
            reload.dispatch(());
        })
    };
    let on_select = {
        let tab = tab.clone();
        Callback::from(move |selected| tab.set(selected))
    };
    let on_activity_filters = {
        let activity_filters = activity_filters.setter();
        Callback::from(move |filters| activity_filters.set(filters))
    };

    let record = &props.record;
    let name = person_name(record, None);
    let loaded = profile.shown();

    let not_known = matches!(&*profile, Profile::NotKnown);
    // Marketing may know the person under another CRM record (a lead converted into this
    // contact): the profile, found by email, names that record, and the history is its.
    let (entity, crm_id) = match &loaded {
        Some(profile) => (profile.entity, profile.crm_id.clone()),
        None => (record.entity, record.id.clone()),
    };
    // Rows are grouped by day in the user's zone when they load: another zone regroups them.
    let time_zone = host
        .context
        .as_ref()
        .map(|c| c.user.time_zone.clone())
        .unwrap_or_default();
    let reading_key = format!("{entity}/{crm_id}/{time_zone}");
    let not_known_panel = || {
        html! {
            <MessagePanel
                glyph="\u{2709}"
                title={format!("{name} is not yet known to marketing")}
                detail="Their activity shows here once marketing emails them or they visit a tracked page."
            />
        }
    };
    // A person marketing has not met has no history yet, but can still be enrolled or emailed:
    // those tabs add them to marketing first.
    let body = {
        let panel = |shown: Tab, content: Html| {
            html! {
                <div
                    class="tab-panel"
                    role="tabpanel"
                    id={shown.panel_id()}
                    aria-labelledby={shown.button_id()}
                    hidden={*tab != shown}
                >
                    { content }
                </div>
            }
        };
        // Every tab has its panel, empty until its view is shown, so each tab's aria-controls
        // names an element.
        let activity = match *tab {
            Tab::Activity if not_known => not_known_panel(),
            Tab::Activity => html! {
                <ActivityHistory
                    key={reading_key.clone()}
                    {entity}
                    crm_id={AttrValue::from(crm_id.clone())}
                    name={AttrValue::from(name.clone())}
                    counts={loaded.as_ref().map(|p| Rc::new(p.activity_counts.clone()))}
                    reload={reload.0}
                    filters={(*activity_filters).clone()}
                    on_filters={on_activity_filters}
                />
            },
            _ => html! {},
        };
        let timeline = match *tab {
            Tab::Timeline if not_known => not_known_panel(),
            Tab::Timeline => html! {
                <Timeline
                    key={reading_key.clone()}
                    {entity}
                    crm_id={AttrValue::from(crm_id.clone())}
                    name={AttrValue::from(name.clone())}
                    profile={loaded.clone()}
                    reload={reload.0}
                />
            },
            _ => html! {},
        };
        let programs = if *programs_opened || *tab == Tab::Programs {
            html! {
                <Programs
                    records={Rc::new(vec![record.clone()])}
                    profile={loaded.clone()}
                    shown={*tab == Tab::Programs}
                    on_changed={on_refresh.clone()}
                />
            }
        } else {
            html! {}
        };
        let send = if matches!(&*profile, Profile::Loading) && *tab == Tab::Send {
            // Whether the person can be emailed at all is the profile's to say: no template
            // list that an explanation then replaces.
            html! { <Skeleton label="Loading" rows={3} /> }
        } else if *send_opened || *tab == Tab::Send {
            html! {
                <SendEmail
                    records={Rc::new(vec![record.clone()])}
                    profile={loaded.clone()}
                    on_changed={on_refresh.clone()}
                />
            }
        } else {
            html! {}
        };
        html! {
            <>
                if let Profile::Failed { error, .. } = &*profile {
                    <ErrorPanel
                        compact=true
                        message={format!("Profile: {}", error.user_message())}
                        on_retry={on_refresh.clone()}
                    />
                }
                <Tabs selected={*tab} on_select={on_select} />
                { panel(Tab::Activity, activity) }
                { panel(Tab::Timeline, timeline) }
                { panel(Tab::Programs, programs) }
                { panel(Tab::Send, send) }
            </>
        }
    };

    html! {
        <section class="record" aria-label={format!("Marketing profile of {name}")}>
            <RecordHeader
                record={record.clone()}
                profile={loaded.clone()}
                refreshing={*refreshing}
                refreshed_at={*refreshed_at}
                on_refresh={on_refresh.clone()}
            />
            { body }
        </section>
    }
}
