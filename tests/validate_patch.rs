//! `msikit validate PATCH.msp --msi TARGET.msi`: the patches of the corpus and the Exchange
//! look-alikes validate clean; patches authored here with `msikit patch create` (the UR1 image
//! with one mistake) are caught, each with its rule named.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{corpus, par_map, run_msikit};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `msikit validate --json PATCHES --msi TARGET`: the exit code, each patch's update type
/// and the (rule, table, key) of every error.
fn validate(
    patches: &[PathBuf],
    target: &Path,
) -> (i32, Vec<String>, BTreeSet<(String, String, String)>) {
    let mut a: Vec<&std::ffi::OsStr> = vec!["validate".as_ref(), "--json".as_ref()];
    a.extend(patches.iter().map(|p| p.as_os_str()));
    a.push("--msi".as_ref());
    a.push(target.as_os_str());
    let out = run_msikit(&a);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{patches:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    let mut types = Vec::new();
    let mut errors = BTreeSet::new();
    for p in v["patches"].as_array().unwrap() {
        types.push(s(&p["update_type"]));
        for f in p["findings"].as_array().unwrap() {
            assert!(f["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("MSI SDK")));
            if f["severity"] == "error" {
                let key: Vec<String> = f["key"].as_array().unwrap().iter().map(s).collect();
                errors.insert((s(&f["rule"]), s(&f["table"]), key.join("/")));
            }
        }
    }
    (code, types, errors)
}

#[test]
fn corpus_and_exchange_patches_validate_clean() {
    let ex = root().join("testdata/exchange2007");
    let c = corpus();
    let w = |n: &str| {
        c.join(format!(
            "wixtoolset__wix3/test__data__BurnTestPayloads__{n}"
        ))
    };
    let h = |n: &str| c.join(format!("heaths__psmsi/test__PowerShell.Test__Data__{n}"));
    let cases: Vec<(Vec<PathBuf>, PathBuf, Vec<&str>)> = vec![
        (
            vec![ex.join("ur1.msp")],
            ex.join("rtm.msi"),
            vec!["minor upgrade"],
        ),
        (
            vec![ex.join("ur2.msp")],
            ex.join("rtm.msi"),
            vec!["minor upgrade"],
        ),
        (
            vec![ex.join("ur1.msp"), ex.join("ur2.msp")],
            ex.join("rtm.msi"),
            vec!["minor upgrade", "minor upgrade"],
        ),
        (
            vec![ex.join("iu.msp")],
            ex.join("rtm.msi"),
            vec!["small update"],
        ),
        (
            vec![w("PerMachineMsisMsps__PatchAv101.msp")],
            w("PerMachineMsisMsps__prodAv100.msi"),
            vec!["minor upgrade"],
        ),
        (
            vec![w("PerMachineMsisMsps__PatchBv101.msp")],
            w("PerMachineMsisMsps__prodBv100.msi"),
            vec!["minor upgrade"],
        ),
        (
            vec![w("PerMachineMsisMsps__PatchABv101.msp")],
            w("PerMachineMsisMsps__prodAv100.msi"),
            vec![],
        ),
        (
            vec![w("PerMachineMsisMsps__PatchABv101.msp")],
            w("PerMachineMsisMsps__prodBv100.msi"),
            vec![],
        ),
        (
            vec![
                w("MSIsandMSPs__Baseliner__rtmldr.msp"),
                w("MSIsandMSPs__GDR1__gdr1.msp"),
                w("MSIsandMSPs__LDR2__ldr2.msp"),
                w("MSIsandMSPs__LDR3__ldr3.msp"),
            ],
            w("MSIsandMSPs__RtmProduct__product.msi"),
            vec![],
        ),
        (
            vec![h("Example.msp")],
            h("Example.msi"),
            vec!["minor upgrade"],
        ),
        (
            vec![root().join("testdata/sample.msp")],
            root().join("testdata/sample.msi"),
            vec![],
        ),
    ];
    let results = par_map(&cases, |(p, t, _)| validate(p, t));
    for ((p, t, types), (code, got_types, errors)) in cases.iter().zip(results) {
        assert_eq!(errors, BTreeSet::new(), "{p:?} on {}", t.display());
        assert_eq!(code, 0, "{p:?}");
        assert_eq!(got_types.len(), p.len());
        assert!(
            got_types.iter().all(|t| t != "not applicable"),
            "{p:?}: {got_types:?}"
        );
        if !types.is_empty() {
            assert_eq!(&got_types, types, "{p:?}");
        }
    }
}

#[test]
fn a_patch_that_does_not_apply_is_named() {
    let c = corpus();
    let w = |n: &str| {
        c.join(format!(
            "wixtoolset__wix3/test__data__BurnTestPayloads__{n}"
        ))
    };
    // LDR2 is built against the RTM product with the LDR baseline patch: alone it does not apply.
    let (code, types, errors) = validate(
        &[w("MSIsandMSPs__LDR2__ldr2.msp")],
        &w("MSIsandMSPs__RtmProduct__product.msi"),
    );
    assert_eq!(code, 1);
    assert_eq!(types, vec!["not applicable"]);
    assert_eq!(
        errors,
        BTreeSet::from([("not-applicable".into(), "Property".into(), String::new())])
    );
}

/// A patch of the Exchange RTM look-alike whose upgraded image is UR1's plus `extra` (TOML
/// appended to a manifest that extends ur1.toml), with `patch` options in [patch].
fn author(name: &str, extra: &str, patch: &str) -> PathBuf {
    let src = root().join("testdata/exchange2007/src");
    let d = std::env::temp_dir().join(format!(
        "msikit-validate-patch-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let payload = root().join("testdata/exchange2007/payload");
    let upgraded = format!(
        "extends = {:?}\n{}",
        src.join("ur1.toml").display().to_string(),
        extra.replace("PAYLOAD", &payload.display().to_string())
    );
    std::fs::write(d.join("upgraded.toml"), upgraded).unwrap();
    let manifest = format!(
        "[patch]\ncode = \"{{5E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}}\"\nfamily = \"Broken\"\ntimestamp = 1176163200\n{patch}\n\n[[target]]\nold = {:?}\nnew = \"upgraded.toml\"\nname = \"RTM.1\"\n",
        src.join("rtm.toml").display().to_string()
    );
    std::fs::write(d.join("patch.toml"), manifest).unwrap();
    let out = d.join(format!("{name}.msp"));
    let r = run_msikit(&[
        "patch".as_ref(),
        "create".as_ref(),
        "--manifest".as_ref(),
        d.join("patch.toml").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        r.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    out
}

#[test]
fn authored_patches_that_break_a_rule_are_caught() {
    let feature_extra = "[[feature]]\nid = \"Extra\"\ntitle = \"Extra\"\n";
    type Case = (
        &'static str,
        String,
        &'static str,
        Vec<(&'static str, &'static str, &'static str)>,
    );
    let cases: Vec<Case> = vec![
        ("clean", String::new(), "", vec![]),
        (
            "component-code",
            "[[component]]\nid = \"C_mad_exe\"\nguid = \"{0A1B2C3D-4E5F-4061-8273-948596A7B8C9}\"\ndirectory = \"BinDir\"\n".into(),
            "",
            vec![("component-code-changed", "Component", "C_mad_exe")],
        ),
        (
            "keypath",
            "[[file]]\nid = \"store2.dll\"\ncomponent = \"C_store_exe\"\nsource = \"PAYLOAD/ur1/eseback2.dll\"\nname = \"store2.dll\"\n[[component]]\nid = \"C_store_exe\"\nguid = \"{5C152DA9-0016-8E82-BFC8-B38B6137A3FC}\"\ndirectory = \"BinDir\"\nkey_path = \"store2.dll\"\n".into(),
            "",
            vec![("keypath-changed", "Component", "C_store_exe")],
        ),
        (
            "file-moved",
            "[[file]]\nid = \"eseback2.dll\"\ncomponent = \"C_store_exe\"\nsource = \"PAYLOAD/ur1/eseback2.dll\"\n[[component]]\nid = \"C_eseback2_dll\"\nguid = \"{A410BAE7-A656-841E-9E1B-089A858C61E0}\"\ndirectory = \"BinDir\"\n".into(),
            "",
            vec![
                ("file-moved", "File", "eseback2.dll"),
                ("keypath-changed", "Component", "C_eseback2_dll"),
            ],
        ),
        (
            "feature-tree",
            format!("{feature_extra}[[feature]]\nid = \"Server\"\ntitle = \"Microsoft Exchange Server\"\nparent = \"Extra\"\n"),
            "",
            vec![("feature-tree-changed", "Feature", "Server")],
        ),
        (
            "component-removed",
            format!("{feature_extra}[[component]]\nid = \"C_mad_exe\"\nguid = \"*\"\ndirectory = \"BinDir\"\nfeatures = [\"Extra\"]\n"),
            "",
            vec![("component-removed", "FeatureComponents", "Server/C_mad_exe")],
        ),
        (
            "product-code",
            "[product]\ncode = \"{7F6E5D4C-3B2A-4190-8F7E-6D5C4B3A2910}\"\n".into(),
            "",
            vec![("product-code-changed", "Property", "ProductCode")],
        ),
        (
            "version-down",
            "[product]\nversion = \"8.0.600.1\"\n".into(),
            "",
            vec![("version-decreased", "Property", "ProductVersion")],
        ),
        (
            "sequence",
            String::new(),
            "first_sequence = 5\ndisk_id = 2",
            vec![
                ("sequence-collision", "File", "Microsoft.Exchange.InfoWorker.Common.dll"),
                ("sequence-collision", "File", "eseback2.dll"),
                ("sequence-collision", "File", "store.exe"),
            ],
        ),
    ];
    let rtm = root().join("testdata/exchange2007/rtm.msi");
    let results = par_map(&cases, |(name, extra, patch, _)| {
        validate(&[author(name, extra, patch)], &rtm)
    });
    for ((name, _, _, want), (code, _, errors)) in cases.iter().zip(results) {
        let want: BTreeSet<(String, String, String)> = want
            .iter()
            .map(|(r, t, k)| (r.to_string(), t.to_string(), k.to_string()))
            .collect();
        assert_eq!(errors, want, "{name}");
        assert_eq!(code, if want.is_empty() { 0 } else { 1 }, "{name}");
    }
}

#[test]
fn packages_and_targets_of_the_wrong_kind_exit_2() {
    let ex = root().join("testdata/exchange2007");
    for (pkgs, target, says) in [
        (vec![ex.join("rtm.msi")], ex.join("rtm.msi"), "not a patch"),
        (
            vec![ex.join("ur1.msp")],
            ex.join("ur2.msp"),
            "is not an installation database",
        ),
    ] {
        let mut a: Vec<&std::ffi::OsStr> = vec!["validate".as_ref()];
        a.extend(pkgs.iter().map(|p| p.as_os_str()));
        a.push("--msi".as_ref());
        a.push(target.as_os_str());
        let out = run_msikit(&a);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    let out = run_msikit(&[
        "validate".as_ref(),
        ex.join("rtm.msi").as_os_str(),
        ex.join("sp1.msi").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
