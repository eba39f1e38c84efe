//! The Activity tab: a record's marketing history.
//!
//! - [`history`]: the view's reducer (the state and its actions are
//!   [`crate::domain::activity_history`]'s).

pub mod history;
