//! Authoring: building installer databases. So far, a database from an IDT folder as
//! `msikit export --idt` (and msidump) writes it.

pub mod idt;
