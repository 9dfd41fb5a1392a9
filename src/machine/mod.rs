//! The machine: what is installed and running on a server, as a snapshot (loaded from JSON, or
//! collected live on Windows). It describes the machine and judges nothing; the jobs do.

pub mod live;
pub mod snapshot;
