//! Any bytes as a cabinet: read the header and entries, then decode every folder (stored,
//! MSZIP and msikit's own LZX decoder), handing out every file's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msikit::formats::cabinet::Cabinet;

fuzz_target!(|data: &[u8]| {
    if let Ok(cab) = Cabinet::parse(data.to_vec()) {
        let _ = cab.for_each_file_chunked(|_| Ok(()));
    }
});
