//! Unit tests: tiny cabinets built by hand (exact control over every field) and with the `cab`
//! crate's writer (real MSZIP with a dictionary across blocks), good and broken.

use std::io::Write;
use std::path::Path;

use super::*;
use crate::error::{Error, ErrorKind, Result};

/// A folder to build: raw typeCompress and its blocks as (stored bytes, cbUncomp).
struct TFolder {
    comp: u16,
    blocks: Vec<(Vec<u8>, u16)>,
}

struct TFile {
    name: Vec<u8>,
    folder: u16,
    offset: u32,
    size: u32,
    attrs: u16,
}

#[derive(Default)]
struct Spec {
    folders: Vec<TFolder>,
    files: Vec<TFile>,
    checksums: bool,
    /// Header reserve bytes, folder reserve length, data reserve length.
    reserve: Option<(Vec<u8>, u8, u8)>,
    prev: Option<(&'static str, &'static str)>,
    next: Option<(&'static str, &'static str)>,
    set_id: u16,
    index: u16,
}

fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// Lays a cabinet out exactly as [MS-CAB] says.
fn build(s: &Spec) -> Vec<u8> {
    let (hres, fres, dres) = s.reserve.clone().unwrap_or_default();
    let mut flags = 0u16;
    let mut pre = Vec::new();
    if s.reserve.is_some() {
        flags |= 4;
        le16(&mut pre, hres.len() as u16);
        pre.push(fres);
        pre.push(dres);
        pre.extend_from_slice(&hres);
    }
    for (bit, link) in [(1u16, s.prev), (2u16, s.next)] {
        if let Some((name, disk)) = link {
            flags |= bit;
            pre.extend_from_slice(name.as_bytes());
            pre.push(0);
            pre.extend_from_slice(disk.as_bytes());
            pre.push(0);
        }
    }
    let folders_at = 36 + pre.len();
    let files_at = folders_at + s.folders.len() * (8 + fres as usize);
    let files_len: usize = s.files.iter().map(|f| 16 + f.name.len() + 1).sum();
    let mut data_at = files_at + files_len;
    let mut folder_entries = Vec::new();
    let mut data = Vec::new();
    for f in &s.folders {
        le32(&mut folder_entries, data_at as u32);
        le16(&mut folder_entries, f.blocks.len() as u16);
        le16(&mut folder_entries, f.comp);
        folder_entries.extend(std::iter::repeat_n(0xAB, fres as usize));
        for (bytes, uncomp) in &f.blocks {
            let sizes = {
                let mut v = Vec::new();
                le16(&mut v, bytes.len() as u16);
                le16(&mut v, *uncomp);
                v
            };
            let sum = if s.checksums {
                data::block_checksum([sizes[0], sizes[1], sizes[2], sizes[3]], bytes)
            } else {
                0
            };
            le32(&mut data, sum);
            data.extend_from_slice(&sizes);
            data.extend(std::iter::repeat_n(0xCD, dres as usize));
            data.extend_from_slice(bytes);
            data_at += 8 + dres as usize + bytes.len();
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"MSCF");
    le32(&mut out, 0);
    le32(&mut out, data_at as u32);
    le32(&mut out, 0);
    le32(&mut out, files_at as u32);
    le32(&mut out, 0);
    out.extend_from_slice(&[3, 1]);
    le16(&mut out, s.folders.len() as u16);
    le16(&mut out, s.files.len() as u16);
    le16(&mut out, flags);
    le16(&mut out, s.set_id);
    le16(&mut out, s.index);
    out.extend_from_slice(&pre);
    out.extend_from_slice(&folder_entries);
    for f in &s.files {
        le32(&mut out, f.size);
        le32(&mut out, f.offset);
        le16(&mut out, f.folder);
        le16(&mut out, 0x5A21); // 2025-01-01
        le16(&mut out, 0x6000); // 12:00:00
        le16(&mut out, f.attrs);
        out.extend_from_slice(&f.name);
        out.push(0);
    }
    out.extend_from_slice(&data);
    out
}

/// Splits `bytes` into blocks of 32 KiB, stored or as independent MSZIP blocks.
fn blocks(bytes: &[u8], mszip: bool) -> Vec<(Vec<u8>, u16)> {
    bytes
        .chunks(BLOCK_MAX)
        .map(|c| {
            let stored = if mszip {
                let mut v = b"CK".to_vec();
                v.extend(miniz_oxide::deflate::compress_to_vec(c, 6));
                v
            } else {
                c.to_vec()
            };
            (stored, c.len() as u16)
        })
        .collect()
}

/// One folder holding `files` back to back.
fn one_folder(files: &[(&str, &[u8])], comp: u16) -> Spec {
    let mut all = Vec::new();
    let mut entries = Vec::new();
    for (name, bytes) in files {
        entries.push(TFile {
            name: name.as_bytes().to_vec(),
            folder: 0,
            offset: all.len() as u32,
            size: bytes.len() as u32,
            attrs: attr::ARCHIVE,
        });
        all.extend_from_slice(bytes);
    }
    Spec {
        folders: vec![TFolder {
            comp,
            blocks: blocks(&all, comp == 1),
        }],
        files: entries,
        checksums: true,
        ..Spec::default()
    }
}

/// A xorshift generator for test data (the cabinet, writer and LZX tests share it).
pub(super) struct XorShift(pub u32);

impl XorShift {
    pub fn next(&mut self) -> u32 {
        let mut x = self.0.max(1);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// `len` bytes that do not compress.
pub(super) fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut r = XorShift(seed);
    (0..len).map(|_| r.next() as u8).collect()
}

/// Deterministic bytes that compress somewhat.
fn sample(len: usize, seed: u32) -> Vec<u8> {
    let mut r = XorShift(seed.wrapping_mul(2_654_435_761));
    (0..len)
        .map(|i| {
            let x = r.next();
            if i % 7 < 3 {
                b"cabinet "[i % 8]
            } else {
                (x % 40) as u8 + b'0'
            }
        })
        .collect()
}

fn extract_all(cab: &Cabinet) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    cab.for_each_file(|f, bytes| {
        out.push((f.name.clone(), bytes.to_vec()));
        Ok(())
    })?;
    Ok(out)
}

fn message(e: &Error) -> String {
    e.to_string()
}

#[test]
fn stored_and_mszip_folders_round_trip() {
    let a = sample(70_000, 1);
    let b = sample(10, 2);
    let c = sample(40_000, 3);
    for comp in [0u16, 1] {
        let bytes = build(&one_folder(
            &[("a.txt", &a), ("dir\\b.bin", &b), ("empty", &[]), ("c", &c)],
            comp,
        ));
        let cab = Cabinet::parse(bytes).unwrap();
        assert_eq!(cab.files().len(), 4);
        assert_eq!(cab.folders()[0].data_blocks, 4);
        let want = if comp == 0 {
            Compression::None
        } else {
            Compression::MsZip
        };
        assert_eq!(cab.folders()[0].compression, want);
        assert_eq!(cab.files()[1].name, "dir\\b.bin");
        assert_eq!(cab.files()[1].date_time, (0x5A21, 0x6000));
        let got = extract_all(&cab).unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a.txt", "dir\\b.bin", "empty", "c"]);
        assert_eq!(got[0].1, a);
        assert_eq!(got[1].1, b);
        assert!(got[2].1.is_empty());
        assert_eq!(got[3].1, c);
    }
}

/// Builds a cabinet with the `cab` crate's writer: one MSZIP folder whose blocks use the previous
/// block as their dictionary.
fn cab_crate_mszip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = cab::CabinetBuilder::new();
    {
        let folder = builder.add_folder(cab::CompressionType::MsZip);
        for (name, _) in files {
            folder.add_file(name.clone());
        }
    }
    let mut writer = builder
        .build(std::io::Cursor::new(Vec::new()))
        .expect("build");
    let mut i = 0;
    while let Some(mut w) = writer.next_file().expect("next file") {
        w.write_all(&files[i].1).expect("write");
        i += 1;
    }
    writer.finish().expect("finish").into_inner()
}

