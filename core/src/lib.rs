//! Weir's vocabulary: pure and IO-free but for reading DAG files.
//!
//! Everything else in Weir depends on this crate and this crate depends on nothing of Weir's.

pub mod connection;
pub mod dag;
pub mod diag;
pub mod duration;
pub mod ids;
pub mod params;
pub mod state;
pub mod template;
pub mod timetable;
pub mod yaml;
