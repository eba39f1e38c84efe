//! A record's page: the tab on screen, the tabs opened so far, the Activity tab's filters while
//! another tab shows, and the reloads of what marketing knows of the person.

use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::domain::activity_filters::Filters;
use crate::protocol::View;
use crate::wire::Activity;

/// A tab of a record's page. Add a variant, its label and its panel in the record view to add
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Activity,
    Timeline,
    Programs,
    Send,
}

impl Tab {
    pub const ALL: &'static [Tab] = &[Tab::Activity, Tab::Timeline, Tab::Programs, Tab::Send];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Activity => "Activity",
            Tab::Timeline => "Timeline",
            Tab::Programs => "Programs",
            Tab::Send => "Send",
        }
    }

    /// The id stem of its button (`tab-…`) and panel (`panel-…`).
    pub fn id(self) -> &'static str {
        match self {
            Tab::Activity => "activity",
            Tab::Timeline => "timeline",
            Tab::Programs => "programs",
            Tab::Send => "send",
        }
    }

    pub fn button_id(self) -> String {
        format!("tab-{}", self.id())
    }

    pub fn panel_id(self) -> String {
        format!("panel-{}", self.id())
    }

    /// The tab a host view opens on.
    pub fn for_view(view: View) -> Tab {
        match view {
            View::Activity | View::HotProspects | View::Dashboard => Tab::Activity,
            View::Timeline => Tab::Timeline,
            View::Programs => Tab::Programs,
            View::Send => Tab::Send,
        }
    }

    /// The tab a key moves to from `self`, if the key moves.
    pub fn after_key(self, key: &str) -> Option<Tab> {
        let at = Tab::ALL.iter().position(|tab| *tab == self)?;
        let last = Tab::ALL.len() - 1;
        let to = match key {
            "ArrowRight" => {
                if at == last {
                    0
                } else {
                    at + 1
                }
            }
            "ArrowLeft" => {
                if at == 0 {
                    last
                } else {
                    at - 1
                }
            }
            "Home" => 0,
            "End" => last,
            _ => return None,
        };
        Some(Tab::ALL[to])
    }
}

/// The state of a record's page. Another record is another page, with fresh state.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordPage {
    pub tab: Tab,
    /// Send and Programs hold forms (a draft, ticked programs): once opened they stay mounted,
    /// hidden while another tab shows, so switching tabs loses nothing.
    pub send_opened: bool,
    pub programs_opened: bool,
    /// The Activity tab unmounts while another tab shows; its filters wait here for the rep to
    /// come back.
    pub activity_filters: Filters,
    /// Counts the reloads of marketing's data: the profile, the history and the timeline are
    /// fetched again for each.
    pub reloads: u32,
    /// A refresh the user asked for (or a send or enrolment that changed the person) is on its
    /// way: the refresh button says so.
    pub refreshing: bool,
    /// When a reload last brought a new copy of the profile on screen: the header says so, as
    /// the profile's own "updated" time need not change.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// The person's new activities the live feed brought while the page is open, oldest
    /// first: the history lists them, the timeline counts them again.
    pub arrived: Rc<Vec<Rc<Activity>>>,
    /// When the newest of them happened.
    pub last_arrived_at: Option<DateTime<Utc>>,
}

/// Every change to a [`RecordPage`].
#[derive(Clone, Debug, PartialEq)]
pub enum RecordPageAction {
    /// The user picked a tab, or the host opened another view of the same record.
    Show(Tab),
    /// The refresh button, or a send or enrolment that finished (maybe long after its click).
    Refresh,
    /// Marketing's data again without the refresh button saying so: an expired session ended,
    /// and what failed while it was over is asked for again.
    Reload,
    /// The profile answered, or failed; `refreshed_at` when its answer replaced one on screen.
    ProfileAnswered { refreshed_at: Option<DateTime<Utc>> },
    /// The Activity tab's filters changed.
    KeepFilters(Filters),
    /// The live feed brought a new activity of the person.
    Arrived(Rc<Activity>),
}

impl RecordPage {
    pub fn new(tab: Tab) -> RecordPage {
        RecordPage {
            tab,
            send_opened: tab == Tab::Send,
            programs_opened: tab == Tab::Programs,
            activity_filters: Filters::default(),
            reloads: 0,
            refreshing: false,
            refreshed_at: None,
            arrived: Rc::default(),
            last_arrived_at: None,
        }
    }

