//! The file formats, read and written byte-exact: the compound file with its stream names, OLE
//! summary property sets, the string pool, table streams, the IDT archive format, and cabinets
//! with their codecs. Nothing here knows what a product, a patch or a machine is.

pub mod authenticode;
pub mod cabinet;
pub mod container;
pub mod files;
pub mod guid;
pub mod idt;
pub mod logs;
pub mod strings;
pub mod summary;
pub mod tables;
pub mod winpath;
