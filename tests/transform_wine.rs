//! `msikit transform apply` against Wine's msi.dll (MsiDatabaseApplyTransform + commit), table by
//! table through msiinfo export: every transform storage of the corpus's patches onto its target
//! (chains included), psmsi's transforms with Wine's documented departures from Windows allowed,
//! and transforms msikit itself generates, which Wine must apply to give the target.

#[path = "common/wine.rs"]
mod wine;

mod common;

use std::path::{Path, PathBuf};

const PSMSI: &str = "heaths__psmsi/test__PowerShell.Test__Data__";
const PER_MACHINE: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
const RTM: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__";

fn corpus(name: &str) -> PathBuf {
    common::corpus().join(name)
}

fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("transform-wine")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `msikit transform apply BASE INPUTS... -o OUT`, which must succeed.
fn msikit_apply(base: &Path, inputs: &[&Path], out: &Path) {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["transform".as_ref(), "apply".as_ref(), base.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(["-o".as_ref(), out.as_os_str()]);
    let o = common::run_msikit(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "msikit: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A chain of patches onto a base: Wine's transforms for each, chosen against Wine's result so
/// far, and msikit's result for the whole chain; then the comparison.
fn patches_like_wine(test: &str, base: &str, patches: &[&str]) {
    let dir = out_dir(test);
    let base = corpus(base);
    let patches: Vec<PathBuf> = patches.iter().map(|p| corpus(p)).collect();
    let mut current = base.clone();
    let mut all = Vec::new();
    for (i, msp) in patches.iter().enumerate() {
        let ts = wine::patch_transforms_for(msp, &current, &dir.join(format!("t{i}")));
        assert!(!ts.is_empty(), "no transform of {} fits", msp.display());
        let next = dir.join(format!("wine-step{i}.msi"));
        let refs: Vec<&Path> = ts.iter().map(|p| p.as_path()).collect();
        wine::apply_transforms(&current, &refs, &next).unwrap_or_else(|e| panic!("{e}"));
        all.extend(ts);
        current = next;
    }
    let ours = dir.join("msikit.msi");
    let refs: Vec<&Path> = patches.iter().map(|p| p.as_path()).collect();
    msikit_apply(&base, &refs, &ours);
    let all: Vec<&Path> = all.iter().map(|p| p.as_path()).collect();
    wine::assert_same_as_wine(&base, &all, &ours, &[]);
}

#[test]
fn per_machine_patches_match_wine() {
    patches_like_wine(
        "a",
        &format!("{PER_MACHINE}prodAv100.msi"),
        &[&format!("{PER_MACHINE}PatchAv101.msp")],
    );
    patches_like_wine(
        "b",
        &format!("{PER_MACHINE}prodBv100.msi"),
        &[&format!("{PER_MACHINE}PatchBv101.msp")],
    );
    patches_like_wine(
        "ab-a",
        &format!("{PER_MACHINE}prodAv100.msi"),
        &[&format!("{PER_MACHINE}PatchABv101.msp")],
    );
    patches_like_wine(
        "ab-b",
        &format!("{PER_MACHINE}prodBv100.msi"),
        &[&format!("{PER_MACHINE}PatchABv101.msp")],
    );
}

#[test]
fn rtm_family_chain_matches_wine() {
    patches_like_wine(
        "rtm",
        &format!("{RTM}RtmProduct__product.msi"),
        &[
            &format!("{RTM}Baseliner__rtmldr.msp"),
            &format!("{RTM}GDR1__gdr1.msp"),
            &format!("{RTM}LDR2__ldr2.msp"),
            &format!("{RTM}LDR3__ldr3.msp"),
        ],
    );
    patches_like_wine(
        "gdr1",
        &format!("{RTM}RtmProduct__product.msi"),
        &[&format!("{RTM}GDR1__gdr1.msp")],
    );
}

#[test]
fn psmsi_patch_matches_wine() {
    patches_like_wine(
        "psmsi-msp",
        &format!("{PSMSI}Example.msi"),
        &[&format!("{PSMSI}Example.msp")],
    );
}

#[test]
fn psmsi_transforms_match_wine_where_wine_follows_windows() {
    for (name, allow) in [
        ("Example.mst", wine::EXAMPLE_MST_WINE_ONLY),
        ("Example.jpn.mst", wine::EXAMPLE_JPN_MST_WINE_ONLY),
    ] {
        let dir = out_dir(name);
        let base = corpus(&format!("{PSMSI}Example.msi"));
        let mst = corpus(&format!("{PSMSI}{name}"));
        let ours = dir.join("msikit.msi");
        msikit_apply(&base, &[&mst], &ours);
        wine::assert_same_as_wine(&base, &[&mst], &ours, allow);
    }
}

/// Transforms msikit creates (every change kind: property values, added and removed rows, a new
/// table, a changed string, binary streams): Wine's msi.dll applies them to the base and gets the
/// target, and msikit's own apply gets the same.
#[test]
fn generated_transforms_are_applied_by_wine_to_the_target() {
    let dir = out_dir("generated");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("testdata/sample.msi");
    let custom = dir.join("custom.msi");
    msikit_apply(&base, &[&root.join("testdata/sample.mst")], &custom);
    let w = PER_MACHINE;
    let pairs: Vec<(PathBuf, PathBuf)> = vec![
        (base.clone(), custom.clone()),
        (custom.clone(), base.clone()),
        (
            corpus(&format!("{w}prodAv100.msi")),
            corpus(&format!("{w}prodAv101.msi")),
        ),
        (
            corpus(&format!("{w}prodAv100.msi")),
            corpus(&format!("{w}prodBv100.msi")),
        ),
    ];
    for (i, (a, b)) in pairs.iter().enumerate() {
        let mst = dir.join(format!("gen{i}.mst"));
        let o = common::run_msikit(&[
            "transform".as_ref(),
            "create".as_ref(),
            a.as_os_str(),
            b.as_os_str(),
            "-o".as_ref(),
            mst.as_os_str(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let ours = dir.join(format!("ours{i}.msi"));
        msikit_apply(a, &[&mst], &ours);
        // Wine's result equals msikit's (summary included: both keep the base's) ...
        wine::assert_same_as_wine(a, &[&mst], &ours, &[]);
        // ... and its tables equal the target's, apart from the summary and the embedded
        // cabinet, which a transform does not carry.
        let wine_out = dir.join(format!("wine{i}.msi"));
        wine::apply_transforms(a, &[&mst], &wine_out).unwrap_or_else(|e| panic!("{e}"));
        let allow = [
            wine::Allow::Table("_SummaryInformation"),
            wine::Allow::Table(wine::STREAMS),
        ];
        let d = wine::diff_tables(
            &wine::without(&wine::export_tables(&wine_out), &allow),
            &wine::without(&wine::export_tables(b), &allow),
        );
        assert!(
            d.is_empty(),
            "{} -> {}: Wine's result differs from the target: {d:?}",
            a.display(),
            b.display()
        );
    }
}

/// A transform msikit generates is honoured by Wine's real install engine: `msiexec /i BASE
/// TRANSFORMS=T.mst /qn /l*v` logs the transform's property values in its property dump. (Wine
/// ignores a bad transform silently and still returns 0, so the log is what is checked, and a
/// run without the transform shows the property is not there otherwise.)
#[test]
fn msiexec_installs_with_a_generated_transform() {
    let w = wine::setup();
    let dir = out_dir("msiexec");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = dir.join("sample.msi");
    std::fs::copy(root.join("testdata/sample.msi"), &base).unwrap();
    let custom = dir.join("custom.msi");
    msikit_apply(&base, &[&root.join("testdata/sample.mst")], &custom);
    let mst = dir.join("custom.mst");
    let o = common::run_msikit(&[
        "transform".as_ref(),
        "create".as_ref(),
        base.as_os_str(),
        custom.as_os_str(),
        "-o".as_ref(),
        mst.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let install = |log: &Path, transforms: Option<&Path>| -> String {
        let mut cmd = std::process::Command::new("wine");
        wine::wine_env(&mut cmd, &w.prefix);
        cmd.arg("msiexec").arg("/i").arg(wine::windows_path(&base));
        if let Some(t) = transforms {
            cmd.arg(format!("TRANSFORMS={}", wine::windows_path(t)));
        }
        cmd.args(["/qn", "/l*v"]).arg(wine::windows_path(log));
        let done =
            wine::run_with_timeout(&mut cmd, wine::CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
        let text =
            std::fs::read(log).unwrap_or_else(|e| panic!("no msiexec log ({e}): {}", done.stderr));
        // The verbose log is UTF-16 LE with a BOM, or text in the ANSI code page (1252 here).
        let s = if text.starts_with(&[0xFF, 0xFE]) {
            let units: Vec<u16> = text[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&text)
                .0
                .into_owned()
        };
        // Uninstall again so the next run starts clean.
        let mut x = std::process::Command::new("wine");
        wine::wine_env(&mut x, &w.prefix);
        x.args(["msiexec", "/x"])
            .arg(wine::windows_path(&base))
            .arg("/qn");
        let _ = wine::run_with_timeout(&mut x, wine::CALL_TIMEOUT);
        s
    };
    let plain = install(&dir.join("plain.log"), None);
    assert!(
        plain.contains("Property(S): ProductCode = {0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9}"),
        "install did not run:\n{}",
        &plain[..plain.len().min(2000)]
    );
    assert!(
        !plain.contains("WIDGETSERVER"),
        "the property must come from the transform only"
    );
    let transformed = install(&dir.join("transformed.log"), Some(&mst));
    assert!(
        transformed.contains("Property(S): WIDGETSERVER = widgets.contoso.example"),
        "the transform's new property is not in the property dump"
    );
    assert!(transformed.contains("Property(S): ARPCOMMENTS = Café edition, customised"));
    // The transform also deletes ARPURLINFOABOUT. Wine's database-level apply removes the row
    // (generated_transforms_are_applied_by_wine_to_the_target), but Wine's msiexec still lists it
    // in the property dump; that is not asserted here (not investigated; see the issue note).
}

/// WiX instance transforms: the corpus's AutoGenProductId transform (its own base is not in the
/// corpus; SimpleInstanceTransform's MSI from the same WiX suite stands in, as in
/// tests/wine_oracle.rs) and the three instance transforms embedded in that MSI.
#[test]
fn wix_instance_transforms_match_wine() {
    const INSTANCE: &str = "wixtoolset__wix3/test__data__Integration__BuildingPackages__\
                            InstanceTransforms__InstanceTransformTests__";
    let dir = out_dir("instance");
    let base = corpus(&format!("{INSTANCE}SimpleInstanceTransform__expected.msi"));
    let mut msts = vec![corpus(&format!("{INSTANCE}AutoGenProductId__expected.mst"))];
    for storage in ["Instance1", "Instance2", "Instance3"] {
        let mst = dir.join(format!("{storage}.mst"));
        wine::extract_substorage(&base, storage, &mst).unwrap();
        msts.push(mst);
    }
    for (i, mst) in msts.iter().enumerate() {
        let ours = dir.join(format!("ours{i}.msi"));
        msikit_apply(&base, &[mst], &ours);
        wine::assert_same_as_wine(&base, &[mst], &ours, &[]);
    }
}

/// `msikit patch view prodAv100.msi PatchAv101.msp` reports the ProductVersion Wine's real
/// `msiexec /p` reaches on the same pair (read from the verbose log's property dump).
#[test]
fn patch_view_agrees_with_msiexec_p() {
    let w = wine::setup();
    let dir = out_dir("msiexec-p");
    let msi = dir.join("prodAv100.msi");
    let msp = dir.join("PatchAv101.msp");
    std::fs::copy(corpus(&format!("{PER_MACHINE}prodAv100.msi")), &msi).unwrap();
    std::fs::copy(corpus(&format!("{PER_MACHINE}PatchAv101.msp")), &msp).unwrap();
    let run = |args: &[String]| {
        let mut cmd = std::process::Command::new("wine");
        wine::wine_env(&mut cmd, &w.prefix);
        cmd.arg("msiexec").args(args);
        wine::run_with_timeout(&mut cmd, wine::CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
    };
    let log = dir.join("p.log");
    run(&["/i".into(), wine::windows_path(&msi), "/qn".into()]);
    run(&[
        "/p".into(),
        wine::windows_path(&msp),
        "/qn".into(),
        "/l*v".into(),
        wine::windows_path(&log),
    ]);
    let text = std::fs::read(&log).unwrap_or_default();
    let text = encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(&text)
        .0
        .into_owned();
    run(&["/x".into(), wine::windows_path(&msi), "/qn".into()]);
    let wine_version = text
        .lines()
        .filter_map(|l| l.strip_prefix("Property(S): ProductVersion = "))
        .next_back()
        .unwrap_or_else(|| {
            panic!(
                "no ProductVersion in msiexec's log:\n{}",
                &text[..text.len().min(1500)]
            )
        })
        .trim()
        .to_string();
    let out = common::run_msikit(&[
        "patch".as_ref(),
        "view".as_ref(),
        msi.as_os_str(),
        msp.as_os_str(),
    ]);
    let view = String::from_utf8_lossy(&out.stdout);
    assert_eq!(wine_version, "1.0.1.0");
    assert!(
        view.contains(&format!("ProductVersion: 1.0.0.0 -> {wine_version}")),
        "{view}"
    );
}
