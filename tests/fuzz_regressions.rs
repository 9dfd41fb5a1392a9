//! Every input the fuzzers ever found a crash, hang or out-of-memory with, replayed through the
//! same entry point (`fuzz/harness.rs`) on every `cargo test`: `fuzz/regressions/TARGET/*`.
//! `cargo xtask fuzz` saves them there. Each target also gets its seed-free smoke input (empty
//! and a few bytes), so a target that panics on nothing fails here first.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_saved_fuzz_input_replays_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).expect("fuzz/regressions") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let run = harness::target(&name)
            .unwrap_or_else(|| panic!("fuzz/regressions/{name}: no fuzz target of that name"));
        for input in std::fs::read_dir(&dir).expect("target dir") {
            let path = input.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read input");
            run(&bytes);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "fuzz/regressions holds inputs");
}

#[test]
fn every_target_takes_trivial_inputs() {
    for (name, run) in harness::TARGETS {
        for input in [
            &b""[..],
            b"\0",
            b"MSCF",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            &[0xFF; 64],
        ] {
            run(input);
        }
        let _ = name;
    }
}

#[test]
fn every_harness_entry_is_a_fuzz_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"'))
        .filter(|n| *n != "msikit-fuzz")
        .collect();
    let entries: Vec<&str> = harness::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        bins, entries,
        "fuzz/Cargo.toml's [[bin]]s are harness::TARGETS, in order"
    );
    for n in entries {
        let src = std::fs::read_to_string(root.join("fuzz_targets").join(format!("{n}.rs")))
            .unwrap_or_else(|e| panic!("fuzz/fuzz_targets/{n}.rs: {e}"));
        assert!(
            src.contains(&format!("harness::{n}(data)")),
            "{n}.rs calls harness::{n}"
        );
    }
}
