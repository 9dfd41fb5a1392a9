//! No input makes msikit panic: real packages from the corpus, mutated deterministically (bytes
//! flipped, lengths set to huge values, files cut short), go through every reader in-process.
//! A huge allocation would abort the test process, so it fails too.

mod common;

use std::io::Write;
use std::path::Path;

use msikit::database::Database;
use msikit::formats::container::Container;

/// xorshift64*: deterministic, so a failure reproduces from its seed and iteration.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
        }
        1 => {
            // A length or count field gone wild.
            let i = rng.below(b.len().saturating_sub(4)) & !3;
            b[i..i + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        }
        2 => {
            let keep = 512 + rng.below(b.len().saturating_sub(512));
            b.truncate(keep);
        }
        _ => {
            // Damage one whole 512-byte sector (directory, FAT, pool or table data).
            let s = rng.below(b.len() / 512) * 512;
            for x in &mut b[s..(s + 512).min(bytes.len())] {
                *x = rng.next() as u8;
            }
        }
    }
    b
}

/// Every reader, every table, every summary; results are ignored, only panics matter.
fn read_everything(path: &Path) {
    let _ = msikit::jobs::inspect::info(path);
    let _ = msikit::jobs::inspect::tables(path);
    let _ = msikit::jobs::inspect::streams(path);
    if let Ok(c) = Container::open(path) {
        let mut sink = std::io::sink();
        let _ = msikit::database::idt::write_idt(&c, "_SummaryInformation", &mut sink);
        let _ = msikit::database::idt::write_idt(&c, "_ForceCodepage", &mut sink);
        if let Ok(db) = Database::open(&c) {
            let names: Vec<String> = db.defs().iter().map(|d| d.name.clone()).collect();
            for n in names {
                if let Ok(t) = db.table(&n) {
                    let _ = msikit::formats::idt::write_table(&mut sink, &t);
                    for r in 0..t.len().min(50) {
                        let _ = t.row_values(r);
                    }
                }
            }
        }
    }
}

