//! `msikit diagnose`: the KB930809 event text, fed as the article prints it, is known issue 1
//! (with the product code, the patch code and 1603 decoded from the Data dumps) or known issue
//! 2; real verbose logs (testdata/diagnose/logs, origins in its README) are diagnosed right.
//! JSON is asserted; human and JSON output are insta snapshots (read before accepting).

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msikit"))
        .arg("diagnose")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/diagnose"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "400")
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = args.to_vec();
    a.push("--json");
    let o = run(&a);
    assert!(
        o.status.code() != Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

fn human(args: &[&str]) -> String {
    String::from_utf8(run(args).stdout).unwrap()
}

#[test]
fn kb930809_issue_1_from_the_articles_event_text() {
    let args = ["kb930809-issue1.txt"];
    let (code, v) = json(&args);
    assert_eq!(code, 1, "a failure is exit code 1");
    let ev = v["events"].as_array().unwrap();
    assert_eq!(
        ev.iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [11306, 1023, 11729]
    );
    for e in ev {
        assert_eq!(
            e["data"]["product_code"],
            "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}"
        );
    }
    assert_eq!(
        ev[1]["data"]["patch_code"],
        "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}"
    );
    assert_eq!(ev[1]["data"]["error_code"], 1603);
    assert_eq!(ev[0]["data"]["error_code"], serde_json::Value::Null);
    assert_eq!(v["exit_code"]["code"], 1603);
    assert_eq!(v["exit_code"]["name"], "ERROR_INSTALL_FAILURE");
    assert_eq!(v["root_cause"]["kind"], "files-in-use");
    assert_eq!(v["files_in_use"][0]["file"], "PathOfFile");
    let k = v["known_issues"].as_array().unwrap();
    assert_eq!(k.len(), 1, "{k:?}");
    assert_eq!(k[0]["kb"], "930809");
    assert_eq!(k[0]["id"], "issue-1");
    let steps = k[0]["workaround"].to_string();
    assert!(steps.contains("PathOfFile"), "{steps}");
    assert!(steps.contains("ServiceControl.ps1 AfterPatch"), "{steps}");
    insta::assert_json_snapshot!("kb930809_issue1_json", v);
    insta::assert_snapshot!("kb930809_issue1", human(&args));
}

#[test]
fn kb930809_issue_2_from_the_articles_event_text() {
    let args = ["kb930809-issue2.txt"];
    let (code, v) = json(&args);
    assert_eq!(code, 1);
    assert_eq!(v["events"][0]["id"], 1024);
    assert_eq!(v["exit_code"]["code"], 1603);
    let k = v["known_issues"].as_array().unwrap();
    assert_eq!(k.len(), 1, "{k:?}");
    assert_eq!(k[0]["id"], "issue-2");
    assert!(k[0]["workaround"].to_string().contains("ExchangeSetupLogs"));
    assert_eq!(k[0]["dry_run"], "setup-logs-folder");
    insta::assert_json_snapshot!("kb930809_issue2_json", v);
    insta::assert_snapshot!("kb930809_issue2", human(&args));
}

#[test]
fn both_texts_together_and_names_from_package_and_patch() {
    let (_, v) = json(&[
        "kb930809-issue1.txt",
        "kb930809-issue2.txt",
        "--msi",
        "../exchange2007/rtm.msi",
        "--patch",
        "../exchange2007/ur1.msp",
    ]);
    let ids: Vec<&str> = v["known_issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    // The 1024 event sits beside 11306 here: issue 2's symptom excludes error 1306.
    assert_eq!(ids, ["issue-1"]);
    assert_eq!(v["events"].as_array().unwrap().len(), 4);
    assert_eq!(
        v["events"][1]["patch"],
        "Update Rollup 1 for Exchange Server 2007 (KB930809) (../exchange2007/ur1.msp)"
    );
    assert!(v["events"][1]["product"]
        .as_str()
        .unwrap()
        .starts_with("Microsoft Exchange Server 8.0.685.24"));
}

#[test]
fn kb_option_and_bad_input() {
    let o = run(&["kb930809-issue2.txt", "--kb", "123"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--kb 123"));
    let o = run(&["../not-an-installer.bin"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("../not-an-installer.bin: not a verbose Windows Installer log"),
        "{err}"
    );
    let o = run(&["no-such-file.log"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-file.log"));
}
