//! Wine's msi.dll as the oracle for `msikit transform apply`: first that the oracle itself works
//! on the corpus's real transforms and patches (what Wine's result changes, and facts that must
//! hold), then the comparison helper the transform tests call, `wine::assert_same_as_wine`.
//!
//! Wine, mingw-w64 and msitools must be installed (`.ci/run` does it); a missing tool fails.
//!
//! Comparing msikit with Wine, once `msikit transform apply` exists:
//! ```ignore
//! let out = dir.join("msikit.msi");
//! // msikit transform apply BASE T.mst -o OUT (once per transform for a chain)
//! wine::assert_same_as_wine(&base, &[&mst], &out, wine::EXAMPLE_MST_WINE_ONLY);
//! // a patch: its transforms for this base, in PID 8 order, main then `#`
//! let ts = wine::patch_transforms_for(&msp, &base, &dir);
//! ```

#[path = "common/wine.rs"]
mod wine;

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const PSMSI: &str = "heaths__psmsi/test__PowerShell.Test__Data__";
const PER_MACHINE: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
const RTM: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__";
const INSTANCE: &str = "wixtoolset__wix3/test__data__Integration__BuildingPackages__\
                        InstanceTransforms__InstanceTransformTests__";

fn corpus(name: &str) -> PathBuf {
    let path = common::corpus().join(name);
    assert!(path.is_file(), "corpus file {} is missing", path.display());
    path
}

/// A fresh output folder for one test.
fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("wine-oracle")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

type Tables = BTreeMap<String, Vec<u8>>;