#[test]
fn mszip_dictionary_across_blocks_from_cab_crate() {
    // Repetitive data makes the compressor refer back across the 32 KiB block boundary.
    let phrase = sample(5000, 9);
    let big: Vec<u8> = phrase.iter().cycle().take(300_000).copied().collect();
    let files = vec![
        ("one.txt".to_string(), big.clone()),
        ("two.txt".to_string(), sample(1234, 4)),
        ("three.txt".to_string(), big[..99_999].to_vec()),
    ];
    let cab = Cabinet::parse(cab_crate_mszip(&files)).unwrap();
    let got = extract_all(&cab).unwrap();
    assert_eq!(got.len(), 3);
    for ((n, b), (wn, wb)) in got.iter().zip(&files) {
        assert_eq!(n, wn);
        assert!(b == wb, "{n} differs");
    }
}

#[test]
fn chunked_gives_pieces_in_order_and_handles_overlap() {
    let a = sample(100_000, 5);
    let mut spec = one_folder(&[("a", &a)], 1);
    // A second entry for the middle of the same bytes, and an empty file at the very end.
    spec.files.push(TFile {
        name: b"mid".to_vec(),
        folder: 0,
        offset: 30_000,
        size: 40_000,
        attrs: 0,
    });
    spec.files.push(TFile {
        name: b"tail".to_vec(),
        folder: 0,
        offset: 100_000,
        size: 0,
        attrs: 0,
    });
    let cab = Cabinet::parse(build(&spec)).unwrap();
    let mut got: Vec<(usize, Vec<u8>, bool)> = vec![(0, Vec::new(), false); 3];
    let mut max_piece = 0;
    cab.for_each_file_chunked(|c| {
        match c {
            FileChunk::Begin(f) => got[f.index].0 += 1,
            FileChunk::Data(f, d) => {
                assert!(!got[f.index].2, "data after end");
                max_piece = max_piece.max(d.len());
                got[f.index].1.extend_from_slice(d);
            }
            FileChunk::End(f) => got[f.index].2 = true,
        }
        Ok(())
    })
    .unwrap();
    assert!(max_piece <= BLOCK_MAX);
    assert!(got.iter().all(|(b, _, e)| *b == 1 && *e));
    assert_eq!(got[0].1, a);
    assert_eq!(got[1].1, &a[30_000..70_000]);
    assert!(got[2].1.is_empty());
}

