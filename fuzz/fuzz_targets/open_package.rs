//! Any bytes as a package: open, list, read every table and the summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msikit::formats::container::Container;
use msikit::database::{Database, DatabaseModel};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Container::from_bytes("fuzz", data.to_vec()) {
        let _ = c.entries();
        if let Ok(db) = Database::open(&c) {
            let _ = DatabaseModel::load(&db);
        }
        let _ = msikit::database::read_summary(&c, "");
    }
});
