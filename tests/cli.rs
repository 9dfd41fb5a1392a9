//! Every verb's human and JSON output on the testdata packages, as insta snapshots, plus the
//! exit codes and one-line errors. Run from the repository root so paths print relative.

mod common;

use std::process::Output;

fn run(args: &[&str]) -> Output {
    common::msikit()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run msikit")
}

/// stdout of a run that must succeed.
fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// stderr of a run that must fail with exit code 2 and one line.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: printed to stdout on error"
    );
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn info_each_kind() {
    for (name, file) in [
        ("msi", "testdata/sample.msi"),
        ("msm", "testdata/sample.msm"),
        ("msp", "testdata/sample.msp"),
        ("mst", "testdata/sample.mst"),
    ] {
        insta::assert_snapshot!(format!("info_{name}"), ok(&["info", file]));
        insta::assert_snapshot!(format!("info_{name}_json"), ok(&["info", "--json", file]));
    }
}

#[test]
fn tables_and_table_formats() {
    insta::assert_snapshot!("tables_msi", ok(&["tables", "testdata/sample.msi"]));
    insta::assert_snapshot!(
        "tables_msp_json",
        ok(&["tables", "--json", "testdata/sample.msp"])
    );
    for format in ["text", "json", "csv", "idt"] {
        insta::assert_snapshot!(
            format!("table_file_{format}"),
            ok(&["table", "--format", format, "testdata/sample.msi", "File"])
        );
    }
    insta::assert_snapshot!(
        "table_property_text",
        ok(&["table", "testdata/sample.msi", "Property"])
    );
    insta::assert_snapshot!(
        "table_binary_json",
        ok(&["table", "--json", "testdata/sample.msi", "Binary"])
    );
    insta::assert_snapshot!(
        "table_summary_idt",
        ok(&[
            "table",
            "--format",
            "idt",
            "testdata/sample.msi",
            "_SummaryInformation"
        ])
    );
}

#[test]
fn streams_listing() {
    insta::assert_snapshot!("streams_msi", ok(&["streams", "testdata/sample.msi"]));
    insta::assert_snapshot!(
        "streams_msp_json",
        ok(&["streams", "--json", "testdata/sample.msp"])
    );
}

#[test]
fn cat_gives_the_stream_bytes() {
    let out = run(&["cat", "testdata/sample.msi", "[5]SummaryInformation"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        &out.stdout[..4],
        &[0xFE, 0xFF, 0x00, 0x00],
        "property-set byte order mark"
    );
    // The same bytes whichever way the name is typed, and as the listing's sha256 says.
    let again = run(&["cat", "testdata/sample.msi", "\\005SummaryInformation"]);
    assert_eq!(out.stdout, again.stdout);
    let table = run(&["cat", "testdata/sample.msi", "File"]);
    let marked = run(&["cat", "testdata/sample.msi", "!File"]);
    assert_eq!(table.stdout, marked.stdout);
    assert!(!table.stdout.is_empty());
    let listing: serde_json::Value =
        serde_json::from_str(&ok(&["streams", "--json", "testdata/sample.msi"])).unwrap();
    let file_entry = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "!File")
        .expect("!File listed");
    assert_eq!(file_entry["size"].as_u64(), Some(table.stdout.len() as u64));
}

#[test]
fn stdin_is_read_with_dash() {
    let bytes =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample.msi"))
            .unwrap();
    let mut child = common::msikit()
        .args(["tables", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        ok(&["tables", "testdata/sample.msi"])
    );
}

#[test]
fn export_writes_the_idt_folder() {
    let dir = std::env::temp_dir().join(format!("msikit-cli-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let report = ok(&[
        "export",
        "--json",
        "testdata/sample.msi",
        "--idt",
        dir.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let mut files: Vec<String> = common::files_below(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    files.sort();
    insta::assert_snapshot!("export_files", files.join("\n"));
    assert_eq!(
        report["tables"].as_array().unwrap().len(),
        files.iter().filter(|f| f.ends_with(".idt")).count()
    );
    // Each .idt equals the table verb's IDT output.
    for f in files.iter().filter(|f| f.ends_with(".idt")) {
        let table = f.trim_end_matches(".idt");
        let written = std::fs::read(dir.join(f)).unwrap();
        let shown = run(&["table", "--format", "idt", "testdata/sample.msi", table]).stdout;
        assert_eq!(written, shown, "{f}");
    }
    // No temporary file is left behind.
    assert!(!files.iter().any(|f| f.contains(".msikit-")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_are_one_line_with_exit_2() {
    insta::assert_snapshot!(
        "error_truncated",
        fails(&["info", "testdata/truncated.msi"])
    );
    insta::assert_snapshot!(
        "error_not_installer",
        fails(&["tables", "testdata/not-an-installer.bin"])
    );
    insta::assert_snapshot!(
        "error_no_table",
        fails(&["table", "testdata/sample.msi", "Nope"])
    );
    insta::assert_snapshot!(
        "error_no_stream",
        fails(&["cat", "testdata/sample.msi", "Nope"])
    );
    insta::assert_snapshot!(
        "error_transform_tables",
        fails(&["tables", "testdata/sample.mst"])
    );
    insta::assert_snapshot!(
        "error_missing_file",
        fails(&["info", "testdata/does-not-exist.msi"])
    );
    // A usage error is exit 2 too (clap).
    assert_eq!(run(&["info"]).status.code(), Some(2));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    let bash = ok(&["completions", "bash"]);
    assert!(bash.contains("msikit") && bash.contains("streams") && bash.contains("export"));
    let man = ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH msikit"),
        "{}",
        &man[..man.len().min(200)]
    );
}