#[test]
fn header_fields_reserves_and_links() {
    let a = sample(50_000, 6);
    let mut spec = one_folder(&[("a", &a)], 1);
    spec.reserve = Some((vec![1, 2, 3, 4, 5], 3, 7));
    spec.set_id = 0x1234;
    spec.index = 2;
    spec.prev = Some(("prev.cab", "Disk 1"));
    spec.next = Some(("next.cab", ""));
    let cab = Cabinet::parse(build(&spec)).unwrap();
    assert_eq!(cab.set_id(), 0x1234);
    assert_eq!(cab.index(), 2);
    assert_eq!(cab.header_reserve(), &[1, 2, 3, 4, 5]);
    assert_eq!(cab.folders()[0].reserve, vec![0xAB; 3]);
    assert_eq!(cab.prev_cabinet().unwrap().name, "prev.cab");
    assert_eq!(cab.prev_cabinet().unwrap().disk, "Disk 1");
    assert_eq!(cab.next_cabinet().unwrap().disk, "");
    assert_eq!(cab.version(), (1, 3));
    assert_eq!(cab.file_entries_at(), u64::from(cab.files_offset()));
    assert_eq!(extract_all(&cab).unwrap()[0].1, a);
}

#[test]
fn names_utf8_and_ansi() {
    let mut spec = one_folder(&[("x", b"1"), ("y", b"2")], 0);
    spec.files[0].name = "Ünïcødé\\日本.txt".as_bytes().to_vec();
    spec.files[0].attrs |= attr::NAME_IS_UTF;
    spec.files[1].name = b"caf\xe9\x80.txt".to_vec();
    let cab = Cabinet::parse(build(&spec)).unwrap();
    assert_eq!(cab.files()[0].name, "Ünïcødé\\日本.txt");
    assert!(cab.files()[0].name_is_utf8);
    assert_eq!(cab.files()[1].name, "café€.txt");
    assert_eq!(cab.files()[1].raw_name, b"caf\xe9\x80.txt");
}

