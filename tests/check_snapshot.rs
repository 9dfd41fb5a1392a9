//! `msikit check ur1.msp --snapshot SERVER.json`: each sample Exchange server snapshot
//! (testdata/exchange2007/snapshots) gives the expected verdict, status and named prerequisite
//! failures of KB930809's rules (src/rules/kb930809.toml), asserted on the JSON output, and the
//! human output of each is an insta snapshot (read before accepting).

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msikit"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "400")
        .output()
        .unwrap()
}

/// (snapshot, exit code, product state, failed prerequisites)
const CASES: [(&str, i32, &str, &[&str]); 8] = [
    ("rtm-clean", 0, "applicable", &[]),
    // Ready by its prerequisites; `locks` finds the file held open (tests/locks.rs).
    ("rtm-file-held-open", 0, "applicable", &[]),
    ("rtm-files-in-use", 0, "applicable", &[]),
    (
        "rtm-interim-update",
        1,
        "applicable",
        &["no-interim-updates"],
    ),
    ("rtm-no-setup-logs", 1, "applicable", &["setup-logs-folder"]),
    (
        "rtm-services-disabled",
        1,
        "applicable",
        &["services-not-disabled"],
    ),
    ("ur2-installed", 1, "superseded", &[]),
    ("sp1", 1, "not-applicable", &[]),
];

#[test]
fn each_sample_server_gets_its_verdict() {
    for (name, code, state, failed) in CASES {
        let snap = format!("snapshots/{name}.json");
        let o = run(&[
            "check",
            "ur1.msp",
            "--snapshot",
            &snap,
            "--expect-version",
            "8.0.708.3",
            "--json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let products = v["products"].as_array().unwrap();
        assert_eq!(products.len(), 1, "{name}");
        assert_eq!(products[0]["state"], state, "{name}: {v}");
        let mut got: Vec<&str> = v["prerequisites"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["result"] == "failed")
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, failed, "{name}");
        assert_eq!(v["ready"], code == 0, "{name}");
        if state == "applicable" {
            assert_eq!(products[0]["version_after"], "8.0.708.3", "{name}");
        }
        let human = run(&["check", "ur1.msp", "--snapshot", &snap]);
        insta::assert_snapshot!(
            format!("check_ur1_{name}"),
            String::from_utf8_lossy(&human.stdout)
        );
    }
}

/// The interim update is named, so the admin knows what to remove.
#[test]
fn the_interim_update_to_remove_is_named() {
    let o = run(&[
        "check",
        "ur1.msp",
        "--snapshot",
        "snapshots/rtm-interim-update.json",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Interim Update for Exchange Server 2007 (KB934321)")
            && text.contains("{8C2D6B1E-3F4A-4E5B-A6C7-D8E9F0A1B2C3}"),
        "{text}"
    );
}

/// A rule file of one's own replaces the built-in one; a bad one is one line and exit 2.
#[test]
fn rules_files() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-rules");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "kb = \"1\"\ntitle = \"t\"\n[[require]]\nid = \"tmp\"\nkind = \"path-exists\"\n\
         path = '%SystemDrive%\\NoSuchFolder'\ntitle = \"a folder\"\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        "ur1.msp",
        "--snapshot",
        "snapshots/rtm-clean.json",
        "--rules",
        good.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["prerequisites"].as_array().unwrap().len(), 1);
    assert_ne!(v["prerequisites"][0]["result"], "ok", "{v}");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "kb = 1\n").unwrap();
    let o = run(&[
        "check",
        "ur1.msp",
        "--snapshot",
        "snapshots/rtm-clean.json",
        "--rules",
        bad.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("bad.toml") && err.contains("line 1"), "{err}");
}

/// A machine that records the patch itself as obsoleted (its own sequencing, with data the
/// snapshot does not carry) gets that verdict, not "applicable".
#[test]
fn a_patch_the_machine_records_as_obsoleted() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007");
    let text = std::fs::read_to_string(set.join("snapshots/rtm-clean.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["products"][0]["patches"] = serde_json::json!([{
        "patch_code": "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}",
        "state": "obsoleted",
        "display_name": "Update Rollup 1 for Exchange Server 2007 (KB930809)",
        "sequences": []
    }]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-obsoleted");
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("obsoleted.json");
    std::fs::write(&snap, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = run(&[
        "check",
        "ur1.msp",
        "--snapshot",
        snap.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["products"][0]["state"], "obsoleted", "{r}");
    assert_eq!(r["products"][0]["status"], 1648, "{r}");
}

/// The sample servers are valid by the published schema, as checked by a validator no one here
/// wrote (msikit's own loader checks them in the tests above).
#[test]
fn sample_snapshots_match_the_published_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007/snapshots");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("snapshots folder") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "json") {
            common::assert_snapshot_matches_schema(&p);
            n += 1;
        }
    }
    assert!(n >= 8, "found {n} sample snapshots");
}

/// Without --msi or --snapshot, `check` and `locks` read the live machine, which only msikit.exe
/// on Windows can (tests/live_wine.rs); elsewhere they say so and exit 2, with the same
/// arguments and help on every OS.
#[cfg(not(windows))]
#[test]
fn without_a_snapshot_elsewhere_it_says_it_needs_windows() {
    let ur1 = "ur1.msp";
    for args in [vec!["check", ur1], vec!["locks", ur1]] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("reading the live machine needs Windows") && err.contains("--snapshot"),
            "{args:?}: {err}"
        );
    }
    let out = run(&[
        "locks",
        ur1,
        "--snapshot",
        "snapshots/rtm-files-in-use.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not on this computer; give --msi TARGET.msi"),
        "{err}"
    );
}
