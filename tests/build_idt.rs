//! `msikit build --idt` is the inverse of `msikit export --idt`: every well-formed corpus
//! database exported and rebuilt gives, through msiinfo, the same tables (rows compared as sets:
//! the writer stores rows in Windows' key order for its own string ids). A database with a value
//! holding a tab or a line break cannot round-trip through IDT (msiinfo's format escapes
//! nothing); `build` must then refuse with that reason.

mod common;

use std::process::Command;

use common::{manifest, par_map, require, run_msikit};

fn export(msi: &std::path::Path, table: &str, cwd: &std::path::Path) -> Option<Vec<String>> {
    let out = Command::new("msiinfo")
        .arg("export")
        .arg(msi)
        .arg(table)
        .current_dir(cwd)
        .output()
        .unwrap();
    out.status.success().then(|| {
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split("\r\n")
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    })
}

#[test]
fn export_then_build_round_trips() {
    require("msiinfo");
    let scratch = std::env::temp_dir().join(format!("msikit-build-idt-{}", std::process::id()));
    let files: Vec<_> = manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm"))
        .collect();
    let results: Vec<(usize, usize, Vec<String>)> = par_map(&files, |f| {
        let d = scratch.join(f.local.replace('/', "_"));
        let (idt, out, cwd) = (d.join("idt"), d.join("rebuilt.msi"), d.join("cwd"));
        std::fs::create_dir_all(&cwd).unwrap();
        let e = run_msikit(&[
            "export".as_ref(),
            f.path.as_os_str(),
            "--idt".as_ref(),
            idt.as_os_str(),
        ]);
        if !e.status.success() {
            return (0, 0, Vec::new()); // damaged files: tests/corpus.rs
        }
        let b = run_msikit(&[
            "build".as_ref(),
            "--idt".as_ref(),
            idt.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&b.stderr).to_string();
        if !b.status.success() {
            let _ = std::fs::remove_dir_all(&d);
            return if err.contains("a tab or a line break") && err.lines().count() == 1 {
                (0, 1, Vec::new())
            } else {
                (0, 0, vec![format!("{}: build failed: {err}", f.local)])
            };
        }
        let tables = Command::new("msiinfo")
            .arg("tables")
            .arg(&f.path)
            .output()
            .unwrap();
        let mut same = 0;
        let mut problems = Vec::new();
        for t in String::from_utf8_lossy(&tables.stdout).lines() {
            let Some(want) = export(&f.path, t, &cwd) else {
                continue;
            };
            match export(&out, t, &cwd) {
                Some(got) if got == want => same += 1,
                Some(_) => problems.push(format!("{}: table {t} differs", f.local)),
                None => problems.push(format!("{}: table {t} is missing", f.local)),
            }
        }
        let _ = std::fs::remove_dir_all(&d);
        (same, 0, problems)
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let same: usize = results.iter().map(|r| r.0).sum();
    let refused: usize = results.iter().map(|r| r.1).sum();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.2).collect();
    eprintln!("{same} tables identical after export + build; {refused} databases refused (tab or line break in a value)");
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(same > 1500, "only {same} tables compared");
}