#[test]
fn truncated_anywhere_is_an_error_not_a_panic() {
    let a = sample(40_000, 7);
    let full = build(&one_folder(&[("a", &a), ("b", b"bee")], 1));
    for len in 0..full.len() {
        let cut = full[..len].to_vec();
        let r = Cabinet::parse(cut).and_then(|cab| extract_all(&cab).map(|_| ()));
        let e = r.expect_err(&format!("cut at {len} must fail"));
        assert!(!message(&e).is_empty());
    }
    // A message that says where.
    let e = extract_all(&Cabinet::parse(full[..full.len() - 10].to_vec()).unwrap()).unwrap_err();
    assert!(
        message(&e).contains("folder 0: data block 1 at offset") && message(&e).contains("cut off"),
        "{e}"
    );
}

#[test]
fn bad_folder_index_is_refused() {
    let mut spec = one_folder(&[("a", b"abc")], 0);
    spec.files[0].folder = 3;
    let e = Cabinet::parse(build(&spec)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Malformed { .. }));
    assert!(
        message(&e).contains("file entry 0 ('a') is in folder 3"),
        "{e}"
    );
}

#[test]
fn checksum_mismatch_is_an_error() {
    let a = sample(1000, 8);
    let mut bytes = build(&one_folder(&[("a", &a)], 0));
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    let cab = Cabinet::parse(bytes.clone()).unwrap();
    let e = extract_all(&cab).unwrap_err();
    assert!(
        message(&e).contains("folder 0: data block 0 at offset")
            && message(&e).contains("checksum mismatch"),
        "{e}"
    );
    // A zero checksum means "not computed" and is not checked.
    let mut spec = one_folder(&[("a", &a)], 0);
    spec.checksums = false;
    let mut bytes = build(&spec);
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    let got = extract_all(&Cabinet::parse(bytes).unwrap()).unwrap();
    assert_eq!(got[0].1.len(), a.len());
}

#[test]
fn blocks_decoding_to_other_sizes_than_stated_are_errors() {
    let a = sample(1000, 10);
    for (comp, delta, want) in [
        (1u16, 1i32, "decodes to 1000 bytes but the block says 1001"),
        (1, -1, "decodes to more than"),
        (0, 1, "holds 1000 bytes but says it decodes to 1001"),
    ] {
        let mut spec = one_folder(&[("a", &a)], comp);
        let b = &mut spec.folders[0].blocks[0];
        b.1 = (b.1 as i32 + delta) as u16;
        if delta < 0 {
            // The file must still fit, so shrink it too.
            spec.files[0].size -= 1;
        }
        let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
        let m = message(&e);
        if comp == 1 && delta < 0 {
            assert!(
                m.contains("MSZIP data decodes to 1000 bytes but the block says 999"),
                "{m}"
            );
        } else {
            assert!(m.contains(want), "{m}");
        }
    }
}

#[test]
fn file_past_its_folder_is_an_error() {
    let mut spec = one_folder(&[("a", &sample(100, 11))], 0);
    spec.files[0].size = 40_000; // one block cannot hold it
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(message(&e).contains("hold at most 32768 bytes"), "{e}");
    let mut spec = one_folder(&[("a", &sample(100, 11))], 0);
    spec.files[0].size = 200; // within the bound, but the block has 100
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(
        message(&e).contains("decode to 100 bytes, but file 'a' needs bytes up to 200"),
        "{e}"
    );
}

