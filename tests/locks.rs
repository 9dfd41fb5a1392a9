//! `msikit locks ur1.msp --snapshot SERVER.json --msi rtm.msi`: the processes that hold files
//! Update Rollup 1 replaces on the sample Exchange servers, and the predicted outcome: held by a
//! service the package stops (freed by StopServices), loaded by a process it does not stop
//! (renamed, restart: 3010), open without delete sharing (1306, then 1603 under /qn: KB930809
//! known issue 1). JSON asserted; human output as insta snapshots (read before accepting).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007")
}

fn locks(snapshot: &Path, json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msikit"));
    cmd.args(["locks", "ur1.msp", "--msi", "rtm.msi", "--snapshot"])
        .arg(snapshot)
        .current_dir(set())
        .env("NO_COLOR", "1");
    if json {
        cmd.arg("--json");
    }
    cmd.output().unwrap()
}

fn outcomes(o: &Output) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    v["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["process"].as_str().unwrap().to_string(),
                h["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_clean_server_has_only_holders_the_package_stops() {
    let snap = Path::new("snapshots/rtm-clean.json");
    let o = locks(snap, true);
    assert_eq!(o.status.code(), Some(0));
    let got = outcomes(&o);
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|(_, out)| out == "freed-by-stopservices"),
        "{got:?}"
    );
    assert!(got.iter().any(|(p, _)| p == "store.exe"), "{got:?}");
    insta::assert_snapshot!(
        "locks_ur1_rtm-clean",
        String::from_utf8_lossy(&locks(snap, false).stdout)
    );
}

#[test]
fn files_in_use_by_processes_the_package_does_not_stop() {
    let snap = Path::new("snapshots/rtm-files-in-use.json");
    let o = locks(snap, true);
    assert_eq!(o.status.code(), Some(1));
    let got = outcomes(&o);
    assert!(
        got.contains(&("beremote.exe".into(), "reboot-3010".into())),
        "{got:?}"
    );
    // w3wp.exe ends when W3SVC, which the package stops, stops.
    assert!(
        got.contains(&("w3wp.exe".into(), "freed-by-stopservices".into())),
        "{got:?}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["silent_outcome"].as_str().unwrap().contains("3010"),
        "{v}"
    );
    assert!(
        v["actions"][0]
            .as_str()
            .unwrap()
            .contains("BackupExecAgentAgent"),
        "{v}"
    );
    insta::assert_snapshot!(
        "locks_ur1_rtm-files-in-use",
        String::from_utf8_lossy(&locks(snap, false).stdout)
    );
}

