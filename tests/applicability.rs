//! `msikit check PATCH.msp... --msi TARGET.msi` against Windows Installer's own decision:
//! `MsiDetermineApplicablePatchesW` in Wine's msi.dll, called by tests/oracles/applicable.c
//! (built here with Debian's mingw-w64). Wine decides a patch's status from the product code
//! alone (its `msi_check_patch_applicable` reads summary PID 7 and no transform validation), so
//! it is the oracle for which product a patch targets; where a transform's version condition
//! decides (SP1 and UR1: same product code, other version), msikit follows Windows, and the
//! test pins both answers. Wine does not sequence (it keeps the order given), so the order is
//! checked against the MsiPatchSequence rows instead.

#[path = "common/wine.rs"]
mod wine;

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::run_msikit;

const PER_MACHINE: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
const RTM_FAMILY: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__";

fn corpus(name: &str) -> PathBuf {
    common::corpus().join(name)
}

fn exchange(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/exchange2007")
        .join(name)
}

/// Wine's statuses for `patches` against `msi`, in the order given.
fn wine_statuses(msi: &Path, patches: &[PathBuf]) -> Vec<u32> {
    let w = wine::setup();
    // Built once per test binary (the tests run in parallel threads of one process).
    static EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let exe = EXE.get_or_init(|| {
        let exe = w.dir.join("applicable.exe");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/applicable.c");
        wine::build_msiapi(&src, &exe).unwrap_or_else(|e| panic!("{e}"));
        exe
    });
    let mut cmd = Command::new("wine");
    wine::wine_env(&mut cmd, &w.prefix);
    cmd.arg(exe).arg(wine::windows_path(msi));
    for p in patches {
        cmd.arg(wine::windows_path(p));
    }
    let done =
        wine::run_with_timeout(&mut cmd, wine::CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        done.stdout.contains("result\t0"),
        "MsiDetermineApplicablePatches failed: {}\n{}",
        done.stdout,
        done.stderr
    );
    let statuses: Vec<u32> = done
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("patch\t"))
        .map(|l| l.split('\t').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    assert_eq!(statuses.len(), patches.len(), "{}", done.stdout);
    statuses
}

/// msikit's statuses and orders for `patches` against `msi`, and its exit code.
fn msikit_check(msi: &Path, patches: &[PathBuf]) -> (Vec<u32>, Vec<Option<u64>>, i32) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["check".as_ref()];
    args.extend(patches.iter().map(|p| p.as_os_str()));
    args.extend(["--msi".as_ref(), msi.as_os_str(), "--json".as_ref()]);
    let o = run_msikit(&args);
    let code = o.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["patches"].as_array().unwrap();
    (
        rows.iter()
            .map(|r| r["status"].as_u64().unwrap() as u32)
            .collect(),
        rows.iter().map(|r| r["order"].as_u64()).collect(),
        code,
    )
}

#[test]
fn single_patches_agree_with_msi_dll() {
    let cases: Vec<(PathBuf, PathBuf, u32)> = vec![
        (
            corpus(&format!("{PER_MACHINE}prodAv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchAv101.msp")),
            0,
        ),
        (
            corpus(&format!("{PER_MACHINE}prodAv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchBv101.msp")),
            1642,
        ),
        (
            corpus(&format!("{PER_MACHINE}prodAv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchABv101.msp")),
            0,
        ),
        (
            corpus(&format!("{PER_MACHINE}prodBv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchAv101.msp")),
            1642,
        ),
        (
            corpus(&format!("{PER_MACHINE}prodBv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchBv101.msp")),
            0,
        ),
        (
            corpus(&format!("{PER_MACHINE}prodBv100.msi")),
            corpus(&format!("{PER_MACHINE}PatchABv101.msp")),
            0,
        ),
        (
            corpus("heaths__psmsi/test__PowerShell.Test__Data__Example.msi"),
            corpus("heaths__psmsi/test__PowerShell.Test__Data__Example.msp"),
            0,
        ),
        (exchange("rtm.msi"), exchange("ur1.msp"), 0),
        (exchange("rtm.msi"), exchange("ur2.msp"), 0),
        (exchange("rtm.msi"), exchange("iu.msp"), 0),
    ];
    for (msi, msp, want) in &cases {
        let wine = wine_statuses(msi, std::slice::from_ref(msp));
        let (ours, order, code) = msikit_check(msi, std::slice::from_ref(msp));
        assert_eq!(
            wine,
            [*want],
            "msi.dll: {} onto {}",
            msp.display(),
            msi.display()
        );
        assert_eq!(
            ours,
            [*want],
            "msikit: {} onto {}",
            msp.display(),
            msi.display()
        );
        assert_eq!(code, if *want == 0 { 0 } else { 1 });
        assert_eq!(order[0].is_some(), *want == 0);
    }
}

