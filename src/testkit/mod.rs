//! Regression kit for legacy callback flows (feature `testkit`).

mod recorder;

pub use recorder::Recorder;