    /// Applies one action. Returns whether anything changed.
    pub fn apply(&mut self, action: RecordPageAction) -> bool {
        match action {
            RecordPageAction::Show(tab) => {
                let opened = (
                    self.send_opened || tab == Tab::Send,
                    self.programs_opened || tab == Tab::Programs,
                );
                if tab == self.tab && opened == (self.send_opened, self.programs_opened) {
                    return false;
                }
                self.tab = tab;
                (self.send_opened, self.programs_opened) = opened;
            }
            RecordPageAction::Refresh => {
                self.refreshing = true;
                self.reloads = self.reloads.wrapping_add(1);
            }
            RecordPageAction::Reload => self.reloads = self.reloads.wrapping_add(1),
            RecordPageAction::ProfileAnswered { refreshed_at } => {
                if !self.refreshing && refreshed_at.is_none() {
                    return false;
                }
                self.refreshing = false;
                self.refreshed_at = refreshed_at.or(self.refreshed_at);
            }
            RecordPageAction::KeepFilters(filters) => {
                if filters == self.activity_filters {
                    return false;
                }
                self.activity_filters = filters;
            }
            RecordPageAction::Arrived(activity) => {
                if self.arrived.iter().any(|known| known.id == activity.id) {
                    return false;
                }
                self.last_arrived_at = self.last_arrived_at.max(Some(activity.occurred_at));
                Rc::make_mut(&mut self.arrived).push(activity);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ActivityKind;

    #[test]
    fn a_form_tab_once_opened_stays_opened() {
        let mut page = RecordPage::new(Tab::Programs);
        assert!(page.programs_opened && !page.send_opened);
        assert!(
            !page.apply(RecordPageAction::Show(Tab::Programs)),
            "no change"
        );
        assert!(page.apply(RecordPageAction::Show(Tab::Send)));
        assert!(page.apply(RecordPageAction::Show(Tab::Activity)));
        assert_eq!(page.tab, Tab::Activity);
        assert!(page.programs_opened && page.send_opened);
    }

    #[test]
    fn a_refresh_is_busy_until_the_profile_answers_and_says_when_it_brought_one() {
        let mut page = RecordPage::new(Tab::Activity);
        page.apply(RecordPageAction::Refresh);
        assert_eq!((page.reloads, page.refreshing), (1, true));
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        page.apply(RecordPageAction::ProfileAnswered {
            refreshed_at: Some(at),
        });
        assert_eq!((page.refreshing, page.refreshed_at), (false, Some(at)));
        // A reload after an expired session is not a refresh the button shows; a failed answer
        // keeps when the profile was last refreshed.
        page.apply(RecordPageAction::Reload);
        assert_eq!((page.reloads, page.refreshing), (2, false));
        page.apply(RecordPageAction::ProfileAnswered { refreshed_at: None });
        assert_eq!(page.refreshed_at, Some(at));
    }

    #[test]
    fn new_activities_are_kept_once_with_the_newest_time() {
        let mut page = RecordPage::new(Tab::Activity);
        let at = |id: i64, time: &str| {
            Rc::new(Activity {
                id,
                kind: ActivityKind::PageVisit,
                occurred_at: time.parse().unwrap(),
                subject: None,
                url: None,
                campaign_id: None,
                details: Default::default(),
            })
        };
        assert!(page.apply(RecordPageAction::Arrived(at(2, "2026-03-10T11:00:00Z"))));
        // Recorded later, but it happened earlier.
        assert!(page.apply(RecordPageAction::Arrived(at(3, "2026-03-10T10:00:00Z"))));
        assert!(!page.apply(RecordPageAction::Arrived(at(2, "2026-03-10T11:00:00Z"))));
        assert_eq!(page.arrived.len(), 2);
        assert_eq!(
            page.last_arrived_at,
            Some("2026-03-10T11:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn the_activity_filters_wait_for_the_tab() {
        let mut page = RecordPage::new(Tab::Activity);
        let mut filters = Filters::default();
        filters.toggle_kind(ActivityKind::PageVisit);
        assert!(page.apply(RecordPageAction::KeepFilters(filters.clone())));
        page.apply(RecordPageAction::Show(Tab::Timeline));
        assert_eq!(page.activity_filters, filters);
    }

    #[test]
    fn arrow_keys_move_between_tabs_and_wrap() {
        assert_eq!(Tab::Activity.after_key("ArrowRight"), Some(Tab::Timeline));
        assert_eq!(Tab::Send.after_key("ArrowRight"), Some(Tab::Activity));
        assert_eq!(Tab::Activity.after_key("ArrowLeft"), Some(Tab::Send));
        assert_eq!(Tab::Programs.after_key("Home"), Some(Tab::Activity));
        assert_eq!(Tab::Timeline.after_key("End"), Some(Tab::Send));
        assert_eq!(Tab::Timeline.after_key("Enter"), None);
        assert_eq!(Tab::for_view(View::HotProspects), Tab::Activity);
    }
}
