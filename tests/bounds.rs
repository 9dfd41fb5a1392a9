//! Resource bounds: inputs built to make a reader allocate, loop or work without end give a
//! clear error or finish, in bounded memory. Each case runs the real binary under an
//! address-space limit (`ulimit -v`, 1 GiB), so an allocation sized by a length field aborts it
//! and fails the test, and under a time limit, so a loop fails it too. docs/robustness.md lists
//! the bounds these check.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::copy_compound_file;
use msikit::formats::container::streamname;

const MEMORY_KIB: u64 = 1 << 20;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bounds")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs msikit with `args` under the memory limit; fails the test if it takes longer than
/// `limit` or dies of a signal (an aborted allocation, a stack overflow).
fn bounded(args: &[&str], limit: Duration) -> Output {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_msikit"))
        .args(args)
        .env("NO_COLOR", "1");
    let start = Instant::now();
    let out = sh.output().expect("run msikit under sh");
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        took < limit,
        "msikit {args:?} took {took:?} (limit {limit:?}); stderr: {stderr}"
    );
    assert!(
        out.status.code().is_some(),
        "msikit {args:?} died of a signal ({:?}) under a {MEMORY_KIB} KiB address-space limit; stderr: {stderr}",
        out.status
    );
    assert!(
        !stderr.contains("panicked"),
        "msikit {args:?} panicked: {stderr}"
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The directory entry of the table stream `table` in a version-3 compound file: the offset of
/// its 128-byte record, found by its encoded UTF-16 name (unique in these small files).
fn directory_entry(bytes: &[u8], table: &str) -> usize {
    let name: Vec<u8> = streamname::encode(table, true)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let hits: Vec<usize> = bytes
        .windows(name.len())
        .enumerate()
        .filter(|(i, w)| *w == name.as_slice() && i % 128 == 0)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "one directory entry named {table}");
    hits[0]
}

#[test]
fn a_string_pool_stream_that_claims_a_billion_entries_is_an_error() {
    // Version 3 sizes are 32-bit: the most a directory entry can claim is 4 GiB, a billion
    // four-byte pool entries, in a 55 KB file.
    let dir = scratch("pool-size");
    let mut bytes = std::fs::read(testdata("exchange2007/rtm.msi")).expect("rtm.msi");
    let e = directory_entry(&bytes, "_StringPool");
    bytes[e + 120..e + 124].copy_from_slice(&0xFFFF_FFFCu32.to_le_bytes());
    let msi = dir.join("pool-size.msi");
    std::fs::write(&msi, &bytes).expect("write");
    let m = msi.to_str().expect("utf-8 path");
    for verb in [
        &["info", m][..],
        &["tables", m],
        &["files", m],
        &["table", m, "Property"],
    ] {
        let out = bounded(verb, Duration::from_secs(30));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{verb:?}: {err}");
        assert!(
            err.contains("pool-size.msi") && err.contains("_StringPool"),
            "{verb:?}: the error names the file and the stream: {err}"
        );
    }
}

#[test]
fn a_string_that_claims_four_gigabytes_is_an_error() {
    // A pool entry of length 0 with a reference count says the next entry holds a 32-bit
    // length: this one claims 0xFFFFFFFF bytes of _StringData.
    let dir = scratch("pool-long");
    let msi = dir.join("pool-long.msi");
    copy_compound_file(
        &testdata("exchange2007/rtm.msi"),
        &msi,
        |_| true,
        |e, mut b| {
            if e.leaf().name == "_StringPool" {
                b.extend_from_slice(&[0, 0, 1, 0]);
                b.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            }
            b
        },
    );
    let m = msi.to_str().expect("utf-8 path");
    for verb in [
        &["info", m][..],
        &["table", m, "Property"],
        &["export", m, "--idt"],
    ] {
        let mut args = verb.to_vec();
        let out_dir = dir.join("idt");
        let out_dir = out_dir.to_str().expect("utf-8");
        if verb[0] == "export" {
            args.push(out_dir);
        }
        let out = bounded(&args, Duration::from_secs(30));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("pool-long.msi") && err.contains("_String"),
            "{args:?}: the error names the file and the string streams: {err}"
        );
    }
}

