//! A list the API serves a page at a time (`{"items", "nextCursor"}`): [`Pages`] lists every
//! page fetched for one key (what the list answers: a search, a record), [`Pager`] shows one
//! page at a time. Pages for an older key or an older cursor are dropped, so a late answer never
//! lands in the list on screen.

use std::rc::Rc;

use crate::wire::{Enrolment, EnrolmentList, Program, ProgramList, TemplateList, TemplateSummary};

/// A page of an API list, in parts: its items, the cursor of the next page, and what else every
/// page says of the whole list (`Extra`: the templates' folders; `()` for most).
pub trait Page {
    type Item: Keyed + Clone;
    type Extra: Clone + Default;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>, Self::Extra);
}

/// An item's identity in its list: a repeated one is listed once.
pub trait Keyed {
    fn key(&self) -> i64;
}

impl Keyed for Program {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Keyed for Enrolment {
    fn key(&self) -> i64 {
        self.program_id
    }
}

impl Keyed for TemplateSummary {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Page for ProgramList {
    type Item = Program;
    type Extra = ();
    fn into_parts(self) -> (Vec<Program>, Option<String>, ()) {
        (self.items, self.next_cursor, ())
    }
}

impl Page for EnrolmentList {
    type Item = Enrolment;
    type Extra = ();
    fn into_parts(self) -> (Vec<Enrolment>, Option<String>, ()) {
        (self.items, self.next_cursor, ())
    }
}

impl Page for TemplateList {
    type Item = TemplateSummary;
    /// Every folder of the tenant, whatever the search, for the folder picker.
    type Extra = Vec<String>;
    fn into_parts(self) -> (Vec<TemplateSummary>, Option<String>, Vec<String>) {
        (self.items, self.next_cursor, self.folders)
    }
}

/// Where the list for the key on screen is; `E` is why a page did not come.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ListPhase<E = String> {
    /// The first page is on its way (what is listed, if anything, answers an earlier key).
    #[default]
    Loading,
    Idle,
    /// The first page failed.
    Failed(E),
    LoadingMore,
    /// A next page failed; what is listed stays.
    FailedMore(E),
}

impl<E> ListPhase<E> {
    /// Whether scrolling to the end must not ask for a page now: one is on its way, or the last
    /// one failed (its Retry asks).
    pub fn holds(&self) -> bool {
        !matches!(self, ListPhase::Idle)
    }
}

/// A page that came, or why it did not.
pub type PageAnswer<T, E = String, X = ()> = Result<(Vec<T>, Option<String>, X), E>;

/// The items listed for one key, a page at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Pages<T, E = String, X = ()> {
    /// What the listed items answer.
    pub key: String,
    pub items: Rc<Vec<T>>,
    pub next_cursor: Option<String>,
    pub phase: ListPhase<E>,
    /// A first page came, for some key: the view around the list has been shown.
    pub answered: bool,
    /// What the latest page said of the whole list.
    pub extra: X,
}

impl<T, E, X: Default> Default for Pages<T, E, X> {
    fn default() -> Pages<T, E, X> {
        Pages {
            key: String::new(),
            items: Rc::default(),
            next_cursor: None,
            phase: ListPhase::Loading,
            answered: false,
            extra: X::default(),
        }
    }
}

impl<T: Keyed + Clone, E, X> Pages<T, E, X> {
    /// A first page for `key` is on its way; the items listed stay until it comes.
    pub fn load(&mut self, key: &str) {
        key.clone_into(&mut self.key);
        self.phase = ListPhase::Loading;
    }

    /// The first page for `key` came (or failed); one for an earlier key is dropped. Whether it
    /// was taken.
    pub fn first_page(&mut self, key: &str, page: PageAnswer<T, E, X>) -> bool {
        if key != self.key || !matches!(self.phase, ListPhase::Loading) {
            return false;
        }
        match page {
            Ok((items, next_cursor, extra)) => {
                self.items = Rc::new(items);
                self.next_cursor = next_cursor;
                self.extra = extra;
                self.phase = ListPhase::Idle;
                self.answered = true;
            }
            Err(message) => self.phase = ListPhase::Failed(message),
        }
        true
    }

