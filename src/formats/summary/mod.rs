//! Summary information: the `\x05SummaryInformation` stream of every Windows Installer file
//! (database, merge module, patch, transform, and each transform storage inside a patch).
//!
//! Two layers:
//! * [`parse`] reads the raw OLE property set into a [`SummaryInfo`]: every property in stream
//!   order, strings decoded with the code page in PID 1. It never panics and never trusts a size
//!   field before checking it against the bytes that are there.
//! * typed views built from a `SummaryInfo`, one per kind of file: [`DatabaseSummary`] (MSI/MSM),
//!   [`PatchSummary`] (MSP) and [`TransformSummary`] (MST), the last one with the validation and
//!   error-condition flags of PID 16 ([`ValidationFlags`], [`ErrorFlags`]).
//!
//! The same property ids mean different things in each kind of file (docs/formats.md §2, §3):
//! PID 7 is `platform;languages` in a database, the target product codes in a patch and the
//! target `platform;language` in a transform.

mod flags;
mod propset;
mod views;
pub mod write;

#[cfg(test)]
mod testutil;

pub use flags::{ErrorFlags, ValidationFlags};
#[cfg(test)]
pub(crate) use propset::format_filetime;
pub use propset::{parse, Property, SummaryInfo, Value};
pub use views::{
    DatabaseSummary, InstallerVersion, PatchSummary, PlatformLanguages, Security, SourceFlags,
    TransformSummary,
};

/// `FMTID_SummaryInformation` (F29F85E0-4FF9-1068-AB91-08002B27B3D9) as stored on disk.
pub const FMTID_SUMMARY_INFORMATION: [u8; 16] = [
    0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9,
];

/// Name of the stream, as stored in the compound file.
pub const STREAM_NAME: &str = "\u{5}SummaryInformation";

/// Property ids of the summary information property set.
pub mod pid {
    pub const DICTIONARY: u32 = 0;
    pub const CODEPAGE: u32 = 1;
    pub const TITLE: u32 = 2;
    pub const SUBJECT: u32 = 3;
    pub const AUTHOR: u32 = 4;
    pub const KEYWORDS: u32 = 5;
    pub const COMMENTS: u32 = 6;
    pub const TEMPLATE: u32 = 7;
    pub const LAST_SAVED_BY: u32 = 8;
    pub const REVISION_NUMBER: u32 = 9;
    pub const EDIT_TIME: u32 = 10;
    pub const LAST_PRINTED: u32 = 11;
    pub const CREATE_TIME: u32 = 12;
    pub const LAST_SAVE_TIME: u32 = 13;
    pub const PAGE_COUNT: u32 = 14;
    pub const WORD_COUNT: u32 = 15;
    pub const CHARACTER_COUNT: u32 = 16;
    pub const THUMBNAIL: u32 = 17;
    pub const CREATING_APPLICATION: u32 = 18;
    pub const SECURITY: u32 = 19;
}

/// Property value types (`VARTYPE`) that the summary stream uses.
pub mod vt {
    pub const EMPTY: u32 = 0;
    pub const NULL: u32 = 1;
    pub const I2: u32 = 2;
    pub const I4: u32 = 3;
    pub const LPSTR: u32 = 30;
    pub const FILETIME: u32 = 64;
}
