//! The sales dashboard (a CRM tab): the messages a rep sent and how their recipients engaged, and
//! the rep's records on the website. Its state as one reducer, what a live activity refreshes,
//! the rates and bars of a send, and the visitors' groups ("on the site now", today, this week).

use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};

use crate::domain::owners;
use crate::domain::paging::{Keyed, Page};
use crate::protocol::CrmRecord;
use crate::wire::{
    ActivityKind, Me, OwnerSelection, PersonFields, SentMessage, SentMessages, Visitor, Visitors,
    ACTIVE_NOW_MINUTES,
};

/// The view's state; `E` is why who the user is did not come.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardView<E> {
    /// Who the user is, once answered: a manager gets the team picker.
    pub me: Option<Result<Rc<Me>, E>>,
    /// How many times who the user is was asked again.
    pub me_asks: u32,
    /// Whose dashboard the user picked; until then a manager sees the whole team and a rep
    /// their own.
    pub chosen: Option<OwnerSelection>,
    /// The send whose recipients are open, by id.
    pub opened_send: Option<i64>,
    /// The visitor the user is writing to ("Send email"), shown instead of the dashboard.
    pub writing_to: Option<CrmRecord>,
    /// How many times each section was asked to load again (a retry, Refresh, a live
    /// activity, a session that came back).
    pub sends_refreshes: u32,
    pub visitors_refreshes: u32,
}

impl<E> Default for DashboardView<E> {
    fn default() -> Self {
        DashboardView {
            me: None,
            me_asks: 0,
            chosen: None,
            opened_send: None,
            writing_to: None,
            sends_refreshes: 0,
            visitors_refreshes: 0,
        }
    }
}

pub enum DashboardAction<E> {
    Identified(Result<Me, E>),
    AskWhoAgain,
    Choose(OwnerSelection),
    /// Opens a send's recipients (`None`: back to the list).
    OpenSend(Option<i64>),
    /// Writes to a visitor (`None`: back to the dashboard).
    WriteTo(Option<CrmRecord>),
    RefreshSends,
    RefreshVisitors,
    /// A new activity of one of the owners' records: the sections it changes load again.
    Activity(ActivityKind),
}

/// The sections of the dashboard a new activity of this kind changes: (sent messages,
/// visitors). An email's engagement changes its send's counts; a page view or a form makes a
/// visitor (a form fill is what identifies one).
pub fn sections_changed_by(kind: ActivityKind) -> (bool, bool) {
    match kind {
        ActivityKind::EmailSent
        | ActivityKind::EmailOpened
        | ActivityKind::EmailClicked
        | ActivityKind::EmailBounced
        | ActivityKind::Unsubscribed => (true, false),
        ActivityKind::PageVisit | ActivityKind::FormSubmitted => (false, true),
        ActivityKind::ProgramEnrolled | ActivityKind::ScoreChanged => (false, false),
    }
}

impl<E> DashboardView<E> {
    /// Applies `action`; whether the state changed.
    pub fn apply(&mut self, action: DashboardAction<E>) -> bool {
        match action {
            DashboardAction::Identified(me) => self.me = Some(me.map(Rc::new)),
            DashboardAction::AskWhoAgain => {
                self.me = None;
                self.me_asks = self.me_asks.wrapping_add(1);
            }
            DashboardAction::Choose(owner) => {
                if self.chosen == Some(owner) {
                    return false;
                }
                self.chosen = Some(owner);
                // Another owner's sends: the one open is not in their list.
                self.opened_send = None;
            }
            DashboardAction::OpenSend(send) => {
                if self.opened_send == send {
                    return false;
                }
                self.opened_send = send;
            }
            DashboardAction::WriteTo(record) => self.writing_to = record,
            DashboardAction::RefreshSends => self.refresh(true, false),
            DashboardAction::RefreshVisitors => self.refresh(false, true),
            DashboardAction::Activity(kind) => {
                let (sends, visitors) = sections_changed_by(kind);
                if !sends && !visitors {
                    return false;
                }
                self.refresh(sends, visitors);
            }
        }
        true
    }

