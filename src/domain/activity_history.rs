//! The activity history view's state and every change to it.
//!
//! The plugin wraps [`HistoryState`] in a Yew reducer; everything that can be decided without a
//! browser is decided here: which page belongs to which listing, de-duplication, day grouping,
//! which rows are expanded and how tall each row is.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::domain::activity_details::detail_lines;
use crate::domain::activity_filters::{DateRange, Filters};
use crate::domain::paging::ListPhase;
use crate::domain::time::LocalDate;
use crate::domain::virtual_list::Layout;
use crate::wire::{Activity, ActivityKind};

/// Height of a day header row, in CSS pixels (`.day-row` in sidebar.css).
pub const DAY_ROW_HEIGHT: u32 = 32;
/// Height of a collapsed activity row (`.activity-summary`).
pub const ACTIVITY_ROW_HEIGHT: u32 = 60;
/// Height of one detail line of an expanded row (`.detail-line`) on one line: the estimate of an
/// expanded row until it is measured (a long value wraps onto more lines).
pub const DETAIL_LINE_HEIGHT: u32 = 20;
/// Vertical padding around the detail lines (`.activity-details`).
pub const DETAILS_PADDING: u32 = 12;

/// An activity with what the view needs to place it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub activity: Rc<Activity>,
    /// The day it happened in the user's time zone.
    pub day: LocalDate,
    /// How many detail lines it expands to (0: it has no expand button).
    pub detail_count: u32,
}

impl Entry {
    pub fn new(activity: Activity, day: LocalDate) -> Entry {
        let detail_count = detail_lines(&activity).len() as u32;
        Entry {
            activity: Rc::new(activity),
            day,
            detail_count,
        }
    }

    pub fn id(&self) -> i64 {
        self.activity.id
    }

    /// Its height collapsed, or expanded with each detail on one line.
    pub fn height(&self, expanded: bool) -> u32 {
        if expanded && self.detail_count > 0 {
            ACTIVITY_ROW_HEIGHT + DETAILS_PADDING + self.detail_count * DETAIL_LINE_HEIGHT
        } else {
            ACTIVITY_ROW_HEIGHT
        }
    }
}

/// Turns an API page into entries, placing each activity on its local day with `day_of`.
pub fn entries_from_page(
    items: Vec<Activity>,
    mut day_of: impl FnMut(&DateTime<Utc>) -> LocalDate,
) -> Vec<Entry> {
    items
        .into_iter()
        .map(|activity| {
            let day = day_of(&activity.occurred_at);
            Entry::new(activity, day)
        })
        .collect()
}

/// One row of the rendered list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// A header naming the day of the activities below it.
    Day(LocalDate),
    /// The activity at this index of [`HistoryState::entries`].
    Activity(usize),
}

/// Rows for entries that are newest first: a day header before the first activity of each day.
pub fn group_by_day(entries: &[Entry]) -> Vec<Row> {
    let mut rows = Vec::with_capacity(entries.len() + entries.len() / 4 + 1);
    let mut current: Option<LocalDate> = None;
    for (index, entry) in entries.iter().enumerate() {
        if current != Some(entry.day) {
            current = Some(entry.day);
            rows.push(Row::Day(entry.day));
        }
        rows.push(Row::Activity(index));
    }
    rows
}

/// Every change to the history view.
#[derive(Clone, Debug, PartialEq)]
pub enum HistoryAction<E> {
    ToggleKind(ActivityKind),
    SetText(String),
    SetRange(DateRange),
    ClearFilters,
    /// Start the listing over with the same filters (refresh button, retry of the first page).
    Reload,
    /// Ask for the next page (also the retry of a failed one).
    LoadMore,
    PageLoaded {
        generation: u64,
        entries: Vec<Entry>,
        next_cursor: Option<String>,
        /// What the filters match per kind; the API sends it with a listing's first page.
        kind_counts: Option<BTreeMap<ActivityKind, u64>>,
    },
    PageFailed {
        generation: u64,
        error: E,
    },
    ToggleExpanded(i64),
    /// An expanded row as drawn is `height` pixels tall (its details wrap at the view's width).
    Measured {
        id: i64,
        height: u32,
    },
    /// The live feed brought a new activity, at `now`. Listed at once, marked new, while the
    /// list shows its top; held for [`HistoryAction::ShowArrived`] while the user reads further
    /// down, so nothing moves under them.
    Arrived {
        entry: Entry,
        now: DateTime<Utc>,
    },
    /// The user scrolled the list away from its top (`true`) or back to it.
    ScrolledDown(bool),
    /// The user asked to see the activities held while they were scrolled down.
    ShowArrived,
}

