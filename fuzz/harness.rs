//! The fuzz entry points, one per parser or decoder, shared by the libFuzzer targets
//! (`fuzz/fuzz_targets/*.rs`, each a one-line call into here) and by the regression test that
//! replays every saved input in `cargo test` (`tests/fuzz_regressions.rs`).
//!
//! Each entry takes any bytes, walks everything the parser offers and ignores the results: only
//! a panic, a hang or a runaway allocation is a finding. Where plain mutation cannot get past a
//! structure the parser checks first (the compound file around table streams, a cabinet header
//! and its data-block checksums), the entry builds that structure around the fuzzer's bytes
//! (length-prefixed [`Parts`]), so the mutations land in the decoder.

#![allow(dead_code)]

use msikit::database::{Database, DatabaseModel};
use msikit::formats::cabinet::Cabinet;
use msikit::formats::container::{
    build_compound_file, streamname, Container, NewEntry, CLSID_DATABASE,
};
use msikit::formats::strings::StringPool;
use msikit::formats::tables::{Column, ColumnType, TableDef};

/// A fuzz entry point.
pub type Entry = fn(&[u8]);

/// Every target, by name, as `cargo xtask fuzz` and the regression test know them.
pub const TARGETS: &[(&str, Entry)] = &[
    ("open_package", open_package),
    ("stream_names", stream_names),
    ("summary_info", summary_info),
    ("string_pool", string_pool),
    ("table_streams", table_streams),
    ("transform_decode", transform_decode),
    ("transform_apply", transform_apply),
    ("patch_inspect", patch_inspect),
    ("cabinet_extract", cabinet_extract),
    ("cabinet_search", cabinet_search),
    ("mszip", mszip),
    ("lzx", lzx),
    ("quantum", quantum),
    ("idt_import", idt_import),
    ("manifest_toml", manifest_toml),
    ("snapshot_json", snapshot_json),
    ("verbose_log", verbose_log),
    ("event_export", event_export),
    ("authenticode", authenticode),
];

/// The entry point of target `name`.
pub fn target(name: &str) -> Option<Entry> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Any bytes as a package: open, list, read every table and the summary, describe it.
pub fn open_package(data: &[u8]) {
    if let Ok(c) = Container::from_bytes("fuzz", data.to_vec()) {
        let _ = c.entries();
        if let Ok(db) = Database::open(&c) {
            let names: Vec<String> = db.defs().iter().map(|d| d.name.clone()).collect();
            for n in names {
                if let Ok(t) = db.table(&n) {
                    for r in 0..t.len().min(64) {
                        let _ = t.row_values(r);
                    }
                }
            }
            let _ = DatabaseModel::load(&db);
        }
        let _ = msikit::database::read_summary(&c, "");
    }
}

/// Any UTF-16 units as a compound-file stream name: decode, display, and encode back.
pub fn stream_names(data: &[u8]) {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let raw = String::from_utf16_lossy(&units);
    let d = streamname::decode(&raw);
    let _ = streamname::display(&d);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = streamname::encode(s, true);
        let _ = streamname::encode(s, false);
    }
}

/// Any bytes as a `\x05SummaryInformation` property set.
pub fn summary_info(data: &[u8]) {
    if let Ok(si) = msikit::formats::summary::parse(data) {
        for p in si.properties() {
            let _ = si.string(p.pid);
            let _ = si.int(p.pid);
            let _ = si.filetime(p.pid);
        }
        let _ = si.codepage();
        let _ = msikit::formats::summary::TransformSummary::new(&si);
    }
}

/// Structured inputs are length-prefixed parts: a little-endian u32 length, then that many
/// bytes (cut short at the end of the input). `cargo xtask fuzz-seeds` writes real streams and
/// blocks in this form, so the seeds start where real packages are.
pub struct Parts<'a>(&'a [u8]);