    fn refresh(&mut self, sends: bool, visitors: bool) {
        if sends {
            self.sends_refreshes = self.sends_refreshes.wrapping_add(1);
        }
        if visitors {
            self.visitors_refreshes = self.visitors_refreshes.wrapping_add(1);
        }
    }

    /// Whether the user is a manager, as far as is known.
    pub fn manager(&self) -> bool {
        owners::is_manager(&self.me)
    }

    /// Whose dashboard to show ([`owners::shown_owner`]).
    pub fn owner(&self) -> Option<OwnerSelection> {
        owners::shown_owner(self.chosen, &self.me)
    }
}

impl Keyed for SentMessage {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Page for SentMessages {
    type Item = SentMessage;
    type Extra = ();
    fn into_parts(self) -> (Vec<SentMessage>, Option<String>, ()) {
        (self.items, self.next_cursor, ())
    }
}

/// What a rate measures, which also names its bar's colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateKind {
    Delivered,
    Opened,
    Clicked,
    Bounced,
    Unsubscribed,
}

impl RateKind {
    pub fn label(self) -> &'static str {
        match self {
            RateKind::Delivered => "Delivered",
            RateKind::Opened => "Opened",
            RateKind::Clicked => "Clicked",
            RateKind::Bounced => "Bounced",
            RateKind::Unsubscribed => "Unsubscribed",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Delivered => "delivered",
            RateKind::Opened => "opened",
            RateKind::Clicked => "clicked",
            RateKind::Bounced => "bounced",
            RateKind::Unsubscribed => "unsubscribed",
        }
    }
}

/// One rate of a send: `count` recipients out of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub kind: RateKind,
    pub count: u32,
    pub of: u32,
}

impl Rate {
    /// The whole percent, rounded half up; 0 of nobody is 0 %.
    pub fn percent(self) -> u32 {
        if self.of == 0 {
            return 0;
        }
        let scaled = u64::from(self.count.min(self.of)) * 200 / u64::from(self.of);
        scaled.div_ceil(2) as u32
    }
}

/// A send's rates as an email marketer reads them: delivered and bounced out of those the
/// email went to; opened, clicked and unsubscribed out of those it reached.
pub fn send_rates(send: &SentMessage) -> [Rate; 5] {
    let rate = |kind, count, of| Rate { kind, count, of };
    [
        rate(RateKind::Delivered, send.delivered, send.sent),
        rate(RateKind::Opened, send.opened, send.delivered),
        rate(RateKind::Clicked, send.clicked, send.delivered),
        rate(RateKind::Bounced, send.bounced, send.sent),
        rate(RateKind::Unsubscribed, send.unsubscribed, send.delivered),
    ]
}

/// When a send went or goes out, and the words before that time.
pub fn send_time(send: &SentMessage) -> (&'static str, DateTime<Utc>) {
    match send.scheduled_at {
        Some(at) if send.scheduled > 0 => ("Scheduled for", at),
        Some(at) => ("Sent", at),
        None => ("Sent", send.created_at),
    }
}

/// Who a send went to, in a few words: "12 recipients", with those still scheduled.
pub fn recipients_summary(send: &SentMessage) -> String {
    let people = if send.recipients == 1 {
        "1 recipient".to_owned()
    } else {
        format!("{} recipients", send.recipients)
    };
    if send.scheduled > 0 && send.scheduled < send.recipients {
        format!("{people}, {} still scheduled", send.scheduled)
    } else {
        people
    }
}

/// Where a visitor is listed: on the site now first, then today, then the rest of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitorGroup {
    OnSiteNow,
    Today,
    ThisWeek,
}

impl VisitorGroup {
    pub fn title(self) -> &'static str {
        match self {
            VisitorGroup::OnSiteNow => "On the site now",
            VisitorGroup::Today => "Earlier today",
            VisitorGroup::ThisWeek => "This week",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VisitorGroup::OnSiteNow => "now",
            VisitorGroup::Today => "today",
            VisitorGroup::ThisWeek => "week",
        }
    }
}