/// The history view's state.
///
/// Each listing (a set of filters, fetched page by page) has a `generation`; a page or error
/// tagged with an older generation arrived for a listing the user has left and is dropped.
#[derive(Clone, Debug)]
pub struct HistoryState<E> {
    pub filters: Filters,
    pub generation: u64,
    pub phase: ListPhase<E>,
    pub next_cursor: Option<String>,
    /// What the filters match per kind (their kinds aside), from the listing's first page. A
    /// new listing keeps the previous counts until its own arrive; a failed one has none.
    pub kind_counts: Option<Rc<BTreeMap<ActivityKind, u64>>>,
    /// How many times the filters were cleared: a search typed but not yet applied is dropped
    /// by each clear.
    pub clears: u32,
    /// Counts applied changes: two snapshots of one history with the same revision are equal.
    revision: u64,
    entries: Rc<Vec<Entry>>,
    ids: Rc<BTreeSet<i64>>,
    expanded: Rc<BTreeSet<i64>>,
    /// The drawn height of expanded rows, by activity id, once measured.
    measured: Rc<BTreeMap<i64, u32>>,
    rows: Rc<Vec<Row>>,
    layout: Rc<Layout>,
    /// The list is scrolled away from its top: new activities wait in `held`.
    scrolled_down: bool,
    /// New activities from the live feed not listed yet, oldest first.
    held: Rc<Vec<Entry>>,
    /// Activities the live feed brought while this listing is shown: marked new.
    fresh: Rc<BTreeSet<i64>>,
    /// New activities that came while the first page was on its way: listed with it, unless
    /// it has them already.
    before_first_page: Rc<Vec<Entry>>,
}

/// The generation of a history's first listing, the one it opens with.
pub const FIRST_GENERATION: u64 = 1;

impl<E> Default for HistoryState<E> {
    fn default() -> Self {
        HistoryState {
            filters: Filters::default(),
            generation: FIRST_GENERATION,
            phase: ListPhase::Loading,
            next_cursor: None,
            kind_counts: None,
            clears: 0,
            revision: 0,
            entries: Rc::default(),
            ids: Rc::default(),
            expanded: Rc::default(),
            measured: Rc::default(),
            rows: Rc::default(),
            layout: Rc::default(),
            scrolled_down: false,
            held: Rc::default(),
            fresh: Rc::default(),
            before_first_page: Rc::default(),
        }
    }
}

/// Snapshots of the same history compare by revision, in O(1): the view re-renders exactly when
/// an action changed something.
impl<E> PartialEq for HistoryState<E> {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision && self.generation == other.generation
    }
}

impl<E> HistoryState<E> {
    /// A history about to list its first page for `filters`: the filters a rep chose before
    /// leaving the tab, when the view comes back.
    pub fn with_filters(filters: Filters) -> Self {
        HistoryState {
            filters,
            ..HistoryState::default()
        }
    }

    /// A history whose first page was already loaded, for views mounted with data at hand.
    pub fn with_page(entries: Vec<Entry>, next_cursor: Option<String>) -> Self {
        let mut state = HistoryState::default();
        let generation = state.generation;
        state.apply(HistoryAction::PageLoaded {
            generation,
            entries,
            next_cursor,
            kind_counts: None,
        });
        state
    }

    /// Applies one action. Returns whether anything changed.
    pub fn apply(&mut self, action: HistoryAction<E>) -> bool {
        let changed = self.apply_action(action);
        if changed {
            self.revision += 1;
        }
        changed
    }

    fn apply_action(&mut self, action: HistoryAction<E>) -> bool {
        match action {
            HistoryAction::ToggleKind(kind) => {
                self.filters.toggle_kind(kind);
                self.restart();
            }
            HistoryAction::SetText(text) => {
                if text.trim() == self.filters.search_text() {
                    self.filters.text = text;
                    return false;
                }
                self.filters.text = text;
                self.restart();
            }
            HistoryAction::SetRange(range) => {
                if range == self.filters.range {
                    return false;
                }
                self.filters.range = range;
                self.restart();
            }
            HistoryAction::ClearFilters => {
                if self.filters == Filters::default() {
                    return false;
                }
                self.filters = Filters::default();
                self.clears = self.clears.wrapping_add(1);
                self.restart();
            }
            HistoryAction::Reload => self.restart(),
            HistoryAction::LoadMore => {
                if !self.can_load_more() {
                    return false;
                }
                self.phase = ListPhase::LoadingMore;
            }
            HistoryAction::PageLoaded {
                generation,
                entries,
                next_cursor,
                kind_counts,
            } => {
                if generation != self.generation {
                    return false;
                }
                match self.phase {
                    ListPhase::Loading | ListPhase::Failed(_) => {
                        self.kind_counts = kind_counts.map(Rc::new);
                        self.replace_entries(entries);
                        self.next_cursor = next_cursor.clone();
                        let early = std::mem::take(Rc::make_mut(&mut self.before_first_page));
                        self.list_arrived(early);
                    }
                    ListPhase::LoadingMore | ListPhase::FailedMore(_) => {
                        self.append_entries(entries)
                    }
                    ListPhase::Idle => return false,
                }
                self.next_cursor = next_cursor;
                self.phase = ListPhase::Idle;
                self.rebuild();
            }
            HistoryAction::PageFailed { generation, error } => {
                if generation != self.generation {
                    return false;
                }
                self.phase = match self.phase {
                    ListPhase::Loading | ListPhase::Failed(_) => {
                        self.kind_counts = None;
                        ListPhase::Failed(error)
                    }
                    ListPhase::LoadingMore | ListPhase::FailedMore(_) => {
                        ListPhase::FailedMore(error)
                    }
                    ListPhase::Idle => return false,
                };
            }
            HistoryAction::ToggleExpanded(id) => {
                if !self.ids.contains(&id) {
                    return false;
                }
                let expanded = Rc::make_mut(&mut self.expanded);
                if expanded.remove(&id) {
                    // Measured again when next expanded: the width may have changed meanwhile.
                    Rc::make_mut(&mut self.measured).remove(&id);
                } else {
                    expanded.insert(id);
                }
                self.rebuild();
            }
            HistoryAction::Measured { id, height } => {
                if !self.expanded.contains(&id)
                    || height == 0
                    || self.measured.get(&id) == Some(&height)
                {
                    return false;
                }
                Rc::make_mut(&mut self.measured).insert(id, height);
                self.rebuild();
            }
            HistoryAction::Arrived { entry, now } => {
                if !self.admits(&entry, now) {
                    return false;
                }
                if matches!(self.phase, ListPhase::Loading | ListPhase::Failed(_)) {
                    Rc::make_mut(&mut self.before_first_page).push(entry);
                } else if self.scrolled_down {
                    Rc::make_mut(&mut self.held).push(entry);
                } else {
                    self.list_arrived(vec![entry]);
                }
            }
            HistoryAction::ScrolledDown(down) => {
                if down == self.scrolled_down {
                    return false;
                }
                self.scrolled_down = down;
            }
            HistoryAction::ShowArrived => {
                if self.held.is_empty() {
                    return false;
                }
                let held = std::mem::take(Rc::make_mut(&mut self.held));
                self.list_arrived(held);
            }
        }
        true
    }

