//! msikit: open, check and write Windows Installer packages (.msi, .msm), patches (.msp),
//! transforms (.mst) and cabinets on any OS.
//!
//! Data flows one way: file → [`container`] (compound file, stream names) → [`strings`] and
//! [`tables`] (string pool, table streams, schema) → [`database`] (one opened database) → a
//! job in [`inspect`] that returns plain data → a renderer in the binary.

pub mod applicability;
pub mod authoring;
pub mod cabinet;
pub mod container;
pub mod database;
pub mod error;
pub mod idt;
pub mod locks;
pub mod package;
pub mod patch;
pub mod paths;
pub mod payload;
pub mod rules;
pub mod snapshot;
pub mod strings;
pub mod summary;
pub mod tables;
pub mod transform;

pub use error::{Error, ErrorKind, Result};