    /// The cursor of the next page, when one is wanted and none is on its way; the list is then
    /// loading more.
    pub fn more(&mut self) -> Option<String> {
        if !matches!(self.phase, ListPhase::Idle | ListPhase::FailedMore(_)) {
            return None;
        }
        let cursor = self.next_cursor.clone()?;
        self.phase = ListPhase::LoadingMore;
        Some(cursor)
    }

    /// The page after `after` for `key` came (or failed): appended when it continues the list
    /// on screen, dropped otherwise. Whether it was taken.
    pub fn next_page(&mut self, key: &str, after: &str, page: PageAnswer<T, E, X>) -> bool {
        if key != self.key
            || !matches!(self.phase, ListPhase::LoadingMore)
            || self.next_cursor.as_deref() != Some(after)
        {
            return false;
        }
        match page {
            Ok((page, next_cursor, extra)) => {
                self.extra = extra;
                let items = Rc::make_mut(&mut self.items);
                for item in page {
                    if !items.iter().any(|i| i.key() == item.key()) {
                        items.push(item);
                    }
                }
                self.next_cursor = next_cursor;
                self.phase = ListPhase::Idle;
            }
            Err(message) => self.phase = ListPhase::FailedMore(message),
        }
        true
    }

    /// The first page came, and the list is empty.
    pub fn is_empty_list(&self) -> bool {
        matches!(self.phase, ListPhase::Idle) && self.items.is_empty()
    }

    /// The first page is on its way with nothing listed yet.
    pub fn is_first_load(&self) -> bool {
        matches!(self.phase, ListPhase::Loading) && self.items.is_empty()
    }

    /// The keys of the listed items, in order.
    pub fn keys(&self) -> Vec<i64> {
        self.items.iter().map(Keyed::key).collect()
    }
}

/// A list shown one page at a time, newest first ("Newer" / "Older"): pages are fetched as the
/// reader goes older, and pages already fetched are shown again without asking. `E` is why a
/// page did not come.
#[derive(Clone, Debug, PartialEq)]
pub struct Pager<T, E = String> {
    /// The pages fetched so far, newest first.
    pages: Rc<Vec<Rc<Vec<T>>>>,
    /// After the last fetched page; `None` once it is the last.
    next_cursor: Option<String>,
    /// The page on screen.
    pub shown: usize,
    /// [`ListPhase::Idle`] once the page on screen is there.
    pub phase: ListPhase<E>,
}

impl<T, E> Default for Pager<T, E> {
    fn default() -> Self {
        Pager {
            pages: Rc::default(),
            next_cursor: None,
            shown: 0,
            phase: ListPhase::Loading,
        }
    }
}

/// Every change to a [`Pager`].
pub enum PagerAction<T, E> {
    /// The next older page: shown again if fetched before, else asked for (also the retry).
    Older,
    /// The previous page, already fetched.
    Newer,
    /// The page asked for after `after` (`None`: the first page) came, or failed.
    Answered {
        after: Option<String>,
        page: Result<(Vec<T>, Option<String>), E>,
    },
}

impl<T, E> Pager<T, E> {
    /// The page on its way: `Some(None)` for the first, `Some(Some(cursor))` for the one after
    /// `cursor`; `None` when none is.
    pub fn asking(&self) -> Option<Option<String>> {
        match self.phase {
            ListPhase::Loading => Some(None),
            ListPhase::LoadingMore => Some(self.next_cursor.clone()),
            _ => None,
        }
    }

