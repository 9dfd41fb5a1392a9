//! Machine snapshots: one Windows server described as JSON, so that a patch can be tried against
//! it on another machine (`check`, `locks`) without touching the server.
//!
//! A snapshot says what the server had at one moment: the operating system, the environment
//! variables, the Windows Installer products with their patches (and each patch's state and
//! MsiPatchSequence rows), the services, the processes with the modules they have loaded and the
//! files they hold open, and plain facts about paths (does `C:\ExchangeSetupLogs` exist?).
//! `docs/snapshot.md` describes the format, `docs/snapshot.schema.json` is its JSON Schema and
//! `docs/collect-snapshot.ps1` writes one on the server.
//!
//! Reading is strict: every object refuses fields it does not know, so a typing error in a
//! hand-edited snapshot is an error and not a silently ignored fact. An error names the file and
//! the field path (`processes[3].modules[0]: invalid type: integer `5`, expected a string`), with
//! the line and column where serde_json stopped. The file size is checked before anything is
//! read into memory, and list lengths are checked after parsing.
//!
//! Windows compares names case-insensitively; so do the look-ups here: product and patch codes
//! (braces optional), environment variables, service names and paths (`/` or `\`, a trailing
//! `\`, `%SystemDrive%`-style variables expanded from the snapshot's own environment).

mod load;
mod model;
mod query;
mod tree;
mod validate;

pub use load::{load, parse};
pub use model::*;
pub use query::FileUse;

/// The format version this msikit reads and writes (`"snapshot_version": 1`).
pub(crate) const SNAPSHOT_VERSION: u32 = 1;

/// The largest snapshot file read, in bytes (256 MiB). Checked before the file is read.
pub(crate) const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The most entries any one list may hold; also the most modules and open files over all
/// processes together, and the most patches over all products together.
pub(crate) const MAX_ENTRIES: usize = 1_000_000;

#[cfg(test)]
mod tests;
