//! The sales dashboard (a CRM tab): "My sent messages", each send with its rates and, opened,
//! its recipients; and "Website visitors", the rep's records on the site now, earlier today and
//! this week. A manager picks a rep or the whole team. A name asks the host to open the record;
//! "Send email" writes to a visitor with the Send view, in place of the dashboard.
//!
//! Each section loads again on its own (its Refresh, a retry, a session that came back, a new
//! activity of one of the owners' records): [`DashboardAction::RefreshSends`] and
//! [`DashboardAction::RefreshVisitors`] are its entry points, and
//! [`DashboardAction::Activity`] picks the sections an activity changes. The live feed of the
//! owners' records brings those activities as they are recorded, and the freshness stamp says
//! whether it is connected.

mod recipients;
mod sent_messages;
mod visitors;

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::dashboard::{DashboardAction, DashboardView};
use crate::plugin::api::{self, ApiError};
use crate::plugin::components::freshness::freshness_stamp;
use crate::plugin::components::owner_picker::owner_picker;
use crate::plugin::components::panels::compact_error;
use crate::plugin::hooks::{use_live_feed, use_request, FeedScope, LiveNews};
use crate::plugin::host::{use_after_expiry, use_host};
use crate::plugin::intl::use_formats;
use crate::plugin::views::applied;
use crate::plugin::views::send::SendEmail;
use crate::protocol::{CrmRecord, PluginMessage};
use crate::wire::Entity;
use sent_messages::SentMessagesSection;
use visitors::WebsiteVisitors;

/// The view's state, as `use_reducer` holds it.
type View = DashboardView<ApiError>;

impl Reducible for View {
    type Action = DashboardAction<ApiError>;

    fn reduce(self: Rc<Self>, action: Self::Action) -> Rc<Self> {
        applied(self, action, DashboardView::apply)
    }
}

/// Asks the host to open a record (`entity`, CRM id).
pub type OpenRecord = Callback<(Entity, String)>;

#[component]
pub fn Dashboard() -> Html {
    let host = use_host();
    let formats = use_formats();
    let view = use_reducer(View::default);
    let dispatch = {
        let view = view.dispatcher();
        Callback::from(move |action: DashboardAction<ApiError>| view.dispatch(action))
    };
    // Who the user is: a manager gets the team picker.
    use_request(
        view.me_asks,
        0,
        |fetcher, _| Some(fetcher.fetch(api::me())),
        dispatch.reform(|(_, me)| DashboardAction::Identified(me)),
    );
    // Back from an expired session: both sections load again, and who the user is if that
    // failed meanwhile.
    use_after_expiry({
        let (dispatch, me_failed) = (dispatch.clone(), matches!(view.me, Some(Err(_))));
        Callback::from(move |()| {
            if me_failed {
                dispatch.emit(DashboardAction::AskWhoAgain);
            }
            dispatch.emit(DashboardAction::RefreshSends);
            dispatch.emit(DashboardAction::RefreshVisitors);
        })
    });
    let on_open_record: OpenRecord = {
        let bridge = host.bridge.clone();
        Callback::from(move |(entity, id): (Entity, String)| {
            bridge.post(&PluginMessage::OpenRecord { entity, id });
        })
    };

    let (manager, owner) = (view.manager(), view.owner());
    // New activity of the owners' records reloads the sections it changes; news the feed
    // could not replay after a break reloads both.
    let freshness = use_live_feed(owner.map(FeedScope::Owner), {
        let dispatch = dispatch.clone();
        Callback::from(move |news| match news {
            LiveNews::Activity(event) => {
                dispatch.emit(DashboardAction::Activity(event.activity.kind))
            }
            LiveNews::Missed => {
                dispatch.emit(DashboardAction::RefreshSends);
                dispatch.emit(DashboardAction::RefreshVisitors);
            }
        })
    });
    let picker = match &view.me {
        Some(Ok(me)) if manager => owner_picker(
            "dashboard-owner",
            "Mine",
            me,
            owner,
            &dispatch.reform(DashboardAction::Choose),
        ),
        Some(Err(error)) => compact_error(
            error.user_message().into(),
            dispatch.reform(|()| DashboardAction::AskWhoAgain),
        ),
        _ => html! {},
    };
    let on_write = dispatch.reform(|record: CrmRecord| DashboardAction::WriteTo(Some(record)));
    // Writing to a visitor hides the dashboard rather than leaving it, so the lists are where
    // the user left them when they come back.
    let writing = view.writing_to.as_ref().map(|record| {
        let back = dispatch.reform(|()| DashboardAction::WriteTo(None));
        html! {
            <section class="dashboard dashboard-writing" aria-label="Send email">
                <div class="dashboard-back">
                    <button type="button" class="link-button" onclick={back.reform(|_| ())}>
                        { "\u{2190} Back to the dashboard" }
                    </button>
                </div>
                <SendEmail
                    key={format!("{}/{}", record.entity, record.id)}
                    records={Rc::new(vec![record.clone()])}
                    on_done={back}
                />
            </section>
        }
    });
    html! {
        <>
        { for writing }
        <section class="dashboard" aria-labelledby="dashboard-title" hidden={view.writing_to.is_some()}>
            <header class="dashboard-header">
                <h1 id="dashboard-title" class="dashboard-title">{ "Dashboard" }</h1>
                { picker }
                { freshness_stamp(&formats, freshness) }
            </header>
            <div class="dashboard-sections">
                <SentMessagesSection
                    {owner}
                    show_sender={owner != Some(crate::wire::OwnerSelection::Me)}
                    refreshes={view.sends_refreshes}
                    opened={view.opened_send}
                    on_open={dispatch.reform(DashboardAction::OpenSend)}
                    on_refresh={dispatch.reform(|()| DashboardAction::RefreshSends)}
                    on_open_record={on_open_record.clone()}
                />
                <WebsiteVisitors
                    {owner}
                    show_owner={owner != Some(crate::wire::OwnerSelection::Me)}
                    refreshes={view.visitors_refreshes}
                    on_refresh={dispatch.reform(|()| DashboardAction::RefreshVisitors)}
                    {on_open_record}
                    {on_write}
                />
            </div>
        </section>
        </>
    }
}
