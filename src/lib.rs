//! msikit: open, check and write Windows Installer packages (.msi, .msm), patches (.msp),
//! transforms (.mst) and cabinets on any OS.
//!
//! Data flows one way: file → [`container`] (compound file, stream names) → [`strings`] and
//! [`tables`] (string pool, table streams, schema) → [`database`] (one opened database) → a
//! job in [`inspect`] that returns plain data → a renderer in the binary.

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

pub use error::{Error, ErrorKind, Result};
