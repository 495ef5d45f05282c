//! Weir's composition root: the command line, the configuration, and (as they arrive) the API
//! server and the processes that wire the scheduler, the workers and the store together.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod metrics;
pub mod ops;
pub mod telemetry;
pub mod web;