#[test]
fn continued_files_name_the_missing_cabinet() {
    let mut spec = one_folder(&[("first.bin", b"abc"), ("big.bin", b"defg")], 0);
    spec.next = Some(("disk2.cab", "Disk 2"));
    spec.files[1].folder = IFOLD_CONTINUED_TO_NEXT;
    let cab = Cabinet::parse(build(&spec)).unwrap();
    assert_eq!(cab.files().len(), 2);
    let e = extract_all(&cab).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unsupported(_)));
    assert!(
        message(&e).contains(
            "file 'big.bin' continues in the next cabinet 'disk2.cab', which is not given"
        ),
        "{e}"
    );
    let mut spec = one_folder(&[("tail.bin", b"abc")], 0);
    spec.prev = Some(("disk1.cab", "Disk 1"));
    spec.files[0].folder = IFOLD_CONTINUED_FROM_PREV;
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(
        message(&e).contains("file 'tail.bin' continues from the previous cabinet 'disk1.cab'"),
        "{e}"
    );
}

#[test]
fn bad_quantum_and_unknown_methods_are_refused_cleanly() {
    let mut spec = one_folder(&[("a", b"abc")], 0);
    spec.folders[0].comp = 0x1472; // Quantum, level 7, window 2^20
    let cab = Cabinet::parse(build(&spec)).unwrap();
    assert_eq!(
        cab.folders()[0].compression,
        Compression::Quantum {
            level: 7,
            window_bits: 20
        }
    );
    // "abc" is not Quantum data: the block does not decode, and says so.
    let e = extract_all(&cab).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Malformed { .. }), "{e}");
    assert!(message(&e).contains("data block 0"), "{e}");
    spec.folders[0].comp = 0x1672; // a window of 2^22
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(message(&e).contains("Quantum with a window of 2^22"), "{e}");
    spec.folders[0].comp = 0x1472;
    let json = serde_json::to_string(&cab.folders()[0]).unwrap();
    assert!(
        json.contains(r#""compression":{"method":"quantum","level":7,"window_bits":20}"#),
        "{json}"
    );
    spec.folders[0].comp = 0x0009;
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(message(&e).contains("compression type 0x0009"), "{e}");
    spec.folders[0].comp = 0x1603; // LZX with a 2^22 window: LZX DELTA, not cabinets
    let e = extract_all(&Cabinet::parse(build(&spec)).unwrap()).unwrap_err();
    assert!(message(&e).contains("window of 2^22"), "{e}");
}

#[test]
fn headers_cabextract_also_refuses() {
    let base = one_folder(&[("a", b"abc")], 0);
    let mut bytes = build(&base);
    bytes[0] = b'X';
    assert!(message(&Cabinet::parse(bytes).unwrap_err()).contains("signature"));
    let mut spec = one_folder(&[("a", b"abc")], 0);
    spec.files[0].name.clear();
    assert!(message(&Cabinet::parse(build(&spec)).unwrap_err()).contains("is empty"));
    let mut spec = one_folder(&[("a", b"abc")], 0);
    spec.files[0].name = vec![b'n'; 300];
    assert!(message(&Cabinet::parse(build(&spec)).unwrap_err()).contains("no NUL within 256"));
    let mut bytes = build(&base);
    bytes[28] = 0; // cFiles
    assert!(message(&Cabinet::parse(bytes).unwrap_err()).contains("1 folders but no files"));
}

#[test]
fn an_empty_cabinet_reads_as_empty() {
    // What WiX writes for patch media without files: a bare 36-byte header.
    let bytes = build(&Spec::default());
    assert_eq!(bytes.len(), 36);
    let cab = Cabinet::parse(bytes).unwrap();
    assert!(cab.files().is_empty() && cab.folders().is_empty());
    assert!(extract_all(&cab).unwrap().is_empty());
}

