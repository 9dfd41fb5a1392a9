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

/// (log, root cause kind, exit code of msikit, a word of the summary)
const LOGS: [(&str, Option<&str>, i32, &str); 3] = [
    (
        "logs/ca-failure-fluent.log",
        Some("custom-action"),
        1,
        "InstallFluentdWinSvc",
    ),
    (
        "logs/service-1920-collectdwin.log",
        Some("service"),
        1,
        "CollectdWinService",
    ),
    ("logs/success-desktop.log", None, 0, ""),
];

#[test]
fn real_verbose_logs() {
    for (log, kind, code, word) in LOGS {
        let (c, v) = json(&[log]);
        assert_eq!(c, code, "{log}");
        assert_eq!(v["inputs"][0]["kind"], "verbose-log", "{log}");
        match kind {
            Some(k) => {
                assert_eq!(v["root_cause"]["kind"], k, "{log}: {}", v["root_cause"]);
                assert_eq!(v["root_cause"]["action"], "InstallFinalize", "{log}");
                let s = v["root_cause"]["summary"].as_str().unwrap();
                assert!(s.contains(word), "{log}: {s}");
            }
            None => assert!(v["root_cause"].is_null(), "{log}: {}", v["root_cause"]),
        }
        assert!(v["known_issues"].as_array().unwrap().is_empty());
    }
    let (_, v) = json(&["logs/success-desktop.log"]);
    assert_eq!(v["exit_code"]["code"], 0);
    assert_eq!(v["exit_code"]["name"], "ERROR_SUCCESS");
    let (_, v) = json(&["logs/service-1920-collectdwin.log"]);
    assert_eq!(v["sessions"][0]["product"], "CollectdWinService (64 bit)");
    assert_eq!(v["sessions"][0]["product_version"], "0.5.1.0");
    assert_eq!(
        v["sessions"][0]["product_code"],
        "{8191F804-A116-4304-AEFE-3E7C5A56A5CB}"
    );
    insta::assert_snapshot!(
        "service_1920",
        human(&["logs/service-1920-collectdwin.log"])
    );
}

/// The same logs in UTF-16 LE, with and without a byte-order mark, give the same report.
#[test]
fn utf16_logs_read_the_same() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagnose-utf16");
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/diagnose");
    for (log, _, _, _) in LOGS {
        let text = std::fs::read_to_string(root.join(log)).unwrap();
        let (_, ansi) = json(&[root.join(log).to_str().unwrap()]);
        for bom in [true, false] {
            let mut bytes = if bom { vec![0xFF, 0xFE] } else { vec![] };
            bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
            let p = dir.join(format!(
                "{}-{bom}.log",
                Path::new(log).file_stem().unwrap().to_str().unwrap()
            ));
            std::fs::write(&p, bytes).unwrap();
            let (_, v) = json(&[p.to_str().unwrap()]);
            let enc = if bom {
                "UTF-16LE with BOM"
            } else {
                "UTF-16LE without BOM"
            };
            assert_eq!(v["inputs"][0]["encoding"], enc);
            assert_eq!(v["root_cause"]["kind"], ansi["root_cause"]["kind"], "{log}");
            assert_eq!(v["root_cause"]["summary"], ansi["root_cause"]["summary"]);
            assert_eq!(v["exit_code"]["code"], ansi["exit_code"]["code"]);
            assert_eq!(v["sessions"][0]["product"], ansi["sessions"][0]["product"]);
        }
    }
}