#[test]
fn a_directory_cycle_ends() {
    // MicrosoftDir's parent chain runs MicrosoftDir -> ExchangeDir -> MicrosoftDir: resolving
    // the install paths of the files below it must end, and must not invent a path for them.
    let dir = scratch("cycle");
    let idt = dir.join("idt");
    let out = bounded(
        &[
            "export",
            testdata("exchange2007/rtm.msi").to_str().expect("utf-8"),
            "--idt",
            idt.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = idt.join("Directory.idt");
    let t = std::fs::read_to_string(&table).expect("Directory.idt");
    let cyclic = t.replace(
        "MicrosoftDir\tProgramFiles64Folder\t",
        "MicrosoftDir\tExchangeDir\t",
    );
    assert_ne!(t, cyclic, "the edit made a cycle");
    std::fs::write(&table, cyclic).expect("write");
    let msi = dir.join("cycle.msi");
    let m = msi.to_str().expect("utf-8");
    let out = bounded(
        &["build", "--idt", idt.to_str().expect("utf-8"), "-o", m],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = bounded(&["files", m, "--csv"], Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let store = csv
        .lines()
        .find(|l| l.starts_with("store.exe,"))
        .expect("store.exe is listed");
    assert!(
        !store.contains("Program Files"),
        "a file below the cycle gets no invented path: {store}"
    );
    let out = bounded(
        &[
            "patch",
            "files",
            testdata("exchange2007/ur1.msp").to_str().expect("utf-8"),
            "--msi",
            m,
        ],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn ten_thousand_transforms_in_turn_finish_in_bounded_memory() {
    // The same customization transform applied 10,000 times: from the second on, every record
    // is a suppressed condition (the rows are there already). Memory grows with the report (a
    // few counts per transform), not with the chain.
    let dir = scratch("chain");
    let out_msi = dir.join("chain.msi");
    let mst = testdata("sample.mst");
    let mst = mst.to_str().expect("utf-8");
    let base = testdata("sample.msi");
    let mut args = vec![
        "transform",
        "apply",
        base.to_str().expect("utf-8"),
        "--suppress",
        "abcdef",
        "-o",
        out_msi.to_str().expect("utf-8"),
    ];
    args.extend(std::iter::repeat_n(mst, 10_000));
    let out = bounded(&args, Duration::from_secs(300));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.matches("sample.mst").count() >= 10_000,
        "every transform of the chain is reported"
    );
    // The result is the base with the transform applied once.
    let once = dir.join("once.msi");
    let out = bounded(
        &[
            "transform",
            "apply",
            base.to_str().expect("utf-8"),
            mst,
            "-o",
            once.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = bounded(
        &[
            "diff",
            once.to_str().expect("utf-8"),
            out_msi.to_str().expect("utf-8"),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the chain's result equals one apply: {}",
        text(&out.stdout)
    );
}

/// One MSZIP block: `CK` and a raw deflate stream of 32,768 zero bytes (46 bytes, from zlib
/// at level 9).
const ZEROS_BLOCK: &str =
    "edc101010000008090feafee080a0000000000000000000000000000000000000000000000000000000000000018";

/// A 3.7 MB cabinet whose one MSZIP folder of 65,535 blocks decodes to 2 GiB of zeros, and
/// whose five file entries each span that whole folder: 10.7 GB out, if it were all written.
fn bomb_cabinet() -> Vec<u8> {
    let deflate: Vec<u8> = (0..ZEROS_BLOCK.len() / 2)
        .map(|i| u8::from_str_radix(&ZEROS_BLOCK[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let mut block = b"CK".to_vec();
    block.extend_from_slice(&deflate);
    let blocks = 65_535u32;
    let folder_size = blocks * 32_768;
    let names: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("zeros{i}.bin\0").into_bytes())
        .collect();
    let files_len: u32 = names.iter().map(|n| 16 + n.len() as u32).sum();
    let data_at = 36 + 8 + files_len;
    let total = data_at + blocks * (8 + block.len() as u32);
    let mut cab = Vec::with_capacity(total as usize);
    cab.extend_from_slice(b"MSCF");
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&total.to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&44u32.to_le_bytes()); // first CFFILE
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&[3, 1]);
    cab.extend_from_slice(&1u16.to_le_bytes()); // folders
    cab.extend_from_slice(&(names.len() as u16).to_le_bytes());
    cab.extend_from_slice(&[0; 6]); // flags, set id, index
    cab.extend_from_slice(&data_at.to_le_bytes());
    cab.extend_from_slice(&(blocks as u16).to_le_bytes());
    cab.extend_from_slice(&1u16.to_le_bytes()); // MSZIP
    for n in &names {
        cab.extend_from_slice(&folder_size.to_le_bytes());
        cab.extend_from_slice(&0u32.to_le_bytes()); // at the folder's start, every one
        cab.extend_from_slice(&0u16.to_le_bytes());
        cab.extend_from_slice(&0x5921u16.to_le_bytes());
        cab.extend_from_slice(&0u16.to_le_bytes());
        cab.extend_from_slice(&0x20u16.to_le_bytes());
        cab.extend_from_slice(n);
    }
    for _ in 0..blocks {
        cab.extend_from_slice(&0u32.to_le_bytes()); // no checksum
        cab.extend_from_slice(&(block.len() as u16).to_le_bytes());
        cab.extend_from_slice(&32_768u16.to_le_bytes());
        cab.extend_from_slice(&block);
    }
    cab
}

#[test]
fn a_cabinet_that_decompresses_to_ten_gigabytes_stops_at_the_cap() {
    let dir = scratch("bomb");
    let cab = dir.join("bomb.cab");
    let bytes = bomb_cabinet();
    assert!(
        bytes.len() < 4 << 20,
        "the cabinet is small: {} bytes",
        bytes.len()
    );
    std::fs::write(&cab, &bytes).expect("write");
    let c = cab.to_str().expect("utf-8");
    // Listing reads the header only and says what the entries claim.
    let out = bounded(&["cab", "list", c, "--json"], Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).matches("2147450880").count(), 5);
    // Extraction stops before writing anything, naming the cap and how to raise it.
    let to = dir.join("out");
    let out = bounded(
        &["cab", "extract", c, "-C", to.to_str().expect("utf-8")],
        Duration::from_secs(60),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bomb.cab") && err.contains("--max-output"),
        "the error names the file and the cap: {err}"
    );
    let written: u64 = common::files_below(&to)
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    assert_eq!(written, 0, "nothing is written past the cap");
}
