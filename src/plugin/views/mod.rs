//! The views the host opens, a folder each: the view's component in its `mod.rs`, its parts
//! one per file beside it, its state a reducer over [`crate::domain`].

pub mod hot_prospects;
pub mod programs;
pub mod send;
