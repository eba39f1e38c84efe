//! A list the API serves a page at a time (`{"items", "nextCursor"}`), for one key: what the
//! list answers (a search, a record). Pages for an older key or an older cursor are dropped, so
//! a late answer never lands in the list on screen.

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
}