    /// Whether a new activity belongs in this listing, not listed or held yet. While a search
    /// is typed the list shows what the API found for it (it knows which fields match); the
    /// new activities show once it is cleared.
    fn admits(&self, entry: &Entry, now: DateTime<Utc>) -> bool {
        let activity = &entry.activity;
        let id = activity.id;
        !self.ids.contains(&id)
            && ![&self.held, &self.before_first_page]
                .iter()
                .any(|waiting| waiting.iter().any(|entry| entry.id() == id))
            && self.filters.search_text().is_empty()
            && (self.filters.kinds.is_empty() || self.filters.kinds.contains(&activity.kind))
            && self
                .filters
                .range
                .since(now)
                .is_none_or(|since| activity.occurred_at >= since)
    }

    /// Lists new activities in their place (newest first: usually on top), marked new. One
    /// older than everything loaded while older pages remain comes with its page instead.
    fn list_arrived(&mut self, arrived: Vec<Entry>) {
        for entry in arrived {
            let key = (entry.activity.occurred_at, entry.id());
            let at = self
                .entries
                .iter()
                .position(|listed| (listed.activity.occurred_at, listed.id()) < key)
                .unwrap_or(self.entries.len());
            if at == self.entries.len() && self.next_cursor.is_some() {
                continue;
            }
            if !Rc::make_mut(&mut self.ids).insert(entry.id()) {
                continue;
            }
            Rc::make_mut(&mut self.fresh).insert(entry.id());
            if let Some(counts) = &mut self.kind_counts {
                *Rc::make_mut(counts).entry(entry.activity.kind).or_default() += 1;
            }
            Rc::make_mut(&mut self.entries).insert(at, entry);
        }
        self.rebuild();
    }

    /// The page on its way: `Some(None)` for the listing's first, `Some(Some(cursor))` for the
    /// one after `cursor`; `None` when none is.
    pub fn asking(&self) -> Option<Option<String>> {
        self.phase.asking(&self.next_cursor)
    }

    /// Whether the next page may be asked for now: nothing in flight and a cursor to go on from
    /// (a failed page may be retried).
    pub fn can_load_more(&self) -> bool {
        matches!(self.phase, ListPhase::Idle | ListPhase::FailedMore(_))
            && self.next_cursor.is_some()
    }

    fn restart(&mut self) {
        self.generation += 1;
        self.phase = ListPhase::Loading;
        self.next_cursor = None;
        self.entries = Rc::default();
        self.ids = Rc::default();
        self.expanded = Rc::default();
        self.measured = Rc::default();
        self.rows = Rc::default();
        self.layout = Rc::default();
        self.held = Rc::default();
        self.fresh = Rc::default();
        self.before_first_page = Rc::default();
        // The list is drawn anew, at its top.
        self.scrolled_down = false;
    }

    fn replace_entries(&mut self, entries: Vec<Entry>) {
        self.entries = Rc::default();
        self.ids = Rc::default();
        self.append_entries(entries);
    }

    /// Appends a page, skipping activities already listed: a page boundary can shift when new
    /// activity arrives between two requests.
    fn append_entries(&mut self, page: Vec<Entry>) {
        let ids = Rc::make_mut(&mut self.ids);
        let entries = Rc::make_mut(&mut self.entries);
        for entry in page {
            if ids.insert(entry.id()) {
                entries.push(entry);
            }
        }
    }