#[test]
fn search_finds_embedded_cabinets() {
    let one = build(&one_folder(&[("one", b"111")], 0));
    let two = build(&one_folder(&[("two", &sample(5000, 12))], 1));
    let mut bytes = b"MZ junk MSCF not a header at all................".to_vec();
    bytes.extend_from_slice(&one);
    bytes.extend_from_slice(b"between");
    bytes.extend_from_slice(&two);
    bytes.extend_from_slice(b"trailer");
    let cabs = Cabinet::search(bytes.clone()).unwrap();
    assert_eq!(cabs.len(), 2);
    assert_eq!(cabs[0].offset(), 48);
    assert_eq!(extract_all(&cabs[0]).unwrap()[0].1, b"111");
    assert_eq!(extract_all(&cabs[1]).unwrap()[0].1, sample(5000, 12));
    assert!(Cabinet::parse(bytes).is_err());
    assert!(Cabinet::search(b"nothing here".to_vec()).is_err());
}

/// The search through a file reads it in pieces of 1 MiB: cabinets whose signature or header
/// straddles a piece boundary, or that lie past the first piece, are found as in memory.
#[test]
fn search_file_finds_cabinets_across_its_pieces() {
    let one = build(&one_folder(&[("one", b"111")], 0));
    let two = build(&one_folder(&[("two", &sample(5000, 12))], 1));
    let dir = std::env::temp_dir().join(format!("msikit-search-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for lead in [
        0usize,
        5,
        (1 << 20) - 2,
        (1 << 20) - 10,
        (1 << 20) + 19,
        3 << 20,
    ] {
        let mut bytes = vec![b'.'; lead];
        bytes.extend_from_slice(&one);
        bytes.extend_from_slice(b"MSCF but not a header");
        bytes.extend_from_slice(&two);
        let path = dir.join(format!("lead-{lead}"));
        std::fs::write(&path, &bytes).unwrap();
        let (cabs, _) = Cabinet::search_file(&path, 0).unwrap();
        let mem = Cabinet::search(bytes).unwrap();
        let at: Vec<u64> = cabs.iter().map(Cabinet::offset).collect();
        let want: Vec<u64> = mem.iter().map(Cabinet::offset).collect();
        assert_eq!(at, want, "lead {lead}");
        assert_eq!(at[0], lead as u64);
        assert_eq!(extract_all(&cabs[0]).unwrap()[0].1, b"111");
        assert_eq!(extract_all(&cabs[1]).unwrap()[0].1, sample(5000, 12));
        // From past the first cabinet only the second is found.
        let (rest, _) = Cabinet::search_file(&path, lead as u64 + 4).unwrap();
        assert_eq!(rest.len(), 1);
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_reads_from_a_file() {
    let a = sample(90_000, 13);
    let bytes = build(&one_folder(&[("a", &a), ("b", b"b")], 1));
    let path = std::env::temp_dir().join(format!("msikit-cab-open-{}.cab", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let cab = Cabinet::open(&path);
    let _ = std::fs::remove_file(&path);
    let got = extract_all(&cab.unwrap()).unwrap();
    assert_eq!(got[0].1, a);
    let e = Cabinet::open(Path::new("/nonexistent/x.cab")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.cab: "));
}

#[test]
fn callback_errors_stop_the_pass() {
    let bytes = build(&one_folder(&[("a", b"1"), ("b", b"2")], 0));
    let cab = Cabinet::parse(bytes).unwrap();
    let mut seen = 0;
    let e = cab
        .for_each_file(|_, _| {
            seen += 1;
            Err(Error::refused("stop"))
        })
        .unwrap_err();
    assert_eq!(seen, 1);
    assert_eq!(message(&e), "stop");
}

/// Mutates `good` (MSZIP) and `stored` in turn, 3,000 times, and reads each: an error or a
/// result, never a panic. A panic anywhere (the decoding thread's too) fails the caller.
fn check_mutated_cabinets(good: &[u8], stored: &[u8]) {
    let mut r = XorShift(0x9E37_79B9);
    let mut rnd = move || r.next();
    for round in 0..3000 {
        let mut bytes = if round % 2 == 0 {
            good.to_vec()
        } else {
            stored.to_vec()
        };
        // Mostly the header and entries, sometimes anywhere.
        let span = if round % 3 == 0 { bytes.len() } else { 160 };
        for _ in 0..1 + rnd() % 4 {
            let i = rnd() as usize % span.min(bytes.len());
            bytes[i] = rnd() as u8;
        }
        if round % 5 == 0 {
            let keep = rnd() as usize % bytes.len();
            bytes.truncate(keep);
        }
        if let Ok(cab) = Cabinet::parse(bytes) {
            let _ = cab.for_each_file_chunked(|_| Ok(()));
        }
    }
}

/// The cabinets [`check_mutated_cabinets`] starts from; with `planted`, file "a" holds the
/// test hook's marker, so that decoding it panics.
fn mutation_seeds(planted: bool) -> (Vec<u8>, Vec<u8>) {
    let mut a = sample(70_000, 14);
    if planted {
        a[100..100 + super::PLANTED_PANIC.len()].copy_from_slice(super::PLANTED_PANIC);
    }
    let mut spec = one_folder(&[("a", &a), ("b", b"bb"), ("c", &a[..5000])], 1);
    spec.reserve = Some((vec![9; 4], 2, 2));
    let good = build(&spec);
    let stored = build(&one_folder(&[("a", &a[..3000]), ("b", b"b")], 0));
    (good, stored)
}

#[test]
fn mutated_cabinets_never_panic() {
    let (good, stored) = mutation_seeds(false);
    check_mutated_cabinets(&good, &stored);
}

/// The check above bites: with a panic planted in the MSZIP decoder (feature `test-hooks`),
/// the panic reaches the caller's thread and the check fails.
#[test]
fn a_planted_decoder_panic_fails_the_mutation_check() {
    let (good, stored) = mutation_seeds(true);
    let direct = std::panic::catch_unwind(|| {
        let cab = Cabinet::parse(good.clone()).unwrap();
        let _ = cab.for_each_file_chunked(|_| Ok(()));
    });
    assert!(direct.is_err(), "the planted panic reaches the caller");
    let checked = std::panic::catch_unwind(|| check_mutated_cabinets(&good, &stored));
    assert!(
        checked.is_err(),
        "the mutation check reports the planted panic"
    );
}

/// Times listing and extracting one MSZIP folder of 400 files of 64 KiB (crates.md §2: the `cab`
/// crate's per-file reader takes 11.8 s for this, cabextract 0.085 s). Prints the time; it asserts
/// only the contents. Run with `--nocapture` (and `--release`) to see it.
#[test]
fn timing_400_files_of_64k_in_one_mszip_folder() {
    let files: Vec<(String, Vec<u8>)> = (0..400)
        .map(|i| (format!("file{i:03}.bin"), sample(65_536, i + 100)))
        .collect();
    let bytes = cab_crate_mszip(&files);
    let start = std::time::Instant::now();
    let cab = Cabinet::parse(bytes).unwrap();
    assert_eq!(cab.files().len(), 400);
    let mut n = 0;
    let mut total = 0usize;
    cab.for_each_file(|f, b| {
        assert!(b == files[f.index].1.as_slice(), "{} differs", f.name);
        n += 1;
        total += b.len();
        Ok(())
    })
    .unwrap();
    let took = start.elapsed();
    assert_eq!(n, 400);
    eprintln!(
        "msikit: listed and extracted 400 files x 64 KiB ({} MiB) from one MSZIP folder in {:.3} s",
        total >> 20,
        took.as_secs_f64()
    );
}
