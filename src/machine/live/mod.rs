//! The live machine: a snapshot (docs/snapshot.md) of the Windows computer msikit runs on, read
//! natively (`msikit snapshot`, and `check`/`locks` without `--snapshot` on Windows).
//!
//! Reading and assembling are apart. `windows` (compiled on Windows only, the one file with
//! FFI) asks the operating system and returns plain [`raw`] records: what msi.dll, the Service
//! Control Manager, Toolhelp, psapi and the Restart Manager answered, and the errors met on the
//! way. [`assemble`] turns those records into the snapshot model, with a warning for every fact
//! that could not be read; it is plain Rust and tested anywhere with recorded answers.
//!
//! Nothing here fails for one missing fact: a service that vanished between listing and
//! querying, a process whose modules are denied, a cached patch that was deleted all become
//! warnings in the snapshot. Only a machine the format cannot describe (an ARM64 Windows) or an
//! operating system other than Windows is an error.

pub mod assemble;
pub mod raw;
#[cfg(windows)]
mod windows;

use crate::error::Result;
use crate::machine::snapshot::Snapshot;

/// The name a natively collected snapshot gives its collector.
pub const COLLECTOR_NAME: &str = "msikit";

/// What to collect besides the fixed parts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Paths to record facts about (`%VARIABLES%` allowed); each product's install folder and
    /// cached packages are always added.
    pub paths: Vec<String>,
    /// Files to ask the Restart Manager about: which processes hold them (a patch's replaced
    /// files). Empty: the Restart Manager is not asked and `open_files` stay unknown.
    pub files_in_use: Vec<String>,
}

/// The message for systems other than Windows.
pub const NEEDS_WINDOWS: &str = "reading the live machine needs Windows (msikit.exe on the \
     server); elsewhere, collect a snapshot on the server with docs/collect-snapshot.ps1 and give \
     it with --snapshot";

/// Collects the snapshot of this machine.
#[cfg(windows)]
pub fn collect(options: &Options) -> Result<Snapshot> {
    windows::collect(options)
}

/// Collects the snapshot of this machine: on this system, an error saying it needs Windows.
#[cfg(not(windows))]
pub fn collect(_options: &Options) -> Result<Snapshot> {
    Err(crate::Error::unsupported(NEEDS_WINDOWS))
}

/// Asks the Restart Manager which processes hold `files`, and records them in `snap` (as open
/// files, unless the process's image or modules already say it). Not on Windows: an error.
#[cfg(windows)]
pub fn add_files_in_use(snap: &mut Snapshot, files: &[String]) -> Result<()> {
    windows::add_files_in_use(snap, files);
    Ok(())
}

/// Asks the Restart Manager which processes hold `files`: on this system, an error.
#[cfg(not(windows))]
pub fn add_files_in_use(_snap: &mut Snapshot, _files: &[String]) -> Result<()> {
    Err(crate::Error::unsupported(NEEDS_WINDOWS))
}
