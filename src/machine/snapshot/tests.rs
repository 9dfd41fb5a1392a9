use std::collections::HashSet;
use std::path::Path;

use super::load::parse_limited;
use super::validate::{is_timestamp, is_version, Limits};
use super::*;
use crate::formats::winpath::WinPath;
use crate::Result;

const EXCHANGE: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
const UR1: &str = "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}";
const BIN: &str = r"C:\Program Files\Microsoft\Exchange Server\Bin\";

fn samples_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007/snapshots")
}

fn sample(name: &str) -> Snapshot {
    load(&samples_dir().join(name)).unwrap()
}

/// A small valid snapshot as JSON, for tests to break.
fn minimal() -> serde_json::Value {
    serde_json::json!({
        "snapshot_version": 1,
        "collected_at": "2010-03-08T09:41:27Z",
        "collector": {"name": "test", "version": "0"},
        "computer_name": "EXCH01",
        "os": {"version": "5.2.3790", "build": 3790, "architecture": "x64",
               "product_type": "server"},
        "environment": {"SystemDrive": "C:", "ProgramFiles(x86)": r"C:\Program Files (x86)",
                        "windir": r"C:\WINDOWS"},
        "products": [{
            "product_code": EXCHANGE, "name": "Microsoft Exchange Server",
            "version": "8.0.685.24", "install_context": "machine",
            "patches": [{"patch_code": UR1, "state": "superseded"}]
        }],
        "services": [{"name": "MSExchangeIS", "state": "running", "start_type": "auto",
                      "process_id": 2544}],
        "processes": [
            {"pid": 4, "name": "System"},
            {"pid": 10, "name": "a.exe", "modules": []},
            {"pid": 11, "name": "b.exe", "modules": []},
            {"pid": 2544, "name": "store.exe", "image_path": format!("{BIN}store.exe"),
             "services": ["MSExchangeIS"],
             "modules": [format!("{BIN}store.exe"), format!("{BIN}eseback2.dll")]}
        ],
        "paths": [
            {"path": r"%SystemDrive%\ExchangeSetupLogs", "exists": true, "kind": "dir"},
            {"path": r"C:\Gone", "exists": false},
            {"path": r"C:\boot.ini", "exists": true, "kind": "file"}
        ]
    })
}

fn parse_value(v: &serde_json::Value) -> Result<Snapshot> {
    parse(
        "snap.json",
        serde_json::to_string_pretty(v).unwrap().as_bytes(),
    )
}

fn error_of(v: &serde_json::Value) -> String {
    parse_value(v).unwrap_err().to_string()
}

#[test]
fn minimal_parses() {
    let s = parse_value(&minimal()).unwrap();
    assert_eq!(s.computer_name, "EXCH01");
    assert_eq!(s.os.architecture, Architecture::X64);
    assert_eq!(s.products[0].patches[0].state, PatchState::Superseded);
    assert_eq!(s.processes[0].modules, None);
    assert_eq!(s.processes[1].modules, Some(vec![]));
}

#[test]
fn null_means_left_out() {
    let mut v = minimal();
    v["warnings"] = serde_json::Value::Null;
    v["products"][0]["patches"] = serde_json::Value::Null;
    v["products"][0]["properties"] = serde_json::Value::Null;
    v["products"][0]["upgrade_code"] = serde_json::Value::Null;
    v["processes"][3]["open_files"] = serde_json::Value::Null;
    v["processes"][3]["services"] = serde_json::Value::Null;
    v["paths"][1]["kind"] = serde_json::Value::Null;
    let s = parse_value(&v).unwrap();
    assert!(s.warnings.is_empty() && s.products[0].patches.is_empty());
    assert_eq!(s.processes[3].open_files, None);
    assert!(s.processes[3].services.is_empty());
    assert_eq!(s.paths[1].kind, None);
}

#[test]
fn docs_example_parses() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.md"))
            .unwrap();
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let s = parse("docs/snapshot.md", &doc.as_bytes()[start..end]).unwrap();
    assert_eq!(
        s.path_exists(r"%SystemDrive%\ExchangeSetupLogs"),
        Some(false)
    );
    assert_eq!(
        s.processes_using(&format!("{BIN}eseback2.dll"))[0]
            .process
            .name,
        "store.exe"
    );
}