    fn rebuild(&mut self) {
        let rows = group_by_day(&self.entries);
        let layout = Layout::from_heights(rows.iter().map(|row| match *row {
            Row::Day(_) => DAY_ROW_HEIGHT,
            Row::Activity(index) => {
                let entry = &self.entries[index];
                let expanded = self.expanded.contains(&entry.id());
                match self.measured.get(&entry.id()) {
                    Some(height) if expanded => *height,
                    _ => entry.height(expanded),
                }
            }
        }));
        self.rows = Rc::new(rows);
        self.layout = Rc::new(layout);
    }
}

impl<E> HistoryState<E> {
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The day of the rows at the top of a list scrolled to `scroll_top`, once its own header
    /// has scrolled up out of view (wholly or in part): deep in a long history the reader still
    /// sees which day the rows are from. `None` while the header shows whole, and while the next
    /// day's header is where the pinned one would be drawn (it would name the wrong day there).
    pub fn day_scrolled_past(&self, scroll_top: u32) -> Option<LocalDate> {
        let top = self.layout.row_at(scroll_top)?;
        let under_pinned = self
            .layout
            .row_at(scroll_top.saturating_add(DAY_ROW_HEIGHT - 1))
            .unwrap_or(top);
        if self.rows[top + 1..=under_pinned.max(top)]
            .iter()
            .any(|row| matches!(row, Row::Day(_)))
        {
            return None;
        }
        let (at, day) =
            self.rows[..=top]
                .iter()
                .enumerate()
                .rev()
                .find_map(|(at, row)| match row {
                    Row::Day(day) => Some((at, *day)),
                    Row::Activity(_) => None,
                })?;
        (self.layout.offset(at) < scroll_top).then_some(day)
    }

    pub fn is_expanded(&self, id: i64) -> bool {
        self.expanded.contains(&id)
    }

    /// The live feed brought it while this listing is shown: it is marked new.
    pub fn is_fresh(&self, id: i64) -> bool {
        self.fresh.contains(&id)
    }

    /// New activities waiting for the user to scroll up (the "new activity" chip).
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The listing is complete and has no row.
    pub fn is_empty(&self) -> bool {
        matches!(self.phase, ListPhase::Idle) && self.entries.is_empty()
    }

    /// Every page has been loaded.
    pub fn is_complete(&self) -> bool {
        matches!(self.phase, ListPhase::Idle) && self.next_cursor.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ActivityDetails, ActivityPage};

    type State = HistoryState<&'static str>;

    /// Local days in UTC+2: 22:30 UTC is already the next day.
    fn day_of(at: &DateTime<Utc>) -> LocalDate {
        let local = *at + chrono::Duration::hours(2);
        let date = local.date_naive();
        use chrono::Datelike;
        LocalDate::new(date.year(), date.month(), date.day()).unwrap()
    }

    fn activity(id: i64, at: &str, kind: ActivityKind) -> Activity {
        Activity {
            id,
            kind,
            occurred_at: at.parse().unwrap(),
            subject: Some(format!("Activity {id}")),
            url: None,
            campaign_id: None,
            details: ActivityDetails::default(),
        }
    }

    fn page(items: Vec<Activity>) -> Vec<Entry> {
        entries_from_page(items, day_of)
    }

    fn loaded(state: &mut State, entries: Vec<Entry>, cursor: Option<&str>) -> bool {
        let generation = state.generation;
        state.apply(HistoryAction::PageLoaded {
            generation,
            entries,
            next_cursor: cursor.map(str::to_owned),
            kind_counts: None,
        })
    }

    fn arrived(state: &mut State, id: i64, at: &str, kind: ActivityKind) -> bool {
        let entry = page(vec![activity(id, at, kind)]).remove(0);
        state.apply(HistoryAction::Arrived {
            entry,
            now: "2026-03-10T12:00:00Z".parse().unwrap(),
        })
    }

    fn ids(state: &State) -> Vec<i64> {
        state.entries().iter().map(Entry::id).collect()
    }

    #[test]
    fn a_new_activity_is_listed_on_top_marked_new_while_the_list_shows_its_top() {
        let mut state = State::default();
        loaded(
            &mut state,
            page(vec![
                activity(2, "2026-03-09T10:00:00Z", ActivityKind::EmailOpened),
                activity(1, "2026-03-08T10:00:00Z", ActivityKind::EmailSent),
            ]),
            None,
        );
        assert!(arrived(
            &mut state,
            3,
            "2026-03-10T11:59:00Z",
            ActivityKind::PageVisit
        ));
        assert_eq!(ids(&state), [3, 2, 1]);
        assert!(state.is_fresh(3) && !state.is_fresh(2));
        assert_eq!(
            state.rows()[0],
            Row::Day(day_of(&"2026-03-10T11:59:00Z".parse().unwrap()))
        );
        // The feed and a page may both bring it: listed once.
        assert!(!arrived(
            &mut state,
            3,
            "2026-03-10T11:59:00Z",
            ActivityKind::PageVisit
        ));
        assert_eq!(ids(&state), [3, 2, 1]);
    }

