//! Authoring: building installer databases and patches.
//!
//! * [`manifest`]: the TOML build manifest (`msikit build MANIFEST.toml`), with `extends`.
//! * [`build`]: a database from a manifest (tables, embedded MSZIP cabinet, summary).
//! * `schema`: the standard table schemas authoring writes.
//! * [`patch`]: a patch (.msp) from target and upgraded images and a patch manifest.
//! * [`pe`]: a payload file's version and language from its PE version resource.
//! * A database from an IDT folder (`msikit build --idt`) is [`crate::database::idt`].

pub mod build;
pub mod manifest;
pub mod patch;
pub mod pe;
pub(crate) mod schema;