impl<'a> Parts<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Parts(data)
    }
    /// The next part; empty at the end of the input.
    pub fn next_part(&mut self) -> &'a [u8] {
        if self.0.len() < 4 {
            self.0 = &[];
            return &[];
        }
        let n = u32::from_le_bytes([self.0[0], self.0[1], self.0[2], self.0[3]]) as usize;
        let rest = &self.0[4..];
        let n = n.min(rest.len());
        let (part, rest) = rest.split_at(n);
        self.0 = rest;
        part
    }
    /// The next byte; 0 at the end of the input.
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Writes `parts` in the [`Parts`] form.
pub fn join_parts(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// Two parts: `_StringPool` and `_StringData`.
pub fn string_pool(data: &[u8]) {
    let mut parts = Parts::new(data);
    let (pool, strings) = (parts.next_part(), parts.next_part());
    if let Ok(p) = StringPool::parse(pool, strings) {
        for i in 0..p.len().min(1024) {
            let _ = p.get(i as u32);
        }
    }
}

/// The table streams a database needs, inside a well-formed compound file, so mutations reach
/// the catalog and the row decoder rather than stopping at the file's header: parts
/// `_StringPool`, `_StringData`, `_Tables`, `_Columns`, then any number of (table name, table
/// stream) pairs.
pub fn table_streams(data: &[u8]) {
    let mut parts = Parts::new(data);
    let mut streams: Vec<(String, &[u8])> = ["_StringPool", "_StringData", "_Tables", "_Columns"]
        .iter()
        .map(|n| (streamname::encode(n, true), parts.next_part()))
        .collect();
    while !parts.is_empty() && streams.len() < 64 {
        let name = String::from_utf8_lossy(parts.next_part()).into_owned();
        let bytes = parts.next_part();
        if !name.is_empty() && name.encode_utf16().count() <= 40 {
            streams.push((streamname::encode(&name, true), bytes));
        }
    }
    let entries: Vec<NewEntry<'_>> = streams
        .iter()
        .map(|(path, data)| NewEntry::Stream {
            path: path.clone(),
            data,
        })
        .collect();
    if let Ok(bytes) = build_compound_file(CLSID_DATABASE, &entries) {
        open_package(&bytes);
    }
}

/// The transform record decoder on arbitrary bytes, against a fixed File-table schema and a
/// small pool: it must return records or an error, never panic or loop.
pub fn transform_decode(data: &[u8]) {
    let Ok(pool) = StringPool::parse(&[0xE4, 0x04, 0, 0, 3, 0, 1, 0], b"abc") else {
        return;
    };
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
    let _ = msikit::views::transform::decode_records(data, &def, &pool);
}

/// The base every transform applies to: the shipped sample database.
const SAMPLE_MSI: &[u8] = include_bytes!("../testdata/sample.msi");

/// Any bytes as a transform (or a patch) applied to the sample database, then the result
/// written out as a database.
pub fn transform_apply(data: &[u8]) {
    let Ok(base) = Container::from_bytes("sample.msi", SAMPLE_MSI.to_vec()) else {
        return;
    };
    let Ok(t) = Container::from_bytes("fuzz.mst", data.to_vec()) else {
        return;
    };
    for suppress in [
        None,
        msikit::formats::summary::ErrorFlags::from_letters("abcdef").ok(),
    ] {
        if let Ok(applied) = msikit::views::transform::apply(&base, &[&t], None, suppress) {
            let _ = msikit::database::write::write_database(
                &applied.model,
                msikit::formats::container::PackageKind::Database,
            );
        }
    }
}

/// Any bytes as a patch: its targets, metadata, sequence data and transform storages.
pub fn patch_inspect(data: &[u8]) {
    if let Ok(c) = Container::from_bytes("fuzz.msp", data.to_vec()) {
        let _ = msikit::views::patch::read(&c);
        if let Ok(sources) = msikit::views::transform::sources(&c, None) {
            for s in sources {
                let _ = s.summary();
            }
        }
    }
}

/// Any bytes as a cabinet: read the header and entries, then decode every folder, handing out
/// every file's bytes.
pub fn cabinet_extract(data: &[u8]) {
    if let Ok(cab) = Cabinet::parse(data.to_vec()) {
        let _ = cab.for_each_file_chunked(|_| Ok(()));
    }
}

/// Any bytes searched for cabinets (a setup .exe, a file with a prefix), each decoded.
pub fn cabinet_search(data: &[u8]) {
    if let Ok(cabs) = Cabinet::search(data.to_vec()) {
        for cab in cabs {
            let _ = cab.for_each_file_chunked(|_| Ok(()));
        }
    }
}

/// A well-formed one-folder cabinet around data blocks, compressed with `compression` (the
/// CFFOLDER typeCompress value), every block checksum 0 (none), one file spanning what the
/// blocks say they hold: the decoder itself gets the mutations. Each part is one block: its
/// uncompressed size (u16, little-endian), then its compressed bytes.
pub fn cabinet_around_blocks(parts: &mut Parts, compression: u16) -> Vec<u8> {
    let mut blocks = Vec::new();
    let mut total: u32 = 0;
    while !parts.is_empty() && blocks.len() < 64 {
        let part = parts.next_part();
        if part.len() < 2 {
            continue;
        }
        let uncompressed = u16::from_le_bytes([part[0], part[1]]);
        let bytes = &part[2..part.len().min(2 + 32768 + 6144)];
        total += u32::from(uncompressed);
        blocks.push((uncompressed, bytes));
    }
    let name = b"f\0";
    let header = 36u32;
    let folder = 8u32;
    let file = 16 + name.len() as u32;
    let data_at = header + folder + file;
    let size = data_at + blocks.iter().map(|(_, b)| 8 + b.len() as u32).sum::<u32>();
    let mut out = Vec::new();
    out.extend_from_slice(b"MSCF");
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(header + folder).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&[3, 1]);
    out.extend_from_slice(&1u16.to_le_bytes()); // folders
    out.extend_from_slice(&1u16.to_le_bytes()); // files
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&0u16.to_le_bytes()); // set id
    out.extend_from_slice(&0u16.to_le_bytes()); // index
    out.extend_from_slice(&data_at.to_le_bytes());
    out.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    out.extend_from_slice(&compression.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // offset in folder
    out.extend_from_slice(&0u16.to_le_bytes()); // folder 0
    out.extend_from_slice(&0x2100u16.to_le_bytes()); // date
    out.extend_from_slice(&0u16.to_le_bytes()); // time
    out.extend_from_slice(&0x20u16.to_le_bytes()); // attributes
    out.extend_from_slice(name);
    for (uncompressed, bytes) in &blocks {
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(&uncompressed.to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// MSZIP data blocks (`CK` and a deflate stream each) in a well-formed cabinet.
pub fn mszip(data: &[u8]) {
    cabinet_extract(&cabinet_around_blocks(&mut Parts::new(data), 1));
}

/// LZX data blocks in a well-formed cabinet: the first byte picks the window (2^15 to 2^21
/// bytes), the rest are blocks.
pub fn lzx(data: &[u8]) {
    let mut parts = Parts::new(data);
    let window = 15 + u16::from(parts.byte() % 7);
    cabinet_extract(&cabinet_around_blocks(&mut parts, 3 | (window << 8)));
}

/// Quantum data blocks in a well-formed cabinet: the first byte picks the window (2^10 to
/// 2^21 bytes), the rest are blocks.
pub fn quantum(data: &[u8]) {
    let mut parts = Parts::new(data);
    let window = 10 + u16::from(parts.byte() % 12);
    cabinet_extract(&cabinet_around_blocks(
        &mut parts,
        2 | (4 << 4) | (window << 8),
    ));
}

/// Any bytes as an IDT table file (`T.idt`) in a folder of its own, imported as `build --idt`
/// reads it.
pub fn idt_import(data: &[u8]) {
    thread_local! {
        static DIR: std::path::PathBuf = {
            let d = std::env::temp_dir().join(format!("msikit-fuzz-idt-{}", std::process::id()));
            let _ = std::fs::create_dir_all(&d);
            d
        };
    }
    DIR.with(|dir| {
        if std::fs::write(dir.join("T.idt"), data).is_ok() {
            let _ = msikit::database::idt::from_folder(dir);
        }
    });
}

/// Any text as a build manifest (TOML).
pub fn manifest_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = msikit::jobs::authoring::manifest::parse(text, std::path::Path::new("."));
    }
}

/// Any bytes as a machine snapshot (JSON), then every query the dry run makes of one.
pub fn snapshot_json(data: &[u8]) {
    let _ = msikit::machine::snapshot::parse("fuzz.json", data);
}

/// Any bytes as a verbose Windows Installer log: the encoding sniffed (UTF-16, UTF-8, or ANSI
/// in code page 1252), every line read and parsed.
pub fn verbose_log(data: &[u8]) {
    let enc = msikit::formats::logs::text::ansi_code_page(1252);
    let Ok(mut lines) =
        msikit::formats::logs::text::Lines::new(std::io::Cursor::new(data.to_vec()), enc)
    else {
        return;
    };
    while let Ok(Some(line)) = lines.next_line() {
        let _ = msikit::formats::logs::verbose::parse(line);
    }
}

/// Any text as an event-log export: as the KB articles quote events, as CSV and as XML, and
/// every Data hex dump decoded.
pub fn event_export(data: &[u8]) {
    use msikit::formats::logs::events;
    let text = String::from_utf8_lossy(data);
    let mut all = events::parse_text(&text);
    if let Ok(e) = events::parse_csv(&text) {
        all.extend(e);
    }
    if let Ok(e) = events::parse_xml(&text) {
        all.extend(e);
    }
    let _ = events::decode_data(&events::parse_dump(&text));
    let _ = events::guids(&text);
    let _ = all.len();
}

/// Any bytes as an Authenticode signature (PKCS#7 SignedData: certificates, signer,
/// timestamps), as a signed cabinet (header, digest), and as a compound file whose signature
/// streams are checked (the MSI digest walk).
pub fn authenticode(data: &[u8]) {
    use msikit::formats::authenticode::{self, cab, DigestAlg};
    let _ = authenticode::check(data, &[], 0);
    let _ = authenticode::x509::Cert::from_der(data);
    if let Ok(cab::CabSigning::Signed(sig)) = cab::signing(data, data.len() as u64) {
        let _ = cab::digest(std::io::Cursor::new(data), sig, DigestAlg::Sha256);
    }
    if let Ok(c) = Container::from_bytes("fuzz", data.to_vec()) {
        let cx = msikit::jobs::verify::Context {
            trust: Vec::new(),
            trust_sources: Vec::new(),
            now: 0,
        };
        let _ = msikit::jobs::verify::verify_container(&c, &cx);
    }
}