    /// Applies one action. Returns whether anything changed.
    pub fn apply(&mut self, action: PagerAction<T, E>) -> bool {
        match action {
            PagerAction::Older => {
                if matches!(self.phase, ListPhase::Loading | ListPhase::LoadingMore) {
                    return false;
                }
                if self.pages.is_empty() {
                    self.phase = ListPhase::Loading;
                } else if self.shown + 1 < self.pages.len() {
                    self.shown += 1;
                    self.phase = ListPhase::Idle;
                } else if self.next_cursor.is_some() {
                    self.phase = ListPhase::LoadingMore;
                } else {
                    return false;
                }
            }
            PagerAction::Newer => {
                if self.shown == 0 || matches!(self.phase, ListPhase::LoadingMore) {
                    return false;
                }
                self.shown -= 1;
                self.phase = ListPhase::Idle;
            }
            PagerAction::Answered { after, page } => {
                if self.asking() != Some(after) {
                    return false;
                }
                match page {
                    Ok((items, next_cursor)) => {
                        Rc::make_mut(&mut self.pages).push(Rc::new(items));
                        self.shown = self.pages.len() - 1;
                        self.next_cursor = next_cursor;
                        self.phase = ListPhase::Idle;
                    }
                    Err(error) if self.pages.is_empty() => self.phase = ListPhase::Failed(error),
                    Err(error) => self.phase = ListPhase::FailedMore(error),
                }
            }
        }
        true
    }

    /// The items of the page on screen.
    pub fn page(&self) -> &[T] {
        self.pages
            .get(self.shown)
            .map_or(&[], |page| page.as_slice())
    }

    /// How many items the pages before the one on screen hold.
    pub fn before(&self) -> usize {
        self.pages[..self.shown.min(self.pages.len())]
            .iter()
            .map(|page| page.len())
            .sum()
    }

