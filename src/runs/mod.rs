//! Runs, whatever the cloud: the report an agent gets back (one shape for every kind of run,
//! so an agent reads them all the same way), and waiting on a run with progress through the
//! [`RunCloud`] each provider implements (`providers::*::runs`: reading a run's state, what it
//! adds while waiting, stopping a run whose wait was cancelled where it can).
//!
//! Knows nothing of MCP.
//!
//! One part per seam: [`kind`] (task kinds, where a run is), [`report`] (the report),
//! [`person`] (a run's request for a person), [`cloud`] (the [`RunCloud`] trait, start
//! errors), [`clock`] (the clouds' times), [`lost`] (finding a start whose answer was lost),
//! [`wait`](mod@wait) (waiting with progress).

pub(crate) mod clock;
pub(crate) mod cloud;
pub(crate) mod kind;
pub(crate) mod lost;
pub(crate) mod person;
pub(crate) mod report;
pub(crate) mod wait;

pub use clock::clock_time;
pub use cloud::{RunCloud, StartError};
pub use kind::{RunRef, TaskKind};
pub use lost::{
    CLOCK_SLACK, KnownRuns, Sighting, look_twice, started_since, unaccounted, unsettled,
};
pub use person::{HumanField, HumanRequest, Nobody, Person, PersonAnswer};
pub use report::{OutputFile, RunReport, Verdict, parse_output};
pub use wait::{WaitEnd, age_of, wait_with};
