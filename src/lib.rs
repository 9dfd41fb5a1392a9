//! msikit: open, check and write Windows Installer packages (.msi, .msm), patches (.msp),
//! transforms (.mst) and cabinets (.cab) on any OS.
//!
//! The library is the product; the `msikit` binary is a thin front end over it (the `cli`
//! feature, on by default, brings the binary's own crates; `default-features = false` gives the
//! library alone).
//!
//! # Example: does Update Rollup 1 apply to the RTM package?
//!
//! Open the Exchange Server 2007 look-alike patch, list what it targets, and check it against
//! the RTM product package as `MsiDetermineApplicablePatches` would:
//!
//! ```
//! use std::path::Path;
//! use msikit::jobs::applicability::{self, PatchStatus};
//! use msikit::views::patch;
//! use msikit::Container;
//!
//! let ur1 = Container::open(Path::new("testdata/exchange2007/ur1.msp"))?;
//! let info = patch::read(&ur1)?;
//! assert_eq!(info.patch_code.as_deref(), Some("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}"));
//! for target in &info.transforms {
//!     println!(
//!         "{}: {} {} -> {}",
//!         target.transform,
//!         target.target_product_code.as_deref().unwrap_or("?"),
//!         target.target_version.as_deref().unwrap_or("?"),
//!         target.upgraded_version.as_deref().unwrap_or("?"),
//!     );
//! }
//!
//! let rtm = Container::open(Path::new("testdata/exchange2007/rtm.msi"))?;
//! let check = applicability::check(&[&ur1], &rtm, Some("8.0.708.3"))?;
//! assert_eq!(check.patches[0].status, PatchStatus::Applicable);
//! assert_eq!(check.product_version_after.as_deref(), Some("8.0.708.3"));
//! assert!(check.ready());
//! # Ok::<(), msikit::Error>(())
//! ```
//!
//! # Layers
//!
//! The modules follow the data path, each using only the ones before it:
//!
//! - [`error`]: the one [`Error`] every layer returns, with kinds to match on
//!   ([`ErrorKind`]) and the place in the file (stream, table, row, offset).
//! - [`formats`]: the bytes, read and written exactly: the compound file
//!   ([`Container`]), summary information, the string pool, table streams, IDT text, cabinets
//!   ([`formats::cabinet::Cabinet`]), and the value types [`Guid`] and [`WinPath`].
//! - [`database`]: one opened [`Database`] (string pool and catalog, tables on request), the
//!   owned model, the writer, IDT folders.
//! - [`views`]: what a database means: transforms decoded and applied, a patch's targets and
//!   payload, install paths, the files a package installs.
//! - [`machine`]: a server as a [`Snapshot`] (loaded from JSON, or collected live on Windows).
//! - [`jobs`]: the work behind each verb, returning typed data: inspection, applicability, files
//!   in use, a KB's prerequisites, authoring.
//!
//! Every entry point that reads a package takes a path, and most also take an opened
//! [`Container`] ([`Container::open`] or, for bytes already in memory,
//! [`Container::from_bytes`]): [`views::patch::read`], [`views::transform::apply()`],
//! [`jobs::applicability::check`], [`jobs::inspect::describe`].
//!
//! No input makes the library panic: `clippy::unwrap_used`, `expect_used` and `panic` are
//! denied outside tests, lengths read from a file are checked before anything is allocated, and
//! a panic on a worker thread (a bug) reaches the caller's thread.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod database;
pub mod error;
pub mod formats;
pub mod jobs;
pub mod machine;
pub mod views;

pub use database::Database;
pub use error::{Error, ErrorKind, Result};
pub use formats::container::{Container, PackageKind};
pub use formats::guid::Guid;
pub use formats::winpath::WinPath;
pub use machine::snapshot::Snapshot;