/// A truncated or binary input never panics: a clear error or a partial report.
#[test]
fn truncated_and_binary_input() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagnose-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/diagnose");
    let text = std::fs::read(root.join("logs/service-1920-collectdwin.log")).unwrap();
    for cut in [1, 10, 100, 300, text.len() - 1] {
        let p = dir.join(format!("cut-{cut}.log"));
        std::fs::write(&p, &text[..cut]).unwrap();
        let o = run(&[p.to_str().unwrap()]);
        assert!(matches!(o.status.code(), Some(0..=2)), "cut {cut}");
        if o.status.code() == Some(2) {
            assert!(String::from_utf8_lossy(&o.stderr).contains("cut-"));
        }
    }
    let kb = std::fs::read(root.join("kb930809-issue1.txt")).unwrap();
    for cut in [5, 50, 500, 1000, kb.len() - 3] {
        let p = dir.join(format!("kb-{cut}.txt"));
        std::fs::write(&p, &kb[..cut]).unwrap();
        let o = run(&[p.to_str().unwrap()]);
        assert!(matches!(o.status.code(), Some(0..=2)), "kb cut {cut}");
    }
    let p = dir.join("binary.log");
    let bytes: Vec<u8> = (0..20000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&p, bytes).unwrap();
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// The dry run and the diagnosis tell the same story: `locks` on a server where a backup agent
/// holds eseback2.dll open predicts 1306 then 1603; `diagnose` of the KB's event text as that
/// server logs it (the article's 'PathOfFile' being the file) names the same file, finds the
/// same holder in the snapshot, and gives known issue 1's fix.
#[test]
fn the_dry_run_and_the_diagnosis_name_the_same_file() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007");
    let o = Command::new(env!("CARGO_BIN_EXE_msikit"))
        .args([
            "locks",
            "ur1.msp",
            "--msi",
            "rtm.msi",
            "--json",
            "--snapshot",
        ])
        .arg("snapshots/rtm-file-held-open.json")
        .current_dir(&set)
        .output()
        .unwrap();
    let locks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let holder = locks["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["outcome"] == "error-1306")
        .unwrap()
        .clone();
    let path = holder["files"][0]["path"].as_str().unwrap();
    let (code, v) = json(&[
        "kb930809-issue1-eseback2.txt",
        "--snapshot",
        "../exchange2007/snapshots/rtm-file-held-open.json",
    ]);
    assert_eq!(code, 1);
    let in_use = v["files_in_use"].as_array().unwrap();
    assert!(in_use.iter().all(|f| f["file"] == path), "{in_use:?}");
    let named: Vec<&serde_json::Value> = in_use.iter().filter(|f| f["pid"].is_u64()).collect();
    assert_eq!(named.len(), 1, "{in_use:?}");
    assert_eq!(named[0]["pid"], holder["pid"]);
    assert!(named[0]["process"]
        .as_str()
        .unwrap()
        .starts_with("beremote.exe [BackupExecAgentAgent]"));
    let k = &v["known_issues"][0];
    assert_eq!(k["id"], "issue-1");
    let steps = k["workaround"].to_string();
    assert!(
        steps.contains("eseback2.dll") && steps.contains("beremote.exe"),
        "{steps}"
    );
    assert!(steps.contains("ServiceControl.ps1 AfterPatch"), "{steps}");
    assert!(locks["actions"][0]
        .as_str()
        .unwrap()
        .contains("BackupExecAgentAgent"));
    insta::assert_snapshot!(
        "kb930809_issue1_held_open",
        human(&[
            "kb930809-issue1-eseback2.txt",
            "--snapshot",
            "../exchange2007/snapshots/rtm-file-held-open.json",
        ])
    );
}

/// Mutated inputs (bytes flipped, cut, repeated, NULs and UTF-16 halves inserted) of every kind
/// `diagnose` reads never make it panic or hang: each gives a report or an error.
#[test]
fn mutated_inputs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/diagnose");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagnose-mutated");
    std::fs::create_dir_all(&dir).unwrap();
    let xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MsiInstaller'/><EventID Qualifiers='0'>11306</EventID><Level>2</Level></System><EventData><Data>Product: X -- Error 1306. The file 'C:\\a.dll' is in use.</Data><Binary>7B41424344303030302D303030302D303030302D303030302D3030303030303030303030307D</Binary></EventData></Event>";
    let csv = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"ProviderName\"\n\"Product: X - Update 'U' could not be installed. Error code 1603.\",\"1023\",\"MsiInstaller\"\n";
    let mut seeds: Vec<Vec<u8>> = vec![xml.as_bytes().to_vec(), csv.as_bytes().to_vec()];
    for f in [
        "kb930809-issue1.txt",
        "kb930809-issue2.txt",
        "logs/ca-failure-fluent.log",
        "logs/service-1920-collectdwin.log",
    ] {
        let b = std::fs::read(root.join(f)).unwrap();
        let utf16: Vec<u8> = String::from_utf8_lossy(&b)
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        seeds.push(b);
        seeds.push(utf16);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut files = Vec::new();
    for (s, seed) in seeds.iter().enumerate() {
        for m in 0..40 {
            let mut b = seed.clone();
            for _ in 0..(1 + next() % 8) {
                let len = b.len().max(1);
                let at = (next() as usize) % len;
                match next() % 6 {
                    0 => {
                        if let Some(x) = b.get_mut(at) {
                            *x = next() as u8;
                        }
                    }
                    1 => b.truncate(at),
                    2 => b.insert(at.min(b.len()), 0),
                    3 => {
                        let end = (at + 1 + (next() as usize) % 64).min(b.len());
                        let piece = b[at.min(end)..end].to_vec();
                        b.splice(at.min(b.len())..at.min(b.len()), piece.repeat(3));
                    }
                    4 => b.insert(at.min(b.len()), b'\n'),
                    _ => {
                        if at < b.len() {
                            b.remove(at);
                        }
                    }
                }
            }
            let p = dir.join(format!("m{s}-{m}.bin"));
            std::fs::write(&p, &b).unwrap();
            files.push(p);
        }
    }
    for p in &files {
        // In process: a panic fails the test and names the input.
        let r = std::panic::catch_unwind(|| {
            msikit::jobs::diagnose::diagnose(std::slice::from_ref(p), &Default::default())
        });
        assert!(r.is_ok(), "diagnose panicked on {}", p.display());
    }
    // All at once, as one run over many files.
    let ok: Vec<std::path::PathBuf> = files
        .iter()
        .filter(|p| msikit::jobs::diagnose::diagnose(&[(*p).clone()], &Default::default()).is_ok())
        .cloned()
        .collect();
    assert!(!ok.is_empty());
    let _ = msikit::jobs::diagnose::diagnose(&ok, &Default::default()).unwrap();
}