/// The visitors in their groups, in that order and each most recent first, as indices into
/// `visitors`; a group with nobody is left out. `today` says whether a time falls on the user's
/// today (in their zone). Someone the answer had on the site is there no more once `now` is five
/// minutes past their last page view, though the list was not loaded again.
pub fn visitor_groups(
    visitors: &[Visitor],
    now: DateTime<Utc>,
    today: impl Fn(&DateTime<Utc>) -> bool,
) -> Vec<(VisitorGroup, Vec<usize>)> {
    let on_site = |v: &Visitor| {
        v.active_now && now - v.last_page.viewed_at < Duration::minutes(ACTIVE_NOW_MINUTES)
    };
    let group_of = |v: &Visitor| {
        if on_site(v) {
            VisitorGroup::OnSiteNow
        } else if today(&v.last_page.viewed_at) {
            VisitorGroup::Today
        } else {
            VisitorGroup::ThisWeek
        }
    };
    let groups: Vec<VisitorGroup> = visitors.iter().map(group_of).collect();
    [
        VisitorGroup::OnSiteNow,
        VisitorGroup::Today,
        VisitorGroup::ThisWeek,
    ]
    .into_iter()
    .filter_map(|group| {
        let mut members: Vec<usize> = (0..visitors.len())
            .filter(|at| groups[*at] == group)
            .collect();
        members.sort_by_key(|at| std::cmp::Reverse(visitors[*at].last_page.viewed_at));
        (!members.is_empty()).then_some((group, members))
    })
    .collect()
}

/// A row of the visitors' list: a group's heading, or a visitor (an index into the visitors)
/// of that group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitorRow {
    Heading(VisitorGroup),
    Visitor {
        at: usize,
        group: VisitorGroup,
        key: i64,
    },
}

impl VisitorRow {
    /// The row's key in a virtual list: a visitor's [`Keyed::key`] (never negative), a heading
    /// below zero, one per group.
    pub fn key(self) -> i64 {
        match self {
            VisitorRow::Heading(group) => match group {
                VisitorGroup::OnSiteNow => -1,
                VisitorGroup::Today => -2,
                VisitorGroup::ThisWeek => -3,
            },
            VisitorRow::Visitor { key, .. } => key,
        }
    }
}

/// The visitors as the rows of one list: each group's heading, then its visitors (see
/// [`visitor_groups`]). The API lists the most recent first, so a next page only adds rows at
/// the end of the last group, or groups after it.
pub fn visitor_rows(
    visitors: &[Visitor],
    now: DateTime<Utc>,
    today: impl Fn(&DateTime<Utc>) -> bool,
) -> Vec<VisitorRow> {
    let mut rows = Vec::with_capacity(visitors.len() + 3);
    for (group, members) in visitor_groups(visitors, now, today) {
        rows.push(VisitorRow::Heading(group));
        rows.extend(members.into_iter().map(|at| VisitorRow::Visitor {
            at,
            group,
            key: visitors[at].key(),
        }));
    }
    rows
}

/// A visitor is one CRM record: keyed by its entity and CRM id (a hash, FNV-1a, never
/// negative), which stay the same when a live refresh brings their newer page view.
impl Keyed for Visitor {
    fn key(&self) -> i64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let bytes = self.entity.as_str().bytes().chain([b'/']);
        for byte in bytes.chain(self.crm_id.bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        (hash >> 1) as i64
    }
}

impl Page for Visitors {
    type Item = Visitor;
    type Extra = ();
    fn into_parts(self) -> (Vec<Visitor>, Option<String>, ()) {
        (self.items, self.next_cursor, ())
    }
}

/// The page a visitor is on (or was last on): its title, else its address, else a word.
pub fn page_name(visitor: &Visitor) -> String {
    let page = &visitor.last_page;
    page.title
        .as_deref()
        .or(page.url.as_deref())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or("a page")
        .to_owned()
}

/// How often a visitor came in the last 30 days, in words.
pub fn visits_summary(visitor: &Visitor) -> String {
    match visitor.visits_30_days {
        0 | 1 => "1 visit in 30 days".to_owned(),
        n => format!("{n} visits in 30 days"),
    }
}