/// Applies `msts` to `base` in turn with Wine into `out`; returns the base's and the result's
/// tables and prints what changed.
fn apply(base: &Path, msts: &[&Path], out: &Path) -> (Tables, Tables, Vec<String>) {
    let started = std::time::Instant::now();
    wine::apply_transforms(base, msts, out).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    let before = wine::export_tables(base);
    let after = wine::export_tables(out);
    let changes = wine::changes(&before, &after);
    let names: Vec<String> = msts
        .iter()
        .map(|m| m.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    eprintln!(
        "wine applied {names:?} to {} in {:.2} s: {changes:?}",
        base.file_name().unwrap().to_string_lossy(),
        elapsed.as_secs_f64()
    );
    (before, after, changes)
}

fn keys(tables: &Tables, table: &str) -> Vec<String> {
    wine::rows(tables, table)
        .iter()
        .map(|r| r.split('\t').next().unwrap_or("").to_string())
        .collect()
}

/// The transforms of `msp` for `target` (by their summary PID 9), checked against the names
/// expected from the patch's PID 8 list.
fn patch_transforms(msp: &Path, target: &Path, dir: &Path, expect: &[&str]) -> Vec<PathBuf> {
    let files = wine::patch_transforms_for(msp, target, dir);
    let stem = msp.file_stem().unwrap().to_string_lossy().into_owned();
    let want: Vec<PathBuf> = expect
        .iter()
        .map(|n| dir.join(format!("{stem}-{}.mst", n.replace('#', "_"))))
        .collect();
    assert_eq!(
        files,
        want,
        "transforms of {} chosen for {}",
        msp.display(),
        target.display()
    );
    files
}

#[test]
fn psmsi_example_mst() {
    let dir = out_dir("psmsi_example_mst");
    let base = corpus(&format!("{PSMSI}Example.msi"));
    let mst = corpus(&format!("{PSMSI}Example.mst"));
    let (_, after, changes) = apply(&base, &[&mst], &dir.join("out.msi"));
    assert_eq!(
        changes,
        [
            "+AppId (0 rows) (msiinfo cannot export it)",
            "~Directory: 1 -> 4 rows"
        ]
    );
    // Foo and Added are the transform's inserts; Modified is Wine's (Windows skips an update of
    // a missing row).
    assert_eq!(
        keys(&after, "Directory"),
        ["Added", "Foo", "Modified", "TARGETDIR"]
    );
    assert_eq!(
        wine::row(&after, "Directory", "Modified").unwrap(),
        ["Modified", "", "new value"]
    );
    assert_eq!(
        wine::row(&after, "Directory", "Foo").unwrap(),
        ["Foo", "", "."]
    );
    assert!(after["AppId"].starts_with(b"<msiinfo export failed"));
}

#[test]
fn psmsi_example_jpn_mst() {
    let dir = out_dir("psmsi_example_jpn_mst");
    let base = corpus(&format!("{PSMSI}Example.msi"));
    let mst = corpus(&format!("{PSMSI}Example.jpn.mst"));
    let (before, after, changes) = apply(&base, &[&mst], &dir.join("out.msi"));
    assert_eq!(
        changes,
        [
            "+AppId (0 rows) (msiinfo cannot export it)",
            "~Directory: 1 -> 4 rows",
            "~Property: 7 -> 7 rows"
        ]
    );
    assert_eq!(
        wine::property(&after, "ProductLanguage").as_deref(),
        Some("1041")
    );
    // The transform's strings are code page 932 ("テストプロダクト" in Shift-JIS); the base is
    // code-page neutral and Wine keeps it so, storing the name through its ANSI code page (1252
    // under LC_ALL=C.UTF-8, which wine_env pins): eight question marks. Whether Windows adopts
    // code page 932 instead is not verified here, so a comparison should allow this row and
    // `_ForceCodepage`.
    assert_eq!(
        wine::property(&after, "ProductName").as_deref(),
        Some("????????")
    );
    assert_eq!(before["_ForceCodepage"], after["_ForceCodepage"]);
}

/// The WiX instance transforms. The corpus holds `AutoGenProductId/expected.mst` but not its
/// base (its PID 9 names ProductCode {5B38B259-C979-4E88-84F8-061DCDF85ED6}, which no corpus MSI
/// has), so it is applied to `SimpleInstanceTransform/expected.msi` from the same WiX test suite
/// (same UpgradeCode), whose Property table has the rows it changes. The embedded instance
/// transforms of `SimpleInstanceTransform/expected.msi` are applied to that MSI, their real base.
#[test]
fn wix_instance_transforms() {
    let dir = out_dir("wix_instance_transforms");
    let base = corpus(&format!("{INSTANCE}SimpleInstanceTransform__expected.msi"));
    let autogen = corpus(&format!("{INSTANCE}AutoGenProductId__expected.mst"));
    let (_, after, changes) = apply(&base, &[&autogen], &dir.join("autogen.msi"));
    assert_eq!(changes, ["~Property: 7 -> 7 rows"]);
    for (name, value) in [
        ("ProductCode", "{1F9B1809-273F-4036-AB02-26D19171D5AE}"),
        ("ProductName", "Instance 1"),
        ("Instance", "Instance1.mst"),
        ("UpgradeCode", "{F907C172-70B8-4654-8D23-49FB3AE2ECB7}"),
    ] {
        assert_eq!(
            wine::property(&after, name).as_deref(),
            Some(value),
            "{name}"
        );
    }

    for (storage, code, product) in [
        (
            "Instance1",
            "{1F9B1809-273F-4036-AB02-26D19171D5AE}",
            "Instance 1",
        ),
        (
            "Instance2",
            "{1D53CF88-158A-47DC-957A-69C0AAD67572}",
            "Instance 2",
        ),
        (
            "Instance3",
            "{42923AA9-D605-4222-8E20-3378471811DE}",
            "Wix Test Product",
        ),
    ] {
        let mst = dir.join(format!("{storage}.mst"));
        wine::extract_substorage(&base, storage, &mst).unwrap();
        let (_, after, changes) = apply(&base, &[&mst], &dir.join(format!("{storage}.msi")));
        assert_eq!(changes, ["~Property: 7 -> 7 rows"], "{storage}");
        assert_eq!(wine::property(&after, "ProductCode").as_deref(), Some(code));
        assert_eq!(
            wine::property(&after, "ProductName").as_deref(),
            Some(product)
        );
        assert_eq!(wine::property(&after, "Instance").as_deref(), Some(storage));
    }
}

#[test]
fn per_machine_patches() {
    let dir = out_dir("per_machine_patches");
    let prod_a = corpus(&format!("{PER_MACHINE}prodAv100.msi"));
    let prod_b = corpus(&format!("{PER_MACHINE}prodBv100.msi"));
    let patch_a = corpus(&format!("{PER_MACHINE}PatchAv101.msp"));
    let patch_b = corpus(&format!("{PER_MACHINE}PatchBv101.msp"));
    let patch_ab = corpus(&format!("{PER_MACHINE}PatchABv101.msp"));
    let patch_changes = [
        "~Media: 1 -> 2 rows",
        "+PatchPackage (1 rows)",
        "~Property: 7 -> 12 rows",
    ];

    // PatchAv101: rtmA.1 sets ProductVersion 1.0.1.0; #rtmA.1 adds the patch's Media row,
    // PatchPackage and the patch properties.
    let ts = patch_transforms(&patch_a, &prod_a, &dir, &["rtmA.1", "#rtmA.1"]);
    let a_out = dir.join("A-PatchAv101.msi");
    let (_, after, changes) = apply(&prod_a, &[&ts[0], &ts[1]], &a_out);
    assert_eq!(changes, patch_changes);
    assert_eq!(
        wine::property(&after, "ProductVersion").as_deref(),
        Some("1.0.1.0")
    );
    assert_eq!(
        wine::property(&after, "PatchAv101.PatchCode").as_deref(),
        Some("{7A59E0BE-5179-4D9C-A7F0-B9F0955315A0}")
    );
    assert_eq!(
        wine::rows(&after, "PatchPackage"),
        ["{7A59E0BE-5179-4D9C-A7F0-B9F0955315A0}\t2"]
    );
    assert_eq!(
        wine::row(&after, "Media", "2").unwrap()[3],
        "#A.cab",
        "the patch's cabinet"
    );
    // Against the v1.0.1 product the patch was made from, only what a patch adds differs, plus
    // the package code (summary information is not transformed), and the file hash and the
    // cabinet (this patch carries no file).
    let v101 = wine::export_tables(&corpus(&format!("{PER_MACHINE}prodAv101.msi")));
    let differing: Vec<String> = wine::diff_tables(&after, &v101)
        .iter()
        .map(|d| d.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(
        differing,
        [
            "Media",
            "MsiFileHash",
            "PatchPackage",
            "Property",
            "_Streams/product.cab",
            "_SummaryInformation"
        ]
    );

    let ts = patch_transforms(&patch_b, &prod_b, &dir, &["rtmB.1", "#rtmB.1"]);
    let (_, after, changes) = apply(&prod_b, &[&ts[0], &ts[1]], &dir.join("B-PatchBv101.msi"));
    assert_eq!(changes, patch_changes);
    assert_eq!(
        wine::property(&after, "ProductVersion").as_deref(),
        Some("1.0.1.0")
    );

    // PatchABv101 targets both products, one transform pair each; it changes a file, not the
    // version.
    for (prod, expect, letter) in [
        (&prod_a, ["rtmA.1", "#rtmA.1"], "A"),
        (&prod_b, ["rtmB.2", "#rtmB.2"], "B"),
    ] {
        let ts = patch_transforms(&patch_ab, prod, &dir, &expect);
        let out = dir.join(format!("{letter}-PatchABv101.msi"));
        let (before, after, changes) = apply(prod, &[&ts[0], &ts[1]], &out);
        assert_eq!(
            changes,
            [
                "~File: 1 -> 1 rows",
                "~Media: 1 -> 2 rows",
                "~MsiFileHash: 1 -> 1 rows",
                "+PatchPackage (1 rows)",
                "~Property: 7 -> 12 rows"
            ],
            "PatchABv101 on prod{letter}v100"
        );
        assert_eq!(
            wine::property(&after, "ProductVersion").as_deref(),
            Some("1.0.0.0")
        );
        assert_eq!(
            wine::property(&after, "ProductCode"),
            wine::property(&before, "ProductCode")
        );
    }
}

/// The WiX dual-branch family: product.msi, then rtmldr (baseline), gdr1, ldr2 and ldr3, each
/// patch's transforms applied to the result of the previous patch; and gdr1 alone on RTM.
#[test]
fn rtm_patch_family() {
    let dir = out_dir("rtm_patch_family");
    let product = corpus(&format!("{RTM}RtmProduct__product.msi"));
    let steps: [(&str, [&str; 2], Vec<&str>); 4] = [
        (
            "Baseliner__rtmldr.msp",
            ["rtm.1", "#rtm.1"],
            vec![
                "~Media: 1 -> 2 rows",
                "+PatchPackage (1 rows)",
                "~Property: 7 -> 12 rows",
            ],
        ),
        (
            "GDR1__gdr1.msp",
            ["rtmldr.1", "#rtmldr.1"],
            vec![
                "~Component: 1 -> 2 rows",
                "~FeatureComponents: 1 -> 2 rows",
                "~File: 1 -> 2 rows",
                "~InstallExecuteSequence: 15 -> 17 rows",
                "~Media: 2 -> 3 rows",
                "~MsiFileHash: 1 -> 2 rows",
                "~PatchPackage: 1 -> 2 rows",
                "~Property: 12 -> 14 rows",
                "+Registry (1 rows)",
            ],
        ),
        (
            "LDR2__ldr2.msp",
            ["rtmldr.1", "#rtmldr.1"],
            // ldr2's patch Media row has gdr1's DiskId, so it replaces that row.
            vec![
                "~File: 2 -> 2 rows",
                "~Media: 3 -> 3 rows",
                "~MsiFileHash: 2 -> 2 rows",
                "~PatchPackage: 2 -> 3 rows",
                "~Property: 14 -> 16 rows",
            ],
        ),
        (
            "LDR3__ldr3.msp",
            ["rtmldr.1", "#rtmldr.1"],
            vec![
                "~File: 2 -> 2 rows",
                "~Media: 3 -> 4 rows",
                "~MsiFileHash: 2 -> 2 rows",
                "~PatchPackage: 3 -> 4 rows",
                "~Property: 16 -> 18 rows",
            ],
        ),
    ];
    let mut current = product.clone();
    let mut after = Tables::new();
    for (i, (msp, expect, want_changes)) in steps.iter().enumerate() {
        let msp = corpus(&format!("{RTM}{msp}"));
        let ts = patch_transforms(&msp, &current, &dir, expect);
        let out = dir.join(format!("step{i}.msi"));
        let (_, result, changes) = apply(&current, &[&ts[0], &ts[1]], &out);
        assert_eq!(&changes, want_changes, "{}", msp.display());
        assert_eq!(
            wine::property(&result, "ProductVersion").as_deref(),
            Some("1.0.1.0")
        );
        current = out;
        after = result;
    }
    // As Wine's msiexec showed after installing the patches (docs/oracles.md).
    for (name, code) in [
        ("RTMLDR.PatchCode", "{EB761DF7-9EF8-42EC-93D7-D409AB391BA6}"),
        ("KB1.PatchCode", "{780B530E-03AD-47AF-A128-DA08DB495253}"),
        ("KB2.PatchCode", "{8FE377A5-C5A1-45D9-A642-FB4FAE6EE4F6}"),
        ("KB3.PatchCode", "{E2A9F30E-75D5-457D-87D8-BA57EE95158E}"),
    ] {
        assert_eq!(
            wine::property(&after, name).as_deref(),
            Some(code),
            "{name}"
        );
    }
    assert_eq!(
        wine::property(&after, "PATCHNEWSUMMARYSUBJECT").as_deref(),
        Some("Update (KB3)")
    );
    assert_eq!(wine::rows(&after, "PatchPackage").len(), 4);

    // gdr1 on the RTM product without the baseline picks its rtm.2 pair.
    let gdr1 = corpus(&format!("{RTM}GDR1__gdr1.msp"));
    let ts = patch_transforms(&gdr1, &product, &dir, &["rtm.2", "#rtm.2"]);
    let (_, after, changes) = apply(&product, &[&ts[0], &ts[1]], &dir.join("gdr1-on-rtm.msi"));
    assert_eq!(
        changes,
        [
            "~Component: 1 -> 2 rows",
            "~FeatureComponents: 1 -> 2 rows",
            "~File: 1 -> 2 rows",
            "~InstallExecuteSequence: 15 -> 17 rows",
            "~Media: 1 -> 2 rows",
            "~MsiFileHash: 1 -> 2 rows",
            "+PatchPackage (1 rows)",
            "~Property: 7 -> 12 rows",
            "+Registry (1 rows)"
        ]
    );
    assert_eq!(
        wine::property(&after, "ProductVersion").as_deref(),
        Some("1.0.0.0")
    );
}

#[test]
fn psmsi_example_msp() {
    let dir = out_dir("psmsi_example_msp");
    let base = corpus(&format!("{PSMSI}Example.msi"));
    let msp = corpus(&format!("{PSMSI}Example.msp"));
    let ts = patch_transforms(&msp, &base, &dir, &["MSP.1", "#MSP.1"]);
    let (_, after, changes) = apply(&base, &[&ts[0], &ts[1]], &dir.join("out.msi"));
    assert_eq!(
        changes,
        [
            "~Media: 1 -> 2 rows",
            "+PatchPackage (1 rows)",
            "~Property: 7 -> 12 rows",
            "~Registry: 1 -> 1 rows"
        ]
    );
    assert_eq!(
        wine::property(&after, "ProductVersion").as_deref(),
        Some("1.0.1")
    );
    let reg = wine::rows(&after, "Registry");
    assert_eq!(reg.len(), 1);
    assert!(reg[0].contains("\tVersion\t1.0.1\t"), "{reg:?}");
}

/// A file with the transform CLSID that is really an MSI crashes Wine's msi.dll
/// (docs/oracles.md); the helper must report that as an error, promptly.
#[test]
fn wine_crash_or_refusal_is_an_error() {
    let dir = out_dir("wine_crash_or_refusal_is_an_error");
    let base = corpus(&format!("{PSMSI}Example.msi"));
    let fake = dir.join("fake.mst");
    std::fs::copy(&base, &fake).unwrap();
    let mut perms = std::fs::metadata(&fake).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&fake, perms).unwrap();
    {
        let mut cf = cfb::open_rw(&fake).unwrap();
        cf.set_storage_clsid("/", uuid::Uuid::parse_str(wine::TRANSFORM_CLSID).unwrap())
            .unwrap();
        cf.flush().unwrap();
    }
    let garbage = dir.join("garbage.mst");
    std::fs::write(&garbage, b"not a compound file").unwrap();
    for mst in [&fake, &garbage] {
        let out = dir.join("out.msi");
        let started = std::time::Instant::now();
        let result = wine::apply_transform(&base, mst, &out);
        eprintln!(
            "{}: {:.2} s: {result:?}",
            mst.display(),
            started.elapsed().as_secs_f64()
        );
        assert!(result.is_err(), "{} applied", mst.display());
        assert!(!out.exists());
    }
}

/// A call that outlives its time limit is killed and reported, not waited for.
#[test]
fn a_hung_call_is_killed() {
    let started = std::time::Instant::now();
    let run = wine::run_with_timeout(
        std::process::Command::new("sleep").arg("30"),
        std::time::Duration::from_millis(300),
    )
    .unwrap();
    assert!(!run.success);
    assert_eq!(run.status, "killed after 0.3 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn extract_substorage_copies_the_transform() {
    let dir = out_dir("extract_substorage_copies_the_transform");
    let msp = corpus(&format!("{PER_MACHINE}PatchABv101.msp"));
    let out = dir.join("rtmB.2.mst");
    wine::extract_substorage(&msp, "rtmB.2", &out).unwrap();
    let src = cfb::open(&msp).unwrap();
    let dst = cfb::open(&out).unwrap();
    assert_eq!(
        dst.root_entry().clsid().to_string().to_uppercase(),
        wine::TRANSFORM_CLSID
    );
    let streams = |cf: &cfb::CompoundFile<std::fs::File>, root: &str| -> Vec<(String, u64)> {
        cf.walk_storage(root)
            .unwrap()
            .filter(|e| e.is_stream())
            .map(|e| (e.name().to_string(), e.len()))
            .collect()
    };
    let want = streams(&src, "/rtmB.2");
    assert!(want.len() >= 3, "{want:?}");
    let mut got = streams(&dst, "/");
    let mut want_sorted = want.clone();
    got.sort();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
    assert!(wine::extract_substorage(&msp, "no such", &dir.join("x.mst")).is_err());
}

/// The comparison helper itself: it accepts a database equal to Wine's result apart from the
/// allowed Wine differences, and names the table that differs otherwise.
#[test]
fn assert_same_as_wine_helper() {
    wine::setup();
    let dir = out_dir("assert_same_as_wine_helper");
    let base = corpus(&format!("{PSMSI}Example.msi"));
    let mst = corpus(&format!("{PSMSI}Example.mst"));

    // Close to what Windows makes of Example.mst: Wine's result without the Directory row Wine
    // invents, rewritten by msibuild (another writer, so the comparison cannot rest on byte
    // identity). libmsi has no DROP TABLE, so Wine's empty AppId table stays; it is allowed.
    let windows_like = dir.join("windows-like.msi");
    wine::apply_transform(&base, &mst, &windows_like).unwrap();
    let sql = "DELETE FROM `Directory` WHERE `Directory` = 'Modified'";
    let out = std::process::Command::new("msibuild")
        .arg(&windows_like)
        .args(["-q", sql])
        .output()
        .expect("run msibuild");
    assert!(
        out.status.success(),
        "msibuild -q {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wine::assert_same_as_wine(&base, &[&mst], &windows_like, wine::EXAMPLE_MST_WINE_ONLY);

    // Without the allow-list, or against the untransformed base, it fails.
    for (candidate, allow, table) in [
        (&windows_like, &[][..], "Directory"),
        (&base, wine::EXAMPLE_MST_WINE_ONLY, "Directory"),
    ] {
        let result = std::panic::catch_unwind(|| {
            wine::assert_same_as_wine(&base, &[&mst], candidate, allow)
        });
        let message = match result {
            Ok(()) => panic!("{} passed as Wine's result", candidate.display()),
            Err(e) => e.downcast_ref::<String>().cloned().unwrap_or_default(),
        };
        assert!(message.contains(&format!("\n  {table}:")), "{message}");
    }
}
