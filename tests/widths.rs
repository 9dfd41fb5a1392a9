//! Human output that fits the terminal: every tabular verb at `--width 80` and `--width 120`
//! (insta snapshots of both) has no line wider than the width, and `--json` still carries the
//! full values that the tables cut. `COLUMNS` is honoured when stdout is a terminal (run under
//! `script`, which gives the program a pseudo-terminal); piped output is never cut.
//!
//! How tests treat "stdout is a terminal": the explicit `--width N` option stands for it (what a
//! terminal of N columns gives), and one test runs msikit on a real pseudo-terminal.

mod common;

use std::process::Command;

const EX: &str = "testdata/exchange2007";

fn run(args: &[&str]) -> String {
    let o = common::msikit()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .expect("run msikit");
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "msikit {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Terminal columns of a line: East Asian wide characters take two.
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// The verb's output at 80 and 120 columns; each line fits.
fn at_widths(args: &[&str]) -> String {
    let mut all = String::new();
    for w in [80usize, 120] {
        let ws = w.to_string();
        let mut a = vec!["--width", ws.as_str()];
        a.extend_from_slice(args);
        let out = run(&a);
        for line in out.lines() {
            assert!(
                columns(line) <= w,
                "msikit {a:?}: a line of {} columns:\n{line}",
                columns(line)
            );
        }
        all.push_str(&format!("----- --width {w}\n{out}"));
    }
    all
}

const PSMSI: &str = "heaths__psmsi/test__PowerShell.Test__Data__";

#[test]
fn tabular_verbs_fit_80_and_120_columns() {
    let corpus = common::corpus();
    let example = corpus.join(format!("{PSMSI}Example.msi"));
    let jpn = corpus.join(format!("{PSMSI}Example.jpn.mst"));
    let (example, jpn) = (example.to_str().unwrap(), jpn.to_str().unwrap());
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("widths-applied.msi");
    let out = out.to_str().unwrap();
    let mut cases: Vec<(&str, Vec<&str>)> = vec![
        ("info", vec!["info", "testdata/sample.msi"]),
        ("tables", vec!["tables", "testdata/sample.msi"]),
        ("table_file", vec!["table", "testdata/sample.msi", "File"]),
        (
            "table_validation",
            vec!["table", "testdata/sample.msi", "_Validation"],
        ),
        ("streams", vec!["streams", "testdata/sample.msi"]),
        ("files", vec!["files", "testdata/exchange2007/rtm.msi"]),
        (
            "transform_show",
            vec![
                "transform",
                "show",
                "testdata/sample.msi",
                "testdata/sample.mst",
            ],
        ),
        (
            "transform_apply",
            vec![
                "transform",
                "apply",
                "testdata/sample.msi",
                "testdata/sample.mst",
                "-o",
                out,
            ],
        ),
        (
            "diff",
            vec![
                "diff",
                "testdata/exchange2007/rtm.msi",
                "testdata/exchange2007/sp1.msi",
            ],
        ),
        (
            "patch_info",
            vec!["patch", "info", "testdata/exchange2007/ur1.msp"],
        ),
        (
            "patch_files",
            vec![
                "patch",
                "files",
                "testdata/exchange2007/ur1.msp",
                "--msi",
                "testdata/exchange2007/rtm.msi",
            ],
        ),
        (
            "check",
            vec![
                "check",
                "testdata/exchange2007/ur1.msp",
                "--snapshot",
                "testdata/exchange2007/snapshots/rtm-services-disabled.json",
            ],
        ),
        (
            "locks",
            vec![
                "locks",
                "testdata/exchange2007/ur1.msp",
                "--msi",
                "testdata/exchange2007/rtm.msi",
                "--snapshot",
                "testdata/exchange2007/snapshots/rtm-files-in-use.json",
            ],
        ),
    ];
    cases.extend([
        ("info_msp", vec!["info", "testdata/exchange2007/ur1.msp"]),
        ("info_mst", vec!["info", "testdata/sample.mst"]),
        (
            "patch_view",
            vec![
                "patch",
                "view",
                "testdata/exchange2007/rtm.msi",
                "testdata/exchange2007/ur1.msp",
            ],
        ),
    ]);
    for (name, args) in cases {
        insta::assert_snapshot!(format!("width_{name}"), at_widths(&args));
    }
    // Not snapshotted (their text names corpus paths), but they must fit as well.
    at_widths(&["transform", "show", example, jpn]);
    let cab = corpus.join("GNOME__gcab/tests__test-mszip.cab");
    at_widths(&["cab", "list", cab.to_str().unwrap()]);
}

/// What the 80-column table cuts, `--json` and a pipe keep whole.
#[test]
fn json_and_pipes_keep_full_values() {
    let narrow = run(&["--width", "80", "files", &format!("{EX}/rtm.msi")]);
    let full_path = r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe";
    assert!(!narrow.contains(full_path), "{narrow}");
    assert!(narrow.contains('…'));
    let json = run(&["--width", "80", "files", "--json", &format!("{EX}/rtm.msi")]);
    assert!(json.contains(&full_path.replace('\\', "\\\\")), "{json}");
    // Not a terminal and no --width: nothing is cut, whatever COLUMNS says.
    let o = common::msikit()
        .args(["files", &format!("{EX}/rtm.msi")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    let piped = String::from_utf8(o.stdout).unwrap();
    assert!(piped.contains(full_path), "{piped}");
    assert!(!piped.contains('…'));
}

/// On a (pseudo-)terminal, `COLUMNS` sets the width.
#[test]
fn columns_is_honoured_on_a_terminal() {
    common::require("script");
    let exe = env!("CARGO_BIN_EXE_msikit");
    let o = Command::new("script")
        .args(["-qec", &format!("{exe} files {EX}/rtm.msi"), "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "60")
        .env("NO_COLOR", "1")
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&o.stdout).replace('\r', "");
    assert!(text.contains("FILE"), "{text}");
    for line in text.lines() {
        assert!(columns(line) <= 60, "a line of {}: {line}", columns(line));
    }
    assert!(text.contains('…'), "{text}");
}