    #[test]
    fn while_scrolled_down_new_activities_wait_for_the_chip() {
        let mut state = State::default();
        loaded(
            &mut state,
            page(vec![activity(
                1,
                "2026-03-08T10:00:00Z",
                ActivityKind::EmailSent,
            )]),
            None,
        );
        assert!(state.apply(HistoryAction::ScrolledDown(true)));
        assert!(arrived(
            &mut state,
            2,
            "2026-03-10T11:00:00Z",
            ActivityKind::EmailOpened
        ));
        assert!(arrived(
            &mut state,
            3,
            "2026-03-10T11:30:00Z",
            ActivityKind::EmailClicked
        ));
        assert_eq!(ids(&state), [1], "nothing moves under the reader");
        assert_eq!(state.held(), 2);
        assert!(state.apply(HistoryAction::ShowArrived));
        assert_eq!(ids(&state), [3, 2, 1]);
        assert_eq!(state.held(), 0);
        assert!(state.is_fresh(2) && state.is_fresh(3));
        assert!(!state.apply(HistoryAction::ShowArrived));
    }

    #[test]
    fn new_activities_that_come_before_the_first_page_are_listed_with_it_once() {
        let mut state = State::default();
        assert!(arrived(
            &mut state,
            9,
            "2026-03-10T11:00:00Z",
            ActivityKind::PageVisit
        ));
        assert!(arrived(
            &mut state,
            8,
            "2026-03-10T10:00:00Z",
            ActivityKind::PageVisit
        ));
        assert!(state.entries().is_empty());
        // The page was read after 8 was recorded, before 9 was.
        loaded(
            &mut state,
            page(vec![
                activity(8, "2026-03-10T10:00:00Z", ActivityKind::PageVisit),
                activity(1, "2026-03-08T10:00:00Z", ActivityKind::EmailSent),
            ]),
            None,
        );
        assert_eq!(ids(&state), [9, 8, 1]);
        assert!(state.is_fresh(9) && !state.is_fresh(8));
    }

    #[test]
    fn new_activities_outside_the_filters_are_not_listed() {
        let mut state = State::default();
        state.apply(HistoryAction::ToggleKind(ActivityKind::EmailOpened));
        loaded(&mut state, Vec::new(), None);
        assert!(!arrived(
            &mut state,
            2,
            "2026-03-10T11:00:00Z",
            ActivityKind::PageVisit
        ));
        assert!(arrived(
            &mut state,
            3,
            "2026-03-10T11:00:00Z",
            ActivityKind::EmailOpened
        ));
        state.apply(HistoryAction::SetRange(DateRange::Last7Days));
        loaded(&mut state, Vec::new(), None);
        // Recorded now, but it happened a month ago.
        assert!(!arrived(
            &mut state,
            4,
            "2026-02-01T11:00:00Z",
            ActivityKind::EmailOpened
        ));
        state.apply(HistoryAction::SetText("pricing".into()));
        loaded(&mut state, Vec::new(), None);
        assert!(!arrived(
            &mut state,
            5,
            "2026-03-10T11:00:00Z",
            ActivityKind::EmailOpened
        ));
        assert!(state.is_empty());
    }

    #[test]
    fn a_late_activity_takes_its_place_and_one_older_than_the_loaded_pages_waits_for_its_page() {
        let mut state = State::default();
        loaded(
            &mut state,
            page(vec![
                activity(5, "2026-03-09T10:00:00Z", ActivityKind::EmailOpened),
                activity(4, "2026-03-07T10:00:00Z", ActivityKind::EmailSent),
            ]),
            Some("c-1"),
        );
        assert!(arrived(
            &mut state,
            6,
            "2026-03-08T10:00:00Z",
            ActivityKind::PageVisit
        ));
        assert_eq!(ids(&state), [5, 6, 4]);
        arrived(
            &mut state,
            7,
            "2026-03-01T10:00:00Z",
            ActivityKind::PageVisit,
        );
        assert_eq!(ids(&state), [5, 6, 4]);
    }

    #[test]
    fn a_new_listing_forgets_held_and_new_activities_and_starts_at_the_top() {
        let mut state = State::default();
        loaded(&mut state, Vec::new(), None);
        arrived(
            &mut state,
            1,
            "2026-03-10T11:00:00Z",
            ActivityKind::EmailOpened,
        );
        state.apply(HistoryAction::ScrolledDown(true));
        arrived(
            &mut state,
            2,
            "2026-03-10T11:10:00Z",
            ActivityKind::EmailOpened,
        );
        state.apply(HistoryAction::Reload);
        assert_eq!(state.held(), 0);
        assert!(!state.is_fresh(1));
        loaded(
            &mut state,
            page(vec![activity(
                2,
                "2026-03-10T11:10:00Z",
                ActivityKind::EmailOpened,
            )]),
            None,
        );
        assert!(arrived(
            &mut state,
            3,
            "2026-03-10T11:20:00Z",
            ActivityKind::EmailOpened
        ));
        assert_eq!(ids(&state), [3, 2]);
    }

