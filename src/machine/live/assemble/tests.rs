//! Assembly from recorded answers: what Wine 8 gave for the Exchange look-alikes (rtm.msi
//! installed, ur1.msp applied, a process with eseback2.dll loaded), plus the failures a live
//! collection meets (a service gone, access denied, a cached patch deleted).

use std::collections::BTreeMap;

use super::*;

const PRODUCT: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
const UR1: &str = "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}";
const ESEBACK2: &str = r"C:\Program Files\Microsoft\Exchange Server\Bin\eseback2.dll";

fn testdata(name: &str) -> String {
    format!(
        "{}/testdata/exchange2007/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn info(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The answers Wine gave, with ur1.msp's cached copy where this test can read it.
fn recorded() -> raw::Machine {
    raw::Machine {
        collected_at_unix: 1_268_049_687,
        computer_name: Some("EXCH01".into()),
        elevated: Some(true),
        os: raw::Os {
            major: 6,
            minor: 1,
            build: 7601,
            service_pack: "Service Pack 1".into(),
            product_type: 1,
            processor_architecture: 9,
            caption: Some("Microsoft Windows 7 Professional".into()),
            installer_version: Some("5.0.7601.17514".into()),
        },
        environment: vec![
            ("=C:".into(), r"C:\".into()),
            ("SystemDrive".into(), "C:".into()),
            ("ProgramFiles".into(), r"C:\Program Files".into()),
            ("windir".into(), r"C:\windows".into()),
            ("TEMP".into(), r"C:\users\admin\Temp".into()),
            ("USERPROFILE".into(), r"C:\users\admin".into()),
        ],
        machine_variable_names: vec!["TEMP".into()],
        products: vec![raw::Product {
            product_code: PRODUCT.into(),
            context: 4,
            user_sid: None,
            info: info(&[
                ("ProductName", "Microsoft Exchange Server"),
                ("VersionString", "8.0.708.3"),
                ("Language", "1033"),
                ("Publisher", "Microsoft Corporation"),
                ("InstallLocation", ""),
                ("LocalPackage", r"C:\windows\Installer\1a2b3c.msi"),
            ]),
            patches: vec![raw::Patch {
                patch_code: UR1.into(),
                state: 1,
                info: info(&[
                    ("DisplayName", ""),
                    ("InstallDate", "20100308"),
                    ("LocalPackage", &testdata("ur1.msp")),
                ]),
            }],
        }],
        services: vec![
            raw::Service {
                name: "MSExchangeIS".into(),
                display_name: Some("Microsoft Exchange Information Store".into()),
                state: 4,
                process_id: 2544,
                config: Ok(raw::ServiceConfig {
                    start_type: 2,
                    command_line: Some(
                        r#""C:\Program Files\Microsoft\Exchange Server\Bin\store.exe""#.into(),
                    ),
                    account: Some("LocalSystem".into()),
                    dependencies: vec!["MSExchangeSA".into(), "+TDI".into()],
                }),
            },
            raw::Service {
                name: "Gone".into(),
                display_name: None,
                state: 1,
                process_id: 0,
                config: Err(
                    "The specified service does not exist as an installed service. \
                             (error 1060)"
                        .into(),
                ),
            },
        ],
        processes: vec![
            raw::Process {
                pid: 2544,
                parent_pid: 604,
                exe_file: "store.exe".into(),
                image_path: Ok(r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe".into()),
                session_id: Some(0),
                modules: Ok(vec![
                    r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe".into(),
                    r"C:\windows\system32\ntdll.dll".into(),
                ]),
            },
            raw::Process {
                pid: 77,
                parent_pid: 1,
                exe_file: "holder.exe".into(),
                image_path: Ok(r"Z:\tmp\holder.exe".into()),
                session_id: Some(1),
                modules: Ok(vec![r"Z:\tmp\holder.exe".into(), ESEBACK2.into()]),
            },
            raw::Process {
                pid: 900,
                parent_pid: 604,
                exe_file: "lsass.exe".into(),
                image_path: Err("Access is denied. (error 5)".into()),
                session_id: Some(0),
                modules: Err("Access is denied. (error 5)".into()),
            },
        ],
        registry: [(
            (
                r"SOFTWARE\Microsoft\Exchange\Setup".to_string(),
                "MsiInstallPath".to_string(),
            ),
            r"C:\Program Files\Microsoft\Exchange Server\".to_string(),
        )]
        .into_iter()
        .collect(),
        errors: vec!["per-user products could not be listed: (error 87)".into()],
    }
}

#[test]
fn recorded_wine_answers_give_a_valid_snapshot() {
    let snap = assemble(&recorded()).unwrap();
    validate(&snap).unwrap();
    assert_eq!(snap.collected_at, "2010-03-08T12:01:27Z");
    assert_eq!(snap.collector.name, "msikit");
    assert_eq!(snap.os.version, "6.1.7601");
    assert_eq!(snap.os.architecture, Architecture::X64);
    assert_eq!(snap.os.service_pack.as_deref(), Some("Service Pack 1"));
    // The machine's own variables and Windows' per-process ones; not `=C:` nor USERPROFILE.
    let names: Vec<&str> = snap.environment.keys().map(String::as_str).collect();
    assert_eq!(names, ["ProgramFiles", "SystemDrive", "TEMP", "windir"]);

    let p = snap.product(PRODUCT).unwrap();
    assert_eq!(p.version, "8.0.708.3");
    assert_eq!(p.install_location, None, "an empty answer is no answer");
    assert_eq!(
        p.properties.get("ExchangeDir").map(String::as_str),
        Some(r"C:\Program Files\Microsoft\Exchange Server\")
    );
    let ur1 = snap.product(PRODUCT).unwrap().patch(UR1).unwrap();
    assert_eq!(ur1.state, PatchState::Applied);
    assert_eq!(ur1.installed.as_deref(), Some("2010-03-08"));
    // Wine answers DisplayName empty: the cached patch's MsiPatchMetadata gives it.
    assert!(ur1
        .display_name
        .as_deref()
        .unwrap_or("")
        .contains("Update Rollup 1"));
    assert_eq!(ur1.kb_article.as_deref(), Some("930809"));
    assert!(!ur1.sequences.is_empty());
    assert!(ur1
        .sequences
        .iter()
        .any(|s| s.family == "Exchange2007Rollup"));

    let is = snap.service("MSExchangeIS").unwrap();
    assert_eq!(is.start_type, StartType::Auto);
    assert_eq!(
        is.image_path.as_deref(),
        Some(r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe")
    );
    assert_eq!(
        is.depends_on,
        ["MSExchangeSA"],
        "groups (+TDI) are not services"
    );
    assert!(snap.service("Gone").is_none());
    assert_eq!(snap.process(2544).unwrap().services, ["MSExchangeIS"]);
    assert_eq!(snap.process(900).unwrap().modules, None);
    assert_eq!(snap.processes_using(ESEBACK2).len(), 1);

    let w = snap.warnings.join("\n");
    assert!(w.contains("per-user products could not be listed"), "{w}");
    assert!(
        w.contains("service Gone: its configuration could not be read"),
        "{w}"
    );
    assert!(
        w.contains("modules could not be read for 1 processes: lsass.exe (900)"),
        "{w}"
    );
}

#[test]
fn a_deleted_cached_patch_is_a_warning() {
    let mut m = recorded();
    m.products[0].patches[0].info.insert(
        "LocalPackage".into(),
        r"C:\windows\Installer\gone.msp".into(),
    );
    let snap = assemble(&m).unwrap();
    validate(&snap).unwrap();
    let ur1 = snap.product(PRODUCT).unwrap().patch(UR1).unwrap();
    assert_eq!(ur1.display_name, None);
    assert!(ur1.sequences.is_empty());
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.contains("the cached patch could not be read")),
        "{:?}",
        snap.warnings
    );
}

#[test]
fn bad_answers_leave_out_what_they_describe() {
    let mut m = recorded();
    m.products[0]
        .info
        .insert("VersionString".into(), "8.0.x".into());
    m.products.push(raw::Product {
        product_code: "not-a-guid".into(),
        context: 4,
        ..Default::default()
    });
    m.elevated = Some(false);
    m.processes.push(m.processes[0].clone());
    let snap = assemble(&m).unwrap();
    validate(&snap).unwrap();
    assert!(snap.products.is_empty());
    assert_eq!(snap.processes.len(), 3, "a pid listed twice is kept once");
    assert!(snap
        .warnings
        .iter()
        .any(|w| w.contains("not run as an administrator")));
    assert!(snap
        .warnings
        .iter()
        .any(|w| w.contains("\"8.0.x\" is not a ProductVersion")));
}

#[test]
fn arm64_is_an_error() {
    let mut m = recorded();
    m.os.processor_architecture = 12;
    let e = assemble(&m).unwrap_err().to_string();
    assert!(e.contains("x64 and x86 Windows only"), "{e}");
}

#[test]
fn command_lines_give_image_paths() {
    let cases = [
        (
            r#""C:\Program Files\X\a.exe" -k"#,
            r"C:\Program Files\X\a.exe",
        ),
        (
            r"C:\Program Files\X\a.exe -k netsvcs",
            r"C:\Program Files\X\a.exe",
        ),
        (
            r"C:\windows\system32\svchost.exe",
            r"C:\windows\system32\svchost.exe",
        ),
        (r"C:\my.exetools\b.EXE /s", r"C:\my.exetools\b.EXE"),
        (r"\SystemRoot\x.sys arg", r"\SystemRoot\x.sys"),
    ];
    for (cmd, want) in cases {
        assert_eq!(image_of_command_line(cmd).as_deref(), Some(want), "{cmd}");
    }
}

#[test]
fn restart_manager_answers_are_split_down_to_files() {
    let files: Vec<String> = (0..64).map(|i| format!(r"C:\x\f{i}.dll")).collect();
    let mut calls = 0;
    let mut query = |set: &[String]| -> std::result::Result<Vec<u32>, String> {
        calls += 1;
        let mut pids = Vec::new();
        if set.iter().any(|f| f.ends_with(r"\f5.dll")) {
            pids.push(77);
        }
        if set.iter().any(|f| f.ends_with(r"\f40.dll")) {
            pids.extend([900, 77]);
        }
        Ok(pids)
    };
    let (held, errors) = find_holders(&files, &mut query);
    assert!(errors.is_empty());
    assert_eq!(
        held,
        [
            raw::Held {
                file: r"C:\x\f5.dll".into(),
                pids: vec![77]
            },
            raw::Held {
                file: r"C:\x\f40.dll".into(),
                pids: vec![77, 900]
            },
        ]
    );
    assert!(calls < 30, "{calls} sessions for 2 held files of 64");

    // Nothing held (Wine's stub): one session.
    let (held, _) = find_holders(&files, &mut |_: &[String]| Ok(Vec::new()));
    assert!(held.is_empty());
    let (_, errors) = find_holders(&files, &mut |_: &[String]| Err("RmStartSession: 5".into()));
    assert_eq!(errors.len(), 1);
}

#[test]
fn holds_become_open_files_unless_modules_say_so() {
    let mut snap = assemble(&recorded()).unwrap();
    let held = [
        raw::Held {
            file: ESEBACK2.to_uppercase(),
            pids: vec![77, 900, 4242],
        },
        raw::Held {
            file: r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe".into(),
            pids: vec![2544],
        },
    ];
    add_holds(&mut snap, &held, vec!["RmGetList: 5".into()]);
    validate(&snap).unwrap();
    assert_eq!(
        snap.process(77).unwrap().open_files,
        None,
        "a module already"
    );
    assert_eq!(snap.process(2544).unwrap().open_files, None, "its image");
    assert_eq!(
        snap.process(900).unwrap().open_files.as_deref(),
        Some(&[ESEBACK2.to_uppercase()][..])
    );
    let w = snap.warnings.join("\n");
    assert!(w.contains("process 4242"), "{w}");
    assert!(w.contains("lsass.exe (900) holds"), "{w}");
    assert!(w.contains("RmGetList: 5"), "{w}");
}

#[test]
fn path_facts_from_disk() {
    let mut snap = assemble(&recorded()).unwrap();
    let asked = vec![
        r"%SystemDrive%\ExchangeSetupLogs".to_string(),
        r"c:\windows\installer\1A2B3C.MSI".to_string(),
    ];
    let paths = paths_to_probe(&snap, &asked);
    assert_eq!(
        paths.len(),
        3,
        "{paths:?}: the cached .msi once, ur1's cached patch"
    );
    let dir = env!("CARGO_MANIFEST_DIR");
    let facts = vec![
        (
            "a".to_string(),
            probe(&testdata("ur1.msp"), |_| Some("1.0".into())),
        ),
        ("b".to_string(), probe(dir, |_| None)),
        ("c".to_string(), probe(&format!("{dir}/no/such"), |_| None)),
        ("d".to_string(), Err("Access is denied.".to_string())),
    ];
    add_path_facts(&mut snap, facts);
    validate(&snap).unwrap();
    assert_eq!(snap.paths.len(), 3);
    assert_eq!(snap.paths[0].kind, Some(PathKind::File));
    assert_eq!(snap.paths[0].version.as_deref(), Some("1.0"));
    assert_eq!(snap.paths[1].kind, Some(PathKind::Dir));
    assert!(!snap.paths[2].exists);
    assert!(snap
        .warnings
        .iter()
        .any(|w| w == "could not examine d: Access is denied."));
}

#[test]
fn rfc3339_dates() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
}
