//! Views over an opened database: transforms decoded and applied, a patch's pairs and payload,
//! install paths resolved from the Directory table, and the files a package installs.

pub mod patch;
pub mod paths;
pub mod payload;
pub mod transform;