    #[test]
    fn pages_from_the_api_group_by_local_day() {
        let json = r#"{"items":[
            {"id":3,"kind":"emailClicked","occurredAt":"2026-03-10T22:30:00Z","subject":"Offer",
             "url":null,"details":{"clickedUrl":"https://example.com/offer"}},
            {"id":2,"kind":"emailOpened","occurredAt":"2026-03-10T09:00:00Z","subject":"Offer",
             "url":null},
            {"id":1,"kind":"emailSent","occurredAt":"2026-03-09T08:00:00Z","subject":"Offer",
             "url":null}
        ],"nextCursor":"c2"}"#;
        let page_json: ActivityPage = serde_json::from_str(json).unwrap();
        let mut state = State::default();
        assert!(loaded(
            &mut state,
            page(page_json.items),
            page_json.next_cursor.as_deref()
        ));
        let d = |day| Row::Day(LocalDate::new(2026, 3, day).unwrap());
        assert_eq!(
            state.rows(),
            [
                d(11),
                Row::Activity(0),
                d(10),
                Row::Activity(1),
                d(9),
                Row::Activity(2)
            ]
        );
        assert_eq!(
            state.layout().total_height(),
            3 * DAY_ROW_HEIGHT + 3 * ACTIVITY_ROW_HEIGHT
        );
        assert_eq!(state.phase, ListPhase::Idle);
        assert!(state.can_load_more());
    }

    #[test]
    fn the_day_of_the_top_rows_is_known_once_its_header_scrolled_away() {
        let mut state = State::default();
        assert_eq!(state.day_scrolled_past(0), None, "no rows");
        let items = vec![
            activity(3, "2026-03-10T12:00:00Z", ActivityKind::PageVisit),
            activity(2, "2026-03-10T11:00:00Z", ActivityKind::PageVisit),
            activity(1, "2026-03-09T12:00:00Z", ActivityKind::PageVisit),
        ];
        loaded(&mut state, page(items), None);
        // Rows: day 10 (0..32), two activities (32..152), day 9 (152..184), one (184..244).
        let day = |d| Some(LocalDate::new(2026, 3, d).unwrap());
        assert_eq!(state.day_scrolled_past(0), None, "the header shows whole");
        assert_eq!(state.day_scrolled_past(1), day(10), "its top is cut");
        assert_eq!(state.day_scrolled_past(100), day(10));
        assert_eq!(
            state.day_scrolled_past(120),
            day(10),
            "day 9's header is below the strip"
        );
        assert_eq!(
            state.day_scrolled_past(150),
            None,
            "day 9's header is where day 10's would be pinned"
        );
        assert_eq!(
            state.day_scrolled_past(152),
            None,
            "the next header shows whole"
        );
        assert_eq!(state.day_scrolled_past(160), day(9));
        assert_eq!(state.day_scrolled_past(10_000), day(9), "past the end");
    }

    #[test]
    fn later_pages_append_without_duplicates() {
        let mut state = State::default();
        loaded(
            &mut state,
            page(vec![
                activity(5, "2026-03-10T10:00:00Z", ActivityKind::PageVisit),
                activity(4, "2026-03-10T09:00:00Z", ActivityKind::PageVisit),
            ]),
            Some("c1"),
        );
        assert!(state.apply(HistoryAction::LoadMore));
        assert!(!state.apply(HistoryAction::LoadMore), "one page at a time");
        loaded(
            &mut state,
            page(vec![
                activity(4, "2026-03-10T09:00:00Z", ActivityKind::PageVisit),
                activity(3, "2026-03-09T09:00:00Z", ActivityKind::PageVisit),
            ]),
            None,
        );
        let ids: Vec<i64> = state.entries().iter().map(Entry::id).collect();
        assert_eq!(ids, [5, 4, 3]);
        assert!(state.is_complete());
        assert!(!state.apply(HistoryAction::LoadMore));
    }

    #[test]
    fn a_page_for_a_listing_the_user_left_is_dropped() {
        let mut state = State::default();
        let old = state.generation;
        state.apply(HistoryAction::ToggleKind(ActivityKind::EmailSent));
        assert_ne!(state.generation, old);
        let stale = HistoryAction::PageLoaded {
            generation: old,
            entries: page(vec![activity(
                1,
                "2026-03-10T09:00:00Z",
                ActivityKind::PageVisit,
            )]),
            next_cursor: None,
            kind_counts: None,
        };
        assert!(!state.apply(stale));
        assert_eq!(state.phase, ListPhase::Loading);
        assert!(!state.apply(HistoryAction::PageFailed {
            generation: old,
            error: "late"
        }));
        assert_eq!(state.phase, ListPhase::Loading);
    }

    #[test]
    fn filter_changes_start_a_new_listing() {
        let mut state = State::default();
        loaded(
            &mut state,
            page(vec![activity(
                1,
                "2026-03-10T09:00:00Z",
                ActivityKind::PageVisit,
            )]),
            Some("c"),
        );
        let generation = state.generation;
        assert!(state.apply(HistoryAction::SetText("pricing".into())));
        assert_eq!(state.generation, generation + 1);
        assert!(state.entries().is_empty());
        assert_eq!(state.next_cursor, None);
        assert_eq!(state.phase, ListPhase::Loading);
        // Same text modulo spaces: no new request.
        assert!(!state.apply(HistoryAction::SetText(" pricing ".into())));
        assert!(!state.apply(HistoryAction::SetRange(DateRange::All)));
        assert!(state.apply(HistoryAction::SetRange(DateRange::Last7Days)));
        assert!(state.filters.is_active());
        assert!(state.apply(HistoryAction::ClearFilters));
        assert_eq!(state.filters, Filters::default());
        assert!(!state.apply(HistoryAction::ClearFilters));
    }

    #[test]
    fn kind_counts_come_with_a_first_page_and_last_until_the_next_listing_has_its_own() {
        let counts = |pairs: &[(ActivityKind, u64)]| Some(BTreeMap::from_iter(pairs.to_vec()));
        let first_page = |state: &mut State, kind_counts| {
            let generation = state.generation;
            state.apply(HistoryAction::PageLoaded {
                generation,
                entries: page(vec![activity(
                    2,
                    "2026-03-10T09:00:00Z",
                    ActivityKind::PageVisit,
                )]),
                next_cursor: Some("c".into()),
                kind_counts,
            })
        };
        let mut state = State::default();
        assert_eq!(state.kind_counts, None);
        first_page(&mut state, counts(&[(ActivityKind::PageVisit, 9)]));
        let shown = state.kind_counts.clone().unwrap();
        assert_eq!(shown.get(&ActivityKind::PageVisit), Some(&9));

        // A later page of the same listing brings none and changes nothing.
        state.apply(HistoryAction::LoadMore);
        let generation = state.generation;
        state.apply(HistoryAction::PageLoaded {
            generation,
            entries: page(vec![activity(
                1,
                "2026-03-09T09:00:00Z",
                ActivityKind::PageVisit,
            )]),
            next_cursor: None,
            kind_counts: None,
        });
        assert_eq!(state.kind_counts.as_deref(), Some(&*shown));

        // Another search keeps them on the chips while it loads, then shows its own.
        state.apply(HistoryAction::SetText("pricing".into()));
        assert_eq!(state.kind_counts.as_deref(), Some(&*shown));
        let stale = state.generation - 1;
        assert!(!state.apply(HistoryAction::PageLoaded {
            generation: stale,
            entries: Vec::new(),
            next_cursor: None,
            kind_counts: counts(&[(ActivityKind::EmailSent, 1)]),
        }));
        first_page(&mut state, counts(&[(ActivityKind::PageVisit, 2)]));
        assert_eq!(
            state
                .kind_counts
                .as_deref()
                .and_then(|c| c.get(&ActivityKind::PageVisit)),
            Some(&2)
        );

        // A listing that failed has no counts to show.
        state.apply(HistoryAction::SetRange(DateRange::Last7Days));
        let generation = state.generation;
        state.apply(HistoryAction::PageFailed {
            generation,
            error: "down",
        });
        assert_eq!(state.kind_counts, None);
    }

    #[test]
    fn a_history_restored_with_filters_lists_them_from_the_first_page() {
        let filters = Filters {
            kinds: BTreeSet::from([ActivityKind::EmailClicked]),
            text: "pricing ".into(),
            range: DateRange::Last30Days,
        };
        let mut state = State::with_filters(filters.clone());
        assert_eq!(state.filters, filters);
        assert_eq!(state.phase, ListPhase::Loading);
        assert!(state.entries().is_empty());
        // Its first page is the listing's, not a stale one.
        let generation = state.generation;
        assert!(state.apply(HistoryAction::PageLoaded {
            generation,
            entries: page(vec![activity(
                1,
                "2026-03-10T09:00:00Z",
                ActivityKind::EmailClicked
            )]),
            next_cursor: None,
            kind_counts: None,
        }));
        assert_eq!(state.entries().len(), 1);
        // The kept text is what the rep typed: the same search is not sent again.
        assert!(!state.apply(HistoryAction::SetText("pricing".into())));
        assert!(state.apply(HistoryAction::ClearFilters));
        assert_eq!(state.filters, Filters::default());
    }

    #[test]
    fn the_page_asked_for_is_the_first_then_the_one_after_the_cursor() {
        let mut state = State::default();
        assert_eq!(state.asking(), Some(None));
        loaded(&mut state, Vec::new(), Some("c1"));
        assert_eq!(state.asking(), None, "nothing on its way");
        state.apply(HistoryAction::LoadMore);
        assert_eq!(state.asking(), Some(Some("c1".to_owned())));
        state.apply(HistoryAction::Reload);
        assert_eq!(state.asking(), Some(None), "a new listing starts over");
    }

    #[test]
    fn failures_keep_what_was_loaded_and_can_be_retried() {
        let mut state = State::default();
        let generation = state.generation;
        state.apply(HistoryAction::PageFailed {
            generation,
            error: "offline",
        });
        assert_eq!(state.phase, ListPhase::Failed("offline"));
        // A retry of the first page is a reload.
        state.apply(HistoryAction::Reload);
        loaded(
            &mut state,
            page(vec![activity(
                1,
                "2026-03-10T09:00:00Z",
                ActivityKind::PageVisit,
            )]),
            Some("c"),
        );
        state.apply(HistoryAction::LoadMore);
        let generation = state.generation;
        state.apply(HistoryAction::PageFailed {
            generation,
            error: "timeout",
        });
        assert_eq!(state.phase, ListPhase::FailedMore("timeout"));
        assert_eq!(state.entries().len(), 1);
        assert!(state.can_load_more());
        assert!(state.apply(HistoryAction::LoadMore));
        assert_eq!(state.phase, ListPhase::LoadingMore);
    }

    #[test]
    fn expanding_a_row_grows_it_by_its_detail_lines() {
        let mut click = activity(7, "2026-03-10T09:00:00Z", ActivityKind::EmailClicked);
        click.details.clicked_url = Some("https://example.com".into());
        click.campaign_id = Some("spring".into());
        let plain = activity(6, "2026-03-10T08:00:00Z", ActivityKind::EmailSent);
        let mut state = State::with_page(page(vec![click, plain]), None);
        assert_eq!(state.entries()[0].detail_count, 2);
        assert_eq!(state.entries()[1].detail_count, 0);
        let before = state.layout().total_height();
        assert!(state.apply(HistoryAction::ToggleExpanded(7)));
        assert!(state.is_expanded(7));
        assert_eq!(
            state.layout().total_height(),
            before + DETAILS_PADDING + 2 * DETAIL_LINE_HEIGHT
        );
        // A row without details does not grow; an unknown id changes nothing.
        assert!(state.apply(HistoryAction::ToggleExpanded(6)));
        assert_eq!(
            state.layout().total_height(),
            before + DETAILS_PADDING + 2 * DETAIL_LINE_HEIGHT
        );
        assert!(!state.apply(HistoryAction::ToggleExpanded(99)));
        assert!(state.apply(HistoryAction::ToggleExpanded(7)));
        assert_eq!(state.layout().total_height(), before);
    }

    #[test]
    fn an_expanded_row_takes_the_height_it_is_drawn_at() {
        let mut form = activity(7, "2026-03-10T09:00:00Z", ActivityKind::FormSubmitted);
        form.details.form_name = Some("Contact us".into());
        let plain = activity(6, "2026-03-10T08:00:00Z", ActivityKind::EmailSent);
        let mut state = State::with_page(page(vec![form, plain]), None);
        let collapsed = state.layout().total_height();
        let measure = |height| HistoryAction::Measured { id: 7, height };
        assert!(
            !state.apply(measure(200)),
            "a collapsed row is not measured"
        );

        assert!(state.apply(HistoryAction::ToggleExpanded(7)));
        let estimated = state.layout().total_height();
        assert!(estimated > collapsed);
        // Its details wrap: it is drawn taller than one line per detail.
        assert!(state.apply(measure(200)));
        assert_eq!(
            state.layout().total_height(),
            collapsed - ACTIVITY_ROW_HEIGHT + 200
        );
        assert!(
            !state.apply(measure(200)),
            "the same height changes nothing"
        );
        assert!(!state.apply(measure(0)), "a row not drawn says nothing");
        assert!(!state.apply(HistoryAction::Measured { id: 6, height: 90 }));

        // Collapsed, it is its fixed height; expanded again, the estimate until measured.
        assert!(state.apply(HistoryAction::ToggleExpanded(7)));
        assert_eq!(state.layout().total_height(), collapsed);
        assert!(state.apply(HistoryAction::ToggleExpanded(7)));
        assert_eq!(state.layout().total_height(), estimated);
    }

    #[test]
    fn an_empty_answer_is_empty_not_loading() {
        let mut state = State::default();
        assert!(!state.is_empty());
        loaded(&mut state, Vec::new(), None);
        assert!(state.is_empty());
        assert!(state.is_complete());
        assert!(state.rows().is_empty());
    }

    #[test]
    fn grouping_starts_a_header_at_each_new_day() {
        let entries = page(vec![
            activity(4, "2026-03-10T23:00:00Z", ActivityKind::PageVisit),
            activity(3, "2026-03-10T21:00:00Z", ActivityKind::PageVisit),
            activity(2, "2026-03-10T20:00:00Z", ActivityKind::PageVisit),
            activity(1, "2026-01-01T00:00:00Z", ActivityKind::PageVisit),
        ]);
        let rows = group_by_day(&entries);
        let headers = rows.iter().filter(|row| matches!(row, Row::Day(_))).count();
        assert_eq!(headers, 3);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0], Row::Day(LocalDate::new(2026, 3, 11).unwrap()));
    }
}
