//! The transform record decoder on arbitrary bytes, against a fixed File-table schema and a
//! small pool: it must return records or an error, never panic or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msikit::formats::strings::StringPool;
use msikit::formats::tables::{Column, ColumnType, TableDef};
use msikit::views::transform::decode_records;

fuzz_target!(|data: &[u8]| {
    let pool = StringPool::parse(&[0xE4, 0x04, 0, 0, 3, 0, 1, 0], b"abc").expect("pool");
    let def = TableDef {
        name: "File".into(),
        columns: [
            ("File", 0x2D48u16),
            ("Component_", 0x0D48),
            ("FileName", 0x0FFF),
            ("FileSize", 0x0104),
            ("Attributes", 0x1502),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(n, t))| Column {
            name: n.into(),
            number: i as u16 + 1,
            ty: ColumnType(t),
        })
        .collect(),
    };
    let _ = decode_records(data, &def, &pool);
});