/// The KB930809 scenario itself: a file UR1 replaces held open without delete sharing by a
/// process the package does not stop: 1306, and a silent install fails with 1603.
#[test]
fn an_exclusive_open_file_predicts_1306_then_1603() {
    let text = std::fs::read_to_string(set().join("snapshots/rtm-files-in-use.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let procs = v["processes"].as_array_mut().unwrap();
    let be = procs
        .iter_mut()
        .find(|p| p["name"] == "beremote.exe")
        .unwrap();
    be["open_files"] =
        serde_json::json!(["c:/program files/microsoft/exchange server/bin/ESEBACK2.DLL"]);
    be["modules"] = serde_json::json!([]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("locks");
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("exclusive.json");
    std::fs::write(&snap, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = locks(&snap, true);
    assert_eq!(o.status.code(), Some(1));
    let got = outcomes(&o);
    assert!(
        got.contains(&("beremote.exe".into(), "error-1306".into())),
        "{got:?}"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let silent = r["silent_outcome"].as_str().unwrap();
    assert!(
        silent.contains("1306") && silent.contains("1603"),
        "{silent}"
    );
}

#[test]
fn a_bad_snapshot_is_one_line_and_exit_2() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("locks");
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("bad.json");
    std::fs::write(&snap, "{\"snapshot_version\": \"one\"}").unwrap();
    let o = locks(&snap, false);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.json") && err.contains("snapshot_version"),
        "{err}"
    );
}

/// `locks` and the snapshot's own look-ups key paths the same way: a file is held by the same
/// processes whichever asks, however the path is written.
#[test]
fn locks_and_the_snapshot_agree_on_paths() {
    use std::collections::{BTreeMap, BTreeSet};

    use msikit::jobs::locks::match_holders;
    use msikit::machine::snapshot;

    let json = r#"{
      "snapshot_version": 1,
      "collected_at": "2010-03-08T09:41:27Z",
      "collector": {"name": "test", "version": "0"},
      "computer_name": "EXCH01",
      "os": {"version": "5.2.3790", "build": 3790, "architecture": "x64", "product_type": "server"},
      "environment": {"SystemDrive": "C:", "SystemRoot": "C:\\WINDOWS"},
      "products": [], "services": [],
      "processes": [
        {"pid": 10, "name": "a.exe", "image_path": "\\\\?\\C:\\Program Files\\X\\a.exe",
         "modules": ["c:/program files/x/a.dll", "%SystemRoot%\\system32\\x.dll"], "open_files": []},
        {"pid": 11, "name": "b.exe", "modules": ["C:\\a\\..\\Program Files\\X\\A.DLL"]}
      ],
      "paths": []
    }"#;
    let snap = snapshot::parse("snap.json", json.as_bytes()).unwrap();
    for (target, pids) in [
        (r"C:\Program Files\X\a.dll", vec![10, 11]),
        (r"\\?\C:\PROGRAM FILES\x\A.dll", vec![10, 11]),
        (r"C:\Windows\System32\X.dll", vec![10]),
        (r"%SystemRoot%\System32\x.DLL", vec![10]),
        (r"c:\program files\x\a.exe", vec![10]),
        (r"C:\Program Files\X\b.dll", vec![]),
    ] {
        let by_snapshot: Vec<u32> = snap
            .processes_using(target)
            .iter()
            .map(|u| u.process.pid)
            .collect();
        let targets =
            BTreeMap::from([(snap.path_key(target), ("F".to_string(), target.to_string()))]);
        let by_locks: Vec<u32> = match_holders(&targets, &BTreeSet::new(), &snap)
            .iter()
            .map(|h| h.pid)
            .collect();
        assert_eq!(by_snapshot, pids, "{target}");
        assert_eq!(by_locks, pids, "{target}");
    }
    assert_eq!(
        msikit::jobs::locks::path_key(r"\\?\C:\Program Files\X\a.dll"),
        snap.path_key("c:/program files/x/a.dll")
    );
}

/// A backup agent holds a file the rollup replaces open without delete sharing (as Handle records
/// it in the snapshot): 1306, then 1603 under /qn with the services left stopped (KB930809
/// known issue 1). tests/diagnose.rs reads the same story after the fact.
#[test]
fn a_file_held_open_is_1306_then_1603_under_qn() {
    let snap = Path::new("snapshots/rtm-file-held-open.json");
    let o = locks(snap, true);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let held: Vec<&serde_json::Value> = v["holders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["outcome"] == "error-1306")
        .collect();
    assert_eq!(held.len(), 1, "{v}");
    assert_eq!(held[0]["process"], "beremote.exe");
    assert_eq!(
        held[0]["files"][0]["path"],
        r"C:\Program Files\Microsoft\Exchange Server\Bin\eseback2.dll"
    );
    assert_eq!(held[0]["files"][0]["how"], "open");
    let silent = v["silent_outcome"].as_str().unwrap();
    assert!(
        silent.contains("1306") && silent.contains("1603"),
        "{silent}"
    );
    assert!(silent.contains("left stopped"), "{silent}");
    insta::assert_snapshot!(
        "locks_ur1_rtm-file-held-open",
        String::from_utf8_lossy(&locks(snap, false).stdout)
    );
}