#[test]
fn mutated_corpus_files_never_panic() {
    let corpus = common::corpus();
    let seeds = [
        "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__prodAv100.msi",
        "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchABv101.msp",
        "heaths__psmsi/test__PowerShell.Test__Data__Example.jpn.mst",
        "wixtoolset__wix3/test__data__Tools__Light__Localization__LocalizationTests__he-il__he-il.msi",
    ];
    let dir = std::env::temp_dir().join(format!("msikit-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (s, seed) in seeds.iter().enumerate() {
        let original = std::fs::read(corpus.join(seed)).expect("seed file in the corpus");
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (s as u64 + 1));
        for i in 0..1000 {
            let bytes = mutate(&original, &mut rng);
            let path = dir.join(format!("case-{s}-{i}.msi"));
            std::fs::File::create(&path)
                .unwrap()
                .write_all(&bytes)
                .unwrap();
            let r = std::panic::catch_unwind(|| read_everything(&path));
            assert!(
                r.is_ok(),
                "panic on {seed} mutation {i} (kept at {})",
                path.display()
            );
            std::fs::remove_file(&path).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mutated transforms (a standalone .mst and a patch's transform storages) applied to their
/// real base: an error or a result, never a panic.
#[test]
fn mutated_transforms_never_panic() {
    let corpus = common::corpus();
    let cases = [
        (
            "heaths__psmsi/test__PowerShell.Test__Data__Example.msi",
            "heaths__psmsi/test__PowerShell.Test__Data__Example.jpn.mst",
        ),
        (
            "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__prodAv100.msi",
            "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchAv101.msp",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("msikit-robust-t-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (s, (base, t)) in cases.iter().enumerate() {
        let base = corpus.join(base);
        let original = std::fs::read(corpus.join(t)).expect("transform in the corpus");
        let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (s as u64 + 7));
        for i in 0..500 {
            let bytes = mutate(&original, &mut rng);
            let path = dir.join(format!("t-{s}-{i}.mst"));
            std::fs::File::create(&path)
                .unwrap()
                .write_all(&bytes)
                .unwrap();
            let r = std::panic::catch_unwind(|| {
                let _ = msikit::views::transform::apply_files(&base, &[path.as_path()], None, None);
            });
            assert!(
                r.is_ok(),
                "panic on {t} mutation {i} (kept at {})",
                path.display()
            );
            std::fs::remove_file(&path).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cabinet with every data block's checksum set to 0 (none), so that changed bytes reach
/// the decoders instead of stopping at the checksum.
fn without_checksums(mut cab: Vec<u8>) -> Vec<u8> {
    let c = msikit::formats::cabinet::Cabinet::parse(cab.clone()).expect("a cabinet");
    let data_reserve = if c.flags() & 4 != 0 {
        usize::from(cab[39])
    } else {
        0
    };
    for f in c.folders() {
        let mut at = f.data_offset as usize;
        for _ in 0..f.data_blocks {
            cab[at..at + 4].fill(0);
            let len = usize::from(u16::from_le_bytes([cab[at + 4], cab[at + 5]]));
            at += 8 + data_reserve + len;
        }
    }
    cab
}

/// Real LZX cabinets (and one that mixes MSZIP and LZX folders), their checksums taken out, with
/// bytes changed, length fields gone wild or cut short, through msikit's cabinet reader and its
/// own LZX decoder: an error or a result, never a panic.
#[test]
fn mutated_lzx_cabinets_never_panic() {
    let corpus = common::corpus();
    let seeds = [
        // LZX 21 with stored blocks of odd size.
        "chef__chef/spec__functional__assets__dummy-cab-23448@09b44d56.cab",
        // E8 translation on.
        "libarchive__libarchive/libarchive__test__test_read_format_cab_lzx_e8.cab",
        "kyz__libmspack/libmspack__test__test_files__cabd__normal_2files_2folders.cab",
        "target__strelka/src__python__strelka__tests__fixtures__test_lzx.cab",
    ];
    for (s, seed) in seeds.iter().enumerate() {
        let original = std::fs::read(corpus.join(seed)).expect("seed cabinet in the corpus");
        check_mutated_cabinet(seed, &original, s as u64);
    }
}

/// Quantum cabinets (cabextract's mixed-method cabinet, its Quantum reproducers), their
/// checksums taken out, with bytes changed, length fields gone wild or cut short, through
/// msikit's own Quantum decoder: an error or a result, never a panic or a hang.
#[test]
fn mutated_quantum_cabinets_never_panic() {
    let corpus = common::corpus();
    let seeds = [
        "kyz__libmspack/cabextract__test__cabs__mixed.cab",
        "kyz__libmspack/cabextract__test__bugs__cve-2010-2801-qtm-flush.cab",
        "kyz__libmspack/cabextract__test__bugs__qtm-max-size-block.cab",
    ];
    for (s, seed) in seeds.iter().enumerate() {
        let original = std::fs::read(corpus.join(seed)).expect("seed cabinet in the corpus");
        check_mutated_cabinet(seed, &original, 10 + s as u64);
    }
}

/// Mutates `cabinet` (named `seed`; `s` varies the random numbers) 300 times, its checksums
/// taken out, and reads each: fails (panics) on the first mutation that makes msikit panic, on
/// this thread or on a decoding thread.
fn check_mutated_cabinet(seed: &str, cabinet: &[u8], s: u64) {
    let original = without_checksums(cabinet.to_vec());
    let mut rng = Rng(0xA076_1D64_78BD_642F ^ (s + 3));
    for i in 0..300 {
        let mut bytes = original.clone();
        // Mostly the compressed data, past the header and entries.
        let from = (original.len() / 8).min(400);
        match rng.below(3) {
            0 => {
                for _ in 0..1 + rng.below(6) {
                    let k = from + rng.below(bytes.len() - from);
                    bytes[k] ^= 1 << rng.below(8);
                }
            }
            1 => bytes = mutate(&original, &mut rng),
            _ => bytes.truncate(from + rng.below(original.len() - from)),
        }
        let r = std::panic::catch_unwind(|| {
            if let Ok(cab) = msikit::formats::cabinet::Cabinet::parse(bytes) {
                let _ = cab.for_each_file_chunked(|_| Ok(()));
            }
        });
        assert!(r.is_ok(), "panic on {seed} mutation {i}");
    }
}

/// The check above bites: an MSZIP cabinet holding the marker of the panic planted in the MSZIP
/// decoder (feature `test-hooks`, on for msikit's tests) makes it fail.
#[test]
fn a_planted_decoder_panic_fails_the_cabinet_check() {
    use msikit::formats::cabinet::write::{write_cabinet, Compression, NewFile};
    let mut data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let at = 150_000;
    data[at..at + msikit::formats::cabinet::PLANTED_PANIC.len()]
        .copy_from_slice(msikit::formats::cabinet::PLANTED_PANIC);
    let files = [
        NewFile {
            name: "a.bin",
            data: &data,
        },
        NewFile {
            name: "b.txt",
            data: b"b",
        },
    ];
    let cab = write_cabinet(&files, 0, Compression::MsZip(3)).expect("a cabinet");
    let r = std::panic::catch_unwind(|| check_mutated_cabinet("planted.cab", &cab, 0));
    assert!(r.is_err(), "the cabinet check reports the planted panic");
}