/// SP1 has RTM's product code, so Wine's product-code-only check calls UR1 applicable; Windows
/// validates the transforms (ProductVersion 8.1.240 is not 8.0.685) and says 1642, and so does
/// msikit, naming the failed condition.
#[test]
fn ur1_does_not_apply_to_sp1_where_wine_checks_only_the_product_code() {
    let msi = exchange("sp1.msi");
    let msp = exchange("ur1.msp");
    assert_eq!(wine_statuses(&msi, std::slice::from_ref(&msp)), [0]);
    let (ours, _, code) = msikit_check(&msi, std::slice::from_ref(&msp));
    assert_eq!((ours, code), (vec![1642], 1));
    let o = run_msikit(&[
        "check".as_ref(),
        msp.as_os_str(),
        "--msi".as_ref(),
        msi.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ProductVersion 8.1.240.6 (8.1.240) is not equal to 8.0.685"),
        "{text}"
    );
}

/// The WiX dual-branch family: given in reverse, all four apply (as msi.dll says), ordered as
/// their MsiPatchSequence rows say (rtmldr 1.0.1.1, gdr1 1.0.1.2, ldr2, ldr3), ldr2 and ldr3
/// only because rtmldr's baseline comes first.
#[test]
fn rtm_family_is_applicable_and_ordered_by_msi_patch_sequence() {
    let msi = corpus(&format!("{RTM_FAMILY}RtmProduct__product.msi"));
    let patches: Vec<PathBuf> = [
        "LDR3__ldr3",
        "LDR2__ldr2",
        "GDR1__gdr1",
        "Baseliner__rtmldr",
    ]
    .iter()
    .map(|p| corpus(&format!("{RTM_FAMILY}{p}.msp")))
    .collect();
    assert_eq!(wine_statuses(&msi, &patches), [0, 0, 0, 0]);
    let (ours, order, code) = msikit_check(&msi, &patches);
    assert_eq!(ours, [0, 0, 0, 0]);
    assert_eq!(order, [Some(3), Some(2), Some(1), Some(0)]);
    assert_eq!(code, 0);
    // Alone, ldr2 targets only rtmldr's baseline (1.0.1) and does not apply to 1.0.0.0.
    let (alone, _, code) = msikit_check(&msi, &patches[1..2]);
    assert_eq!((alone, code), (vec![1642], 1));
}

/// UR2 supersedes UR1 (same family, supersede flag): UR1 gets 1648 and UR2 applies to RTM;
/// `--expect-version` proves the result.
#[test]
fn ur2_supersedes_ur1_and_gives_its_version() {
    let msi = exchange("rtm.msi");
    let patches = vec![exchange("ur1.msp"), exchange("ur2.msp")];
    let (ours, order, code) = msikit_check(&msi, &patches);
    assert_eq!(ours, [1648, 0]);
    assert_eq!(order, [None, Some(0)]);
    assert_eq!(code, 0);
    for (version, want) in [("8.0.711.2", Some(0)), ("8.0.708.3", Some(1))] {
        let o = run_msikit(&[
            "check".as_ref(),
            patches[0].as_os_str(),
            patches[1].as_os_str(),
            "--msi".as_ref(),
            msi.as_os_str(),
            "--expect-version".as_ref(),
            version.as_ref(),
        ]);
        assert_eq!(
            o.status.code(),
            want,
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}