#[test]
fn every_sample_loads() {
    let mut names: Vec<_> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "{names:?}");
    for path in names {
        let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let ex = s
            .product(EXCHANGE)
            .unwrap_or_else(|| panic!("{}", path.display()));
        assert_eq!(ex.name, "Microsoft Exchange Server");
        // The same content written back reads as the same snapshot.
        let again = parse("again", &serde_json::to_vec(&s).unwrap()).unwrap();
        assert_eq!(again, s, "{}", path.display());
    }
}

#[test]
fn samples_say_what_their_names_say() {
    let clean = sample("rtm-clean.json");
    let ex = clean.product(EXCHANGE).unwrap();
    assert_eq!(ex.version, "8.0.685.24");
    assert!(ex.patches.is_empty());
    assert_eq!(
        clean.path_exists(r"%SystemDrive%\ExchangeSetupLogs"),
        Some(true)
    );
    let store = clean.service_process("msexchangeis").unwrap();
    assert_eq!(store.name, "store.exe");
    let users = clean.processes_using(&format!("{BIN}store.exe"));
    assert_eq!(users.len(), 1);
    assert!(users[0].image && users[0].module && !users[0].open);

    let busy = sample("rtm-files-in-use.json");
    let holders: Vec<&str> = busy
        .processes_using(&format!("{BIN}eseback2.dll"))
        .iter()
        .map(|u| u.process.name.as_str())
        .collect();
    assert_eq!(holders, ["store.exe", "beremote.exe"]);
    let holders: Vec<&str> = busy
        .processes_using(&format!("{BIN}Microsoft.Exchange.InfoWorker.Common.dll"))
        .iter()
        .map(|u| u.process.name.as_str())
        .collect();
    assert_eq!(holders, ["MSExchangeMailboxAssistants.exe", "w3wp.exe"]);
    assert!(busy
        .processes
        .iter()
        .all(|p| p.modules.is_none() || p.open_files.is_some()));

    let iu = sample("rtm-interim-update.json");
    let patch = &iu.product(EXCHANGE).unwrap().patches[0];
    assert_eq!(patch.state, PatchState::Applied);
    assert_eq!(patch.sequences[0].family, "Exchange2007IU.KB934321");

    let nologs = sample("rtm-no-setup-logs.json");
    assert_eq!(nologs.path_exists(r"C:\ExchangeSetupLogs\"), Some(false));

    let disabled = sample("rtm-services-disabled.json");
    for name in ["MSExchangeIS", "MSExchangeSA", "MSExchangeTransport"] {
        let s = disabled.service(name).unwrap();
        assert_eq!(
            (s.state, s.start_type),
            (ServiceState::Stopped, StartType::Disabled)
        );
    }

    let ur2 = sample("ur2-installed.json");
    let ex = ur2.product(EXCHANGE).unwrap();
    assert_eq!(ex.version, "8.0.711.2");
    assert_eq!(ex.patch(UR1).unwrap().state, PatchState::Superseded);
    assert_eq!(ex.patches_in(PatchState::Applied).count(), 1);

    let sp1 = sample("sp1.json");
    assert_eq!(sp1.product(EXCHANGE).unwrap().version, "8.1.240.6");
}

#[test]
fn sample_paths_are_the_packages_paths() {
    // Every Exchange path in the samples is one `msikit files rtm.msi` (or UR2's new file)
    // prints, or a folder or data file below the install folder that no package installs.
    let installed: HashSet<String> = [
        "store.exe",
        "mad.exe",
        "MSExchangeTransport.exe",
        "EdgeTransport.exe",
        "MSExchangeADTopologyService.exe",
        "Microsoft.Exchange.Search.ExSearch.exe",
        "MSExchangeMailboxAssistants.exe",
        "Microsoft.Exchange.ServiceHost.exe",
        "ese.dll",
        "eseback2.dll",
        "exsmime.dll",
        "Microsoft.Exchange.Common.dll",
        "Microsoft.Exchange.Data.dll",
        "Microsoft.Exchange.Data.Directory.dll",
        "Microsoft.Exchange.Data.Storage.dll",
        "Microsoft.Exchange.Diagnostics.dll",
        "Microsoft.Exchange.InfoWorker.Common.dll",
        "Microsoft.Exchange.Management.dll",
        "Microsoft.Exchange.Transport.Logging.dll",
    ]
    .iter()
    .map(|f| format!("{BIN}{f}"))
    .chain(
        [
            r"ClientAccess\Owa\bin\Microsoft.Exchange.Clients.Owa.dll",
            r"ClientAccess\Owa\auth\owaauth.dll",
            r"ClientAccess\Owa\web.config",
            r"TransportRoles\agents\Hygiene\Microsoft.Exchange.Transport.Agent.Hygiene.dll",
            r"TransportRoles\agents\agents.config",
        ]
        .iter()
        .map(|f| format!(r"C:\Program Files\Microsoft\Exchange Server\{f}")),
    )
    .collect();
    for entry in std::fs::read_dir(samples_dir()).unwrap() {
        let s = load(&entry.unwrap().path()).unwrap();
        let mut paths: Vec<&String> = Vec::new();
        for p in &s.processes {
            paths.extend(p.image_path.iter());
            paths.extend(p.modules.iter().flatten());
        }
        paths.extend(s.services.iter().filter_map(|v| v.image_path.as_ref()));
        for p in paths {
            if p.starts_with(r"C:\Program Files\Microsoft\Exchange Server\") {
                assert!(installed.contains(p), "{p}");
            }
        }
    }
}

#[test]
fn wrong_type_names_the_field_path() {
    let mut v = minimal();
    v["processes"][3]["modules"][0] = serde_json::json!(5);
    let e = error_of(&v);
    assert!(
        e.starts_with(
            "snap.json: processes[3].modules[0]: invalid type: integer `5`, expected a string (line "
        ),
        "{e}"
    );
    assert!(e.contains("column"), "{e}");
    assert!(!e.contains('\n'));
}

#[test]
fn unknown_field_names_the_field_path() {
    let mut v = minimal();
    v["products"][0]["patches"][0]["colour"] = serde_json::json!("blue");
    let e = error_of(&v);
    assert!(
        e.starts_with("snap.json: products[0].patches[0].colour: unknown field `colour`"),
        "{e}"
    );
    v = minimal();
    v["extra"] = serde_json::json!(1);
    assert!(error_of(&v).starts_with("snap.json: extra: unknown field `extra`"));
}

#[test]
fn missing_field_names_its_object() {
    let mut v = minimal();
    v["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("start_type");
    let e = error_of(&v);
    assert!(
        e.starts_with("snap.json: services[0]: missing field `start_type`"),
        "{e}"
    );
    let mut v = minimal();
    v.as_object_mut().unwrap().remove("os");
    assert!(error_of(&v).starts_with("snap.json: missing field `os`"));
}

#[test]
fn bad_enum_and_number_name_the_field_path() {
    let mut v = minimal();
    v["services"][0]["state"] = serde_json::json!("Running");
    let e = error_of(&v);
    assert!(
        e.starts_with("snap.json: services[0].state: unknown variant `Running`"),
        "{e}"
    );
    let mut v = minimal();
    v["processes"][1]["pid"] = serde_json::json!(-1);
    let e = error_of(&v);
    assert!(e.starts_with("snap.json: processes[1].pid: invalid value: integer `-1`"));
    let mut v = minimal();
    v["environment"]["ProgramFiles(x86)"] = serde_json::json!(null);
    let e = error_of(&v);
    assert!(
        e.starts_with(r#"snap.json: environment["ProgramFiles(x86)"]: invalid type: null"#),
        "{e}"
    );
}

#[test]
fn repeated_member_is_an_error() {
    let text = serde_json::to_string(&minimal()).unwrap().replacen(
        r#""computer_name":"EXCH01""#,
        r#""computer_name":"EXCH01","computer_name":"EXCH02""#,
        1,
    );
    let e = parse("snap.json", text.as_bytes()).unwrap_err().to_string();
    assert!(
        e.starts_with("snap.json: computer_name: `computer_name` appears twice in one object"),
        "{e}"
    );
    let text = serde_json::to_string(&minimal()).unwrap().replacen(
        r#""SystemDrive":"C:""#,
        r#""SystemDrive":"C:","SystemDrive":"D:""#,
        1,
    );
    let e = parse("snap.json", text.as_bytes()).unwrap_err().to_string();
    assert!(
        e.starts_with("snap.json: environment.SystemDrive: `SystemDrive` appears twice"),
        "{e}"
    );
}

#[test]
fn struct_written_as_array_is_an_error() {
    let mut v = minimal();
    v["collector"] = serde_json::json!(["test", "0"]);
    let e = error_of(&v);
    assert!(
        e.starts_with("snap.json: collector: invalid type: sequence, expected struct Collector"),
        "{e}"
    );
}

#[test]
fn bad_json_gives_line_and_column() {
    let e = parse("snap.json", b"{\n  \"snapshot_version\": 1,\n  oops\n}")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("snap.json: not valid JSON: "), "{e}");
    assert!(e.contains("line 3 column 3"), "{e}");
    let e = parse("snap.json", b"[1, 2]").unwrap_err().to_string();
    assert_eq!(
        e,
        "snap.json: a machine snapshot is a JSON object, not an array"
    );
    let e = parse("snap.json", b"").unwrap_err().to_string();
    assert!(e.starts_with("snap.json: not valid JSON"), "{e}");
}

#[test]
fn version_is_checked_first() {
    let mut v = minimal();
    v["snapshot_version"] = serde_json::json!(2);
    v["new_in_version_2"] = serde_json::json!(true);
    let e = parse_value(&v).unwrap_err();
    assert!(matches!(e.kind(), crate::ErrorKind::Unsupported(_)));
    assert_eq!(
        e.to_string(),
        "snap.json: snapshot_version: version 2; this msikit reads version 1"
    );
    let e = parse("x.json", br#"{"hello": 1}"#).unwrap_err().to_string();
    assert_eq!(
        e,
        "x.json: snapshot_version: missing: this is not a msikit machine snapshot"
    );
    let e = parse("x.json", br#"{"snapshot_version": "1"}"#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "x.json: snapshot_version: expected the number 1, found a string"
    );
}

#[test]
fn checks_after_parsing_name_the_field_path() {
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "/products/0/product_code",
            "24B2C164-DE66-44FE-B468-A46D9D5E6B31".into(),
            "snap.json: products[0].product_code: `24B2C164",
        ),
        (
            "/products/0/patches/0/patch_code",
            "{DCF5AFE2}".into(),
            "snap.json: products[0].patches[0].patch_code: `{DCF5AFE2}` is not a GUID",
        ),
        (
            "/products/0/version",
            "8.0.685.24a".into(),
            "snap.json: products[0].version: `8.0.685.24a` is not a version",
        ),
        (
            "/collected_at",
            "yesterday".into(),
            "snap.json: collected_at: `yesterday`",
        ),
        (
            "/paths/1/kind",
            "dir".into(),
            "snap.json: paths[1].kind: given for a path that does not exist",
        ),
        (
            "/processes/2/pid",
            10.into(),
            "snap.json: processes[2].pid: process id 10 is listed twice",
        ),
        (
            "/services/0/name",
            "".into(),
            "snap.json: services[0].name: empty",
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut v = minimal();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        v.pointer_mut(parent).unwrap()[key] = value;
        let e = error_of(&v);
        assert!(e.starts_with(expected), "{pointer}: {e}");
    }
    let mut v = minimal();
    v["environment"]["SYSTEMDRIVE"] = "D:".into();
    let e = error_of(&v);
    assert!(
        e.starts_with("snap.json: environment.SystemDrive: named twice"),
        "{e}"
    );
    let mut v = minimal();
    v["paths"][0].as_object_mut().unwrap().remove("kind");
    assert!(error_of(&v).starts_with("snap.json: paths[0].kind: missing"));
}

#[test]
fn limits_name_the_list() {
    let text = serde_json::to_vec(&minimal()).unwrap();
    let small = Limits {
        file_bytes: MAX_FILE_BYTES,
        entries: 3,
    };
    let e = parse_limited(&text, &small).unwrap_err().to_string();
    assert_eq!(
        e,
        "processes: 4 entries, more than the 3 a snapshot may hold"
    );
    let mut v = minimal();
    v["processes"].as_array_mut().unwrap().truncate(3);
    v["processes"][1]["open_files"] = serde_json::json!(["a", "b"]);
    v["processes"][2]["modules"] = serde_json::json!(["c", "d"]);
    let e = parse_limited(&serde_json::to_vec(&v).unwrap(), &small)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("processes[].modules: 4 modules and open files"),
        "{e}"
    );
    let tiny = Limits {
        file_bytes: 10,
        entries: MAX_ENTRIES,
    };
    let e = parse_limited(&text, &tiny).unwrap_err().to_string();
    assert!(
        e.ends_with("more than the 10 bytes a snapshot may have"),
        "{e}"
    );
}

#[test]
fn load_names_the_file_and_refuses_nothing_there() {
    let e = load(Path::new("/nonexistent/snap.json")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/snap.json: "));
    assert!(matches!(e.kind(), crate::ErrorKind::Io(_)));
}

#[test]
fn byte_order_marks_and_utf16() {
    let text = serde_json::to_string(&minimal()).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    assert!(parse("x", &bom).is_ok());
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(
        parse("x", &le).unwrap(),
        parse("x", text.as_bytes()).unwrap()
    );
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    assert!(parse("x", &be).is_ok());
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let e = parse("x", &bare).unwrap_err().to_string();
    assert!(e.contains("UTF-16 without a byte-order mark"), "{e}");
    let e = parse("x", &le[..le.len() - 1]).unwrap_err().to_string();
    assert!(e.contains("odd number of bytes"), "{e}");
}

#[test]
fn product_lookup_ignores_case_and_braces() {
    let s = parse_value(&minimal()).unwrap();
    assert!(s.product(EXCHANGE).is_some());
    assert!(s
        .product("{24b2c164-de66-44fe-b468-a46d9d5e6b31}")
        .is_some());
    assert!(s.product("24B2C164-DE66-44FE-B468-A46D9D5E6B31").is_some());
    assert!(s
        .product(" 24b2c164-de66-44fe-b468-a46d9d5e6b31 ")
        .is_some());
    assert!(s.product(UR1).is_none());
    let ex = s.product(EXCHANGE).unwrap();
    assert!(ex.patch("dcf5afe2-e80a-42fb-a60d-a3b75e8ec394").is_some());
    assert!(ex.patch(EXCHANGE).is_none());
}

#[test]
fn product_prefers_the_machine_installation() {
    let mut v = minimal();
    let mut per_user = v["products"][0].clone();
    per_user["install_context"] = "user".into();
    per_user["user_sid"] = "S-1-5-21-1-2-3-1001".into();
    per_user["version"] = "1.0".into();
    v["products"].as_array_mut().unwrap().insert(0, per_user);
    let s = parse_value(&v).unwrap();
    assert_eq!(s.product(EXCHANGE).unwrap().version, "8.0.685.24");
}

#[test]
fn env_ignores_case_and_expands() {
    let s = parse_value(&minimal()).unwrap();
    assert_eq!(s.env("systemdrive"), Some("C:"));
    assert_eq!(s.env("PROGRAMFILES(X86)"), Some(r"C:\Program Files (x86)"));
    assert_eq!(s.env("ProgramW6432"), None);
    assert_eq!(s.expand_env(r"%SystemDrive%\x"), r"C:\x");
    assert_eq!(s.expand_env(r"%WINDIR%\Installer"), r"C:\WINDOWS\Installer");
    assert_eq!(s.expand_env("%nope%x%systemdrive%"), "%nope%xC:");
    assert_eq!(s.expand_env("100%"), "100%");
    assert_eq!(s.expand_env("%%"), "%%");
    assert_eq!(s.expand_env("a%b"), "a%b");
}

#[test]
fn path_keys() {
    let windows_path_key = |p: &str| WinPath::new(p).into_key();
    assert_eq!(
        windows_path_key(r"C:\Program Files\X\"),
        r"c:\program files\x"
    );
    assert_eq!(
        windows_path_key("c:/program files//x"),
        r"c:\program files\x"
    );
    assert_eq!(windows_path_key(r"C:\"), r"c:\");
    assert_eq!(windows_path_key("C:"), "c:");
    assert_eq!(windows_path_key(r"C:\a\.\b\..\c"), r"c:\a\c");
    assert_eq!(windows_path_key(r"C:\..\a"), r"c:\a");
    assert_eq!(windows_path_key(r#""C:\a b\c.exe""#), r"c:\a b\c.exe");
    assert_eq!(windows_path_key(r"\\?\C:\a"), r"c:\a");
    assert_eq!(
        windows_path_key(r"\\Server\Share\Dir\"),
        r"\\server\share\dir"
    );
    assert_eq!(
        windows_path_key(r"\\?\UNC\server\share\x"),
        r"\\server\share\x"
    );
    assert_eq!(windows_path_key(r"\\server\share"), r"\\server\share");
    assert_eq!(windows_path_key(r"\a\b"), r"\a\b");
    assert_eq!(windows_path_key("rel/x"), r"rel\x");
    let s = parse_value(&minimal()).unwrap();
    assert!(s.same_path(
        r"%SystemDrive%\Program Files\Microsoft\Exchange Server\bin\STORE.EXE",
        &format!("{BIN}store.exe")
    ));
    assert!(!s.same_path(r"C:\a", r"C:\ab"));
}

#[test]
fn path_exists_reads_facts_and_their_consequences() {
    let s = parse_value(&minimal()).unwrap();
    assert_eq!(s.path_exists(r"C:\ExchangeSetupLogs"), Some(true));
    assert_eq!(s.path_exists(r"c:/exchangesetuplogs/"), Some(true));
    assert_eq!(
        s.path_exists(r"%SYSTEMDRIVE%\ExchangeSetupLogs"),
        Some(true)
    );
    assert_eq!(s.path_exists(r"C:\Gone"), Some(false));
    // Below a missing folder or a file nothing exists; above an existing path, all does.
    assert_eq!(s.path_exists(r"C:\Gone\x.log"), Some(false));
    assert_eq!(s.path_exists(r"C:\boot.ini\x"), Some(false));
    assert_eq!(s.path_exists(r"C:\"), Some(true));
    assert_eq!(
        s.path_exists(r"C:\ExchangeSetupLogs\ExchangeSetup.log"),
        None
    );
    assert_eq!(s.path_exists(r"C:\Gon"), None);
    assert_eq!(s.path_exists(r"D:\"), None);
    assert_eq!(
        s.path_fact(r"c:\boot.ini").map(|f| f.kind),
        Some(Some(PathKind::File))
    );
}

#[test]
fn service_lookup_ignores_case() {
    let s = parse_value(&minimal()).unwrap();
    assert_eq!(s.service("msexchangeis").unwrap().name, "MSExchangeIS");
    assert!(s.service("MSExchangeSA").is_none());
    assert_eq!(s.service_process("MSEXCHANGEIS").unwrap().pid, 2544);
    assert_eq!(s.process(4).unwrap().name, "System");
}

#[test]
fn processes_using_compares_paths_as_windows_does() {
    let s = parse_value(&minimal()).unwrap();
    let users = s.processes_using(r"c:/program files/microsoft/exchange server/bin/ESEBACK2.DLL");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].process.pid, 2544);
    assert!(users[0].module && !users[0].image && !users[0].open);
    assert!(s.processes_using(r"C:\nothing.dll").is_empty());
}

#[test]
fn timestamps_and_versions() {
    for ok in [
        "2010-03-08T09:41:27Z",
        "2010-03-08T09:41:27.1234567Z",
        "2010-03-11T16:30:55+01:00",
    ] {
        assert!(is_timestamp(ok), "{ok}");
    }
    for bad in [
        "2010-03-08 09:41:27Z",
        "2010-03-08T09:41:27",
        "2010-03-08T09:41:27.Z",
        "",
    ] {
        assert!(!is_timestamp(bad), "{bad}");
    }
    assert!(is_version("8.0.685.24") && is_version("5") && is_version("65535.0"));
    assert!(!is_version("8.0.685.24.1") && !is_version("65536") && !is_version("8..1"));
    assert!(!is_version("+1") && !is_version(""));
}

/// Every object in docs/snapshot.schema.json lists the fields the structs have, and
/// requires the ones that are not optional.
#[test]
fn schema_matches_structs() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let full = serde_json::to_value(full_snapshot()).unwrap();
    let bare = serde_json::to_value(bare_snapshot()).unwrap();
    let objects = [
        ("", "/"),
        ("collector", "/collector"),
        ("os", "/os"),
        ("product", "/products/0"),
        ("patch", "/products/0/patches/0"),
        ("patch_sequence", "/products/0/patches/0/sequences/0"),
        ("service", "/services/0"),
        ("process", "/processes/0"),
        ("path_fact", "/paths/0"),
    ];
    for (def, pointer) in objects {
        let node = if def.is_empty() {
            &schema
        } else {
            &schema["$defs"][def]
        };
        assert_eq!(node["additionalProperties"], false, "{def}");
        let pointer = if pointer == "/" { "" } else { pointer };
        let mut want: Vec<&String> = full
            .pointer(pointer)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let mut have: Vec<&String> = node["properties"].as_object().unwrap().keys().collect();
        want.sort();
        have.sort();
        assert_eq!(have, want, "properties of {def:?}");
        let mut required: Vec<&str> = node["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        // The bare snapshot keeps one patch and one sequence row to reach them; both lists
        // are optional all the same.
        let mut present: Vec<&str> = bare
            .pointer(pointer)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!((def, *k), ("product", "patches") | ("patch", "sequences")))
            .collect();
        required.sort();
        present.sort();
        assert_eq!(required, present, "required of {def:?}");
    }
    let enum_of = |def: &str| -> Vec<String> {
        schema["$defs"][def]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let names = |values: &[serde_json::Value]| -> Vec<String> {
        values
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    use serde_json::to_value as tv;
    assert_eq!(
        enum_of("architecture"),
        names(&[
            tv(Architecture::X64).unwrap(),
            tv(Architecture::X86).unwrap()
        ])
    );
    assert_eq!(
        enum_of("product_type"),
        names(
            &[
                ProductType::Workstation,
                ProductType::DomainController,
                ProductType::Server
            ]
            .map(|v| tv(v).unwrap())
        )
    );
    assert_eq!(
        enum_of("install_context"),
        names(&[InstallContext::Machine, InstallContext::User].map(|v| tv(v).unwrap()))
    );
    assert_eq!(
        enum_of("patch_state"),
        names(
            &[
                PatchState::Applied,
                PatchState::Superseded,
                PatchState::Obsoleted,
                PatchState::Registered
            ]
            .map(|v| tv(v).unwrap())
        )
    );
    assert_eq!(
        enum_of("service_state"),
        names(
            &[
                ServiceState::Running,
                ServiceState::Stopped,
                ServiceState::Paused,
                ServiceState::StartPending,
                ServiceState::StopPending,
                ServiceState::ContinuePending,
                ServiceState::PausePending,
                ServiceState::Unknown
            ]
            .map(|v| tv(v).unwrap())
        )
    );
    assert_eq!(
        enum_of("start_type"),
        names(
            &[
                StartType::Boot,
                StartType::System,
                StartType::Auto,
                StartType::Demand,
                StartType::Disabled
            ]
            .map(|v| tv(v).unwrap())
        )
    );
    assert_eq!(
        enum_of("path_kind"),
        names(&[PathKind::File, PathKind::Dir].map(|v| tv(v).unwrap()))
    );
    assert_eq!(
        schema["properties"]["snapshot_version"]["const"],
        SNAPSHOT_VERSION
    );
}

/// Every optional field set, every list with one entry.
fn full_snapshot() -> Snapshot {
    let s = |v: &str| Some(v.to_string());
    Snapshot {
        snapshot_version: 1,
        collected_at: "2010-03-08T09:41:27Z".into(),
        collector: Collector {
            name: "collect-snapshot.ps1".into(),
            version: "1.0".into(),
            powershell_version: s("5.1"),
            elevated: Some(true),
        },
        computer_name: "EXCH01".into(),
        os: Os {
            caption: s("Windows"),
            version: "5.2.3790".into(),
            build: 3790,
            service_pack: s("Service Pack 2"),
            architecture: Architecture::X64,
            product_type: ProductType::Server,
            installer_version: s("3.1.4001.5512"),
        },
        environment: [("SystemDrive".to_string(), "C:".to_string())].into(),
        products: vec![Product {
            product_code: EXCHANGE.into(),
            name: "Microsoft Exchange Server".into(),
            version: "8.0.685.24".into(),
            upgrade_code: s(EXCHANGE),
            language: Some(1033),
            manufacturer: s("Microsoft Corporation"),
            install_location: s(r"C:\"),
            install_context: InstallContext::User,
            user_sid: s("S-1-5-21-1-2-3-1001"),
            local_package: s(r"C:\WINDOWS\Installer\1.msi"),
            properties: [("TARGETDIR".to_string(), r"C:\".to_string())].into(),
            patches: vec![Patch {
                patch_code: UR1.into(),
                state: PatchState::Applied,
                display_name: s("UR1"),
                kb_article: s("930809"),
                classification: s("Update Rollup"),
                installed: s("2009-11-03"),
                local_package: s(r"C:\WINDOWS\Installer\2.msp"),
                sequences: vec![PatchSequence {
                    family: "Exchange2007Rollup".into(),
                    sequence: "8.0.708.3".into(),
                    supersede: false,
                    product_code: s(EXCHANGE),
                }],
            }],
        }],
        services: vec![Service {
            name: "MSExchangeIS".into(),
            display_name: s("Microsoft Exchange Information Store"),
            state: ServiceState::Running,
            start_type: StartType::Auto,
            process_id: Some(2544),
            image_path: s(r"C:\store.exe"),
            command_line: s(r#""C:\store.exe""#),
            account: s("LocalSystem"),
            depends_on: vec!["MSExchangeSA".into()],
        }],
        processes: vec![Process {
            pid: 2544,
            name: "store.exe".into(),
            image_path: s(r"C:\store.exe"),
            parent_pid: Some(604),
            session_id: Some(0),
            window_title: s("t"),
            services: vec!["MSExchangeIS".into()],
            modules: Some(vec![r"C:\store.exe".into()]),
            open_files: Some(vec![r"C:\x.edb".into()]),
        }],
        paths: vec![PathFact {
            path: r"C:\store.exe".into(),
            exists: true,
            kind: Some(PathKind::File),
            size: Some(4608),
            version: s("8.0.685.24"),
        }],
        warnings: vec!["w".into()],
    }
}

/// Every optional field left out, every list with one entry of its own.
fn bare_snapshot() -> Snapshot {
    let mut s = full_snapshot();
    s.warnings.clear();
    s.collector.powershell_version = None;
    s.collector.elevated = None;
    s.os.caption = None;
    s.os.service_pack = None;
    s.os.installer_version = None;
    let p = &mut s.products[0];
    p.upgrade_code = None;
    p.language = None;
    p.manufacturer = None;
    p.install_location = None;
    p.user_sid = None;
    p.local_package = None;
    p.properties.clear();
    let patch = &mut p.patches[0];
    patch.display_name = None;
    patch.kb_article = None;
    patch.classification = None;
    patch.installed = None;
    patch.local_package = None;
    patch.sequences[0].product_code = None;
    let v = &mut s.services[0];
    v.display_name = None;
    v.process_id = None;
    v.image_path = None;
    v.command_line = None;
    v.account = None;
    v.depends_on.clear();
    let pr = &mut s.processes[0];
    pr.image_path = None;
    pr.parent_pid = None;
    pr.session_id = None;
    pr.window_title = None;
    pr.services.clear();
    pr.modules = None;
    pr.open_files = None;
    let f = &mut s.paths[0];
    f.kind = None;
    f.size = None;
    f.version = None;
    s
}