    /// Whether an older page exists, fetched or not.
    pub fn has_older(&self) -> bool {
        self.shown + 1 < self.pages.len() || self.next_cursor.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Item(i64);

    impl Keyed for Item {
        fn key(&self) -> i64 {
            self.0
        }
    }

    fn page(ids: &[i64], next: Option<&str>) -> PageAnswer<Item> {
        Ok((
            ids.iter().map(|&id| Item(id)).collect(),
            next.map(str::to_owned),
            (),
        ))
    }

    #[test]
    fn pages_of_the_key_on_screen_are_appended_and_late_ones_dropped() {
        let mut pages = Pages::<Item>::default();
        pages.load("");
        assert!(pages.is_first_load());
        assert!(!pages.answered);
        assert!(pages.first_page("", page(&[1, 2], Some("c2"))));
        assert!(pages.answered);
        assert_eq!(pages.more().as_deref(), Some("c2"));
        assert_eq!(pages.more(), None, "one next page at a time");
        // The user searches meanwhile: the next page of the old list is dropped.
        pages.load("we");
        assert_eq!(
            pages.keys(),
            [1, 2],
            "the old list stays until the new one comes"
        );
        assert!(!pages.is_first_load());
        assert!(!pages.next_page("", "c2", page(&[3], None)));
        assert!(
            !pages.first_page("", page(&[9], None)),
            "an earlier key's answer"
        );
        assert!(pages.first_page("we", page(&[4, 5], Some("c5"))));
        assert_eq!(pages.more().as_deref(), Some("c5"));
        assert!(pages.next_page("we", "c5", Err("The network is down.".into())));
        assert_eq!(
            pages.phase,
            ListPhase::FailedMore("The network is down.".into())
        );
        assert_eq!(pages.keys(), [4, 5], "a failed page keeps what is listed");
        // Retry: the same cursor again; a repeated item is listed once.
        assert_eq!(pages.more().as_deref(), Some("c5"));
        assert!(
            !pages.next_page("we", "c4", page(&[7], None)),
            "another cursor's page"
        );
        assert!(pages.next_page("we", "c5", page(&[5, 6], None)));
        assert_eq!(pages.keys(), [4, 5, 6]);
        assert_eq!(pages.more(), None, "the last page");
        assert!(!pages.is_empty_list());
    }

    #[test]
    fn an_empty_first_page_is_an_empty_list_and_a_failed_one_is_not() {
        let mut pages = Pages::<Item>::default();
        pages.load("");
        assert!(!pages.is_empty_list(), "not known while loading");
        pages.first_page("", page(&[], None));
        assert!(pages.is_empty_list());
        pages.load("");
        pages.first_page("", Err("Server error".into()));
        assert_eq!(pages.phase, ListPhase::Failed("Server error".into()));
        assert!(!pages.is_empty_list());
        assert_eq!(pages.more(), None, "no next page of a failed list");
    }

    fn answer(ids: &[i64], next: Option<&str>) -> Result<(Vec<Item>, Option<String>), String> {
        Ok((
            ids.iter().map(|&id| Item(id)).collect(),
            next.map(str::to_owned),
        ))
    }

    fn answered(
        pager: &mut Pager<Item>,
        after: Option<&str>,
        page: Result<(Vec<Item>, Option<String>), String>,
    ) -> bool {
        pager.apply(PagerAction::Answered {
            after: after.map(str::to_owned),
            page,
        })
    }

    #[test]
    fn a_pager_fetches_older_pages_once_and_shows_fetched_ones_again() {
        let mut pager = Pager::<Item>::default();
        assert_eq!(pager.asking(), Some(None), "the first page, at once");
        assert!(
            !pager.apply(PagerAction::Older),
            "one page on its way at a time"
        );
        assert!(answered(&mut pager, None, answer(&[1, 2], Some("c2"))));
        assert_eq!(pager.asking(), None);
        assert_eq!(pager.page(), [Item(1), Item(2)]);
        assert!(pager.has_older());
        assert!(
            !pager.apply(PagerAction::Newer),
            "nothing newer than the first page"
        );

        assert!(pager.apply(PagerAction::Older));
        assert_eq!(pager.asking(), Some(Some("c2".to_owned())));
        assert!(
            !answered(&mut pager, Some("c1"), answer(&[9], None)),
            "another cursor's page"
        );
        assert!(answered(&mut pager, Some("c2"), answer(&[3], None)));
        assert_eq!(
            (pager.page(), pager.before(), pager.shown),
            (&[Item(3)][..], 2, 1)
        );
        assert!(!pager.has_older());
        assert!(!pager.apply(PagerAction::Older), "the last page");

        assert!(pager.apply(PagerAction::Newer));
        assert_eq!((pager.page(), pager.before()), (&[Item(1), Item(2)][..], 0));
        assert!(pager.apply(PagerAction::Older), "shown again");
        assert_eq!(pager.asking(), None, "without asking");
        assert_eq!(pager.page(), [Item(3)]);
    }

    #[test]
    fn a_pager_that_failed_asks_again_for_the_page_that_failed() {
        let mut pager = Pager::<Item>::default();
        assert!(answered(&mut pager, None, Err("offline".into())));
        assert_eq!(pager.phase, ListPhase::Failed("offline".into()));
        assert_eq!(pager.asking(), None);
        assert!(pager.apply(PagerAction::Older));
        assert_eq!(pager.asking(), Some(None), "the first page again");
        assert!(answered(&mut pager, None, answer(&[1], Some("c1"))));
        assert!(pager.apply(PagerAction::Older));
        assert!(answered(&mut pager, Some("c1"), Err("timeout".into())));
        assert_eq!(pager.phase, ListPhase::FailedMore("timeout".into()));
        assert_eq!(pager.page(), [Item(1)], "the page on screen stays");
        assert!(pager.apply(PagerAction::Older));
        assert_eq!(pager.asking(), Some(Some("c1".to_owned())));
        assert!(
            !pager.apply(PagerAction::Newer),
            "not while the older one is on its way"
        );
    }
}