/// The visitor as the CRM record the Send view writes to.
pub fn visitor_record(visitor: &Visitor) -> CrmRecord {
    CrmRecord {
        entity: visitor.entity,
        id: visitor.crm_id.clone(),
        person: PersonFields {
            email: visitor.email.clone(),
            first_name: visitor.first_name.clone(),
            last_name: visitor.last_name.clone(),
            company: visitor.company.clone(),
            job_title: None,
        },
    }
}

/// The empty Website visitors section says how people become known visitors.
pub const NO_VISITORS: &str = "Nobody you own has visited the website this week. A visitor \
     becomes known when they fill in a form on the site or click a link in one of your emails; \
     from then on their visits show here.";

/// The empty My sent messages section.
pub const NO_SENDS: &str =
    "Emails you send from the sidebar show here, with who opened and clicked them.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Entity, PageView, Role, UserSummary};
    use chrono::TimeZone;

    fn send(sent: u32, delivered: u32, opened: u32, clicked: u32, bounced: u32) -> SentMessage {
        SentMessage {
            id: 1,
            campaign_id: "SEND-1".into(),
            subject: "Spring offer".into(),
            template_id: 3,
            template_name: Some("Spring".into()),
            sender: owner(),
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
            scheduled_at: None,
            recipients: sent,
            sent,
            scheduled: 0,
            delivered,
            opened,
            clicked,
            bounced,
            unsubscribed: 0,
        }
    }

    fn owner() -> UserSummary {
        UserSummary {
            id: 1,
            crm_user: "rep-ava".into(),
            name: "Ava Reed".into(),
            role: Role::Rep,
        }
    }

    fn visitor(crm_id: &str, minutes_ago: i64, active_now: bool) -> Visitor {
        let now = Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap();
        let page = PageView {
            activity_id: 1,
            url: Some("https://example.com/pricing".into()),
            title: Some("Pricing".into()),
            viewed_at: now - chrono::Duration::minutes(minutes_ago),
        };
        Visitor {
            entity: Entity::Lead,
            crm_id: crm_id.into(),
            first_name: Some("Mia".into()),
            last_name: None,
            email: None,
            company: None,
            owner: owner(),
            last_page: page.clone(),
            active_now,
            pages: vec![page],
            visits_30_days: 2,
        }
    }

    #[test]
    fn opens_and_clicks_are_rates_of_those_the_email_reached() {
        let rates = send_rates(&send(10, 8, 4, 1, 2));
        let percent: Vec<(RateKind, u32)> = rates.iter().map(|r| (r.kind, r.percent())).collect();
        assert_eq!(
            percent,
            [
                (RateKind::Delivered, 80),
                (RateKind::Opened, 50),
                (RateKind::Clicked, 13),
                (RateKind::Bounced, 20),
                (RateKind::Unsubscribed, 0),
            ]
        );
    }

    #[test]
    fn a_rate_of_nobody_is_zero_and_never_above_all() {
        assert_eq!(
            Rate {
                kind: RateKind::Opened,
                count: 0,
                of: 0
            }
            .percent(),
            0
        );
        assert_eq!(
            Rate {
                kind: RateKind::Opened,
                count: 3,
                of: 2
            }
            .percent(),
            100
        );
        assert_eq!(
            Rate {
                kind: RateKind::Opened,
                count: 1,
                of: 3
            }
            .percent(),
            33
        );
        assert_eq!(
            Rate {
                kind: RateKind::Opened,
                count: 2,
                of: 3
            }
            .percent(),
            67
        );
    }

    #[test]
    fn a_scheduled_send_says_when_it_goes() {
        let mut s = send(0, 0, 0, 0, 0);
        let at = Utc.with_ymd_and_hms(2026, 3, 9, 8, 0, 0).unwrap();
        s.scheduled_at = Some(at);
        s.scheduled = 3;
        s.recipients = 3;
        assert_eq!(send_time(&s), ("Scheduled for", at));
        assert_eq!(recipients_summary(&s), "3 recipients");
        s.scheduled = 0;
        assert_eq!(send_time(&s), ("Sent", at));
        s.scheduled_at = None;
        assert_eq!(send_time(&s), ("Sent", s.created_at));
    }

    #[test]
    fn visitors_on_the_site_now_come_first_then_today_then_the_week() {
        let visitors = [
            visitor("week", 60 * 30, false),
            visitor("today-late", 30, false),
            visitor("now", 2, true),
            visitor("today-early", 120, false),
        ];
        let now = Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap();
        let today_starts = Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap();
        let groups = visitor_groups(&visitors, now, |at| *at >= today_starts);
        let shown: Vec<(VisitorGroup, Vec<&str>)> = groups
            .iter()
            .map(|(g, vs)| {
                let ids = vs.iter().map(|at| visitors[*at].crm_id.as_str()).collect();
                (*g, ids)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (VisitorGroup::OnSiteNow, vec!["now"]),
                (VisitorGroup::Today, vec!["today-late", "today-early"]),
                (VisitorGroup::ThisWeek, vec!["week"]),
            ]
        );
        assert!(visitor_groups(&[], now, |_| true).is_empty());
        // Five minutes after their last page, they have left, though the list is the same.
        let later = now + chrono::Duration::minutes(4);
        let groups = visitor_groups(&visitors, later, |at| *at >= today_starts);
        assert_eq!(groups[0].0, VisitorGroup::Today);
        assert_eq!(visitors[groups[0].1[0]].crm_id, "now");
    }

    #[test]
    fn each_group_heads_its_visitors_in_one_list_keyed_apart() {
        let visitors = [
            visitor("now", 2, true),
            visitor("today", 30, false),
            visitor("week", 60 * 30, false),
            visitor("week-2", 60 * 31, false),
        ];
        let now = Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap();
        let today_starts = Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap();
        let rows = visitor_rows(&visitors, now, |at| *at >= today_starts);
        let shown: Vec<String> = rows
            .iter()
            .map(|row| match row {
                VisitorRow::Heading(group) => group.title().to_owned(),
                VisitorRow::Visitor { at, .. } => visitors[*at].crm_id.clone(),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "On the site now",
                "now",
                "Earlier today",
                "today",
                "This week",
                "week",
                "week-2"
            ]
        );
        let keys: std::collections::HashSet<i64> = rows.iter().map(|row| row.key()).collect();
        assert_eq!(keys.len(), rows.len(), "every row its own key");
        assert!(rows
            .iter()
            .all(|row| matches!(row, VisitorRow::Heading(_)) == (row.key() < 0)));
        assert!(visitor_rows(&[], now, |_| true).is_empty());
    }

    #[test]
    fn a_visitor_keeps_their_key_when_their_last_page_changes() {
        let earlier = visitor("L-1", 30, false);
        let mut later = visitor("L-1", 1, true);
        later.last_page.activity_id = 99;
        assert_eq!(earlier.key(), later.key());
        assert_ne!(earlier.key(), visitor("L-2", 30, false).key());
        let mut contact = visitor("L-1", 30, false);
        contact.entity = Entity::Contact;
        assert_ne!(earlier.key(), contact.key(), "another entity's record");
    }

    #[test]
    fn a_live_activity_reloads_only_the_section_it_changes() {
        let mut view = DashboardView::<String>::default();
        assert!(view.apply(DashboardAction::Activity(ActivityKind::EmailOpened)));
        assert_eq!((view.sends_refreshes, view.visitors_refreshes), (1, 0));
        assert!(view.apply(DashboardAction::Activity(ActivityKind::PageVisit)));
        assert_eq!((view.sends_refreshes, view.visitors_refreshes), (1, 1));
        assert!(!view.apply(DashboardAction::Activity(ActivityKind::ScoreChanged)));
        assert_eq!((view.sends_refreshes, view.visitors_refreshes), (1, 1));
    }

    #[test]
    fn choosing_another_owner_closes_the_open_send() {
        let mut view = DashboardView::<String>::default();
        assert_eq!(view.owner(), None);
        view.apply(DashboardAction::OpenSend(Some(7)));
        assert!(view.apply(DashboardAction::Choose(OwnerSelection::Team)));
        assert_eq!(
            (view.owner(), view.opened_send),
            (Some(OwnerSelection::Team), None)
        );
        assert!(!view.apply(DashboardAction::Choose(OwnerSelection::Team)));
    }
}
