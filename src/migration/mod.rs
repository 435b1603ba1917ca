//! Tools for leaving the legacy API behind, one call site at a time.
//!
//! - [`doc`]: MIGRATION.md, whose tables are generated from the mapping rows
//!   (`cargo run --example migration_doc`), and [`snippets`], its side-by-side examples
//!   (compiled as doctests).
//! - [`scan`] (with [`lexer`]): finds the legacy calls and callbacks in a legacy code base
//!   (`cargo run --example migrate_scan -- PATH…`).
//! - [`MigrationReport`]: which legacy methods a running app has called, from
//!   [`Signaling::migration_report`](crate::signaling::Signaling::migration_report).
//! - [`first_call_hint`]: the `info` line logged on the first call of each legacy method.
//!
//! Everything here reads [`crate::mapping`], so it says what the adapter does.

pub mod doc;
pub mod lexer;
mod replacement;
mod report;
pub mod scan;
pub mod snippets;

pub use replacement::{
    area_title, callback_areas, callback_kind, callback_replacement, callback_rtm_events,
    first_call_hint, method_replacement, method_rust_replacement, rtm_rust_path,
};
pub use report::{MethodUsage, MigrationReport};
