//! Language transforms in every ANSI code page Windows Installer supports (874, 932, 936, 949,
//! 950, 1250–1258), end to end: a code-page-neutral base that msikit builds, a localized target
//! that msitools' `msibuild` builds independently (its `_ForceCodepage` set, strings in that
//! language), the transform between them made by `msikit transform create --suppress a` (the
//! flags vendors' language transforms carry), applied by msikit and by Wine's msi.dll, compared
//! through `msiinfo export`. Also: transforms applied in turn (base + 1049 + 1031), onto a
//! non-neutral base, the IDT round trip, and a transform whose binary cells lack their streams.

#[path = "common/wine.rs"]
mod wine;

mod common;

use std::path::{Path, PathBuf};

/// (code page, language id, localized text).
const LANGUAGES: &[(u32, u32, &str)] = &[
    (874, 1054, "ค้นหาแอปพลิเคชันที่ติดตั้ง"),
    (932, 1041, "インストール済みのアプリケーションを検索"),
    (936, 2052, "搜索已安装的应用程序"),
    (949, 1042, "설치된 응용 프로그램 검색"),
    (950, 1028, "搜尋已安裝的應用程式"),
    (
        1250,
        1045,
        "Wyszukiwanie zainstalowanych aplikacji: zażółć gęślą jaźń",
    ),
    (1251, 1049, "Поиск установленных приложений"),
    (1252, 1031, "Größe der installierten Anwendungen prüfen"),
    (1253, 1032, "Αναζήτηση εγκατεστημένων εφαρμογών"),
    (1254, 1055, "Yüklü uygulamalar aranıyor: ğış"),
    (1255, 1037, "מחפש יישומים מותקנים"),
    (1256, 1025, "البحث عن التطبيقات المثبتة"),
    (1257, 1063, "Ieškoma įdiegtų programų: ąčęėįšųūž"),
    (1258, 1066, "Cài đăt: ư ơ ă â ê ô Đ"),
];

fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("codepages")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs msikit; returns (exit code, stdout, stderr).
fn msikit(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (i32, String, String) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let o = common::run_msikit(&args);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let (code, out, err) = msikit(args);
    assert_eq!(
        code,
        0,
        "msikit {:?}: {err}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>()
    );
    out
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The IDT folder of the neutral base: testdata/sample.msi exported by msikit, with its one
/// non-ASCII string made ASCII, `_ForceCodepage` 0, and an English ActionText table.
fn base_idt(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let idt = dir.join("base-idt");
    ok(&[&"export", &root.join("testdata/sample.msi"), &"--idt", &idt]);
    let prop = idt.join("Property.idt");
    let text = std::fs::read_to_string(&prop).unwrap();
    write(&prop, &text.replace("Café edition", "Classic edition"));
    write(
        &idt.join("_ForceCodepage.idt"),
        "\r\n\r\n0\t_ForceCodepage\r\n",
    );
    write(
        &idt.join("ActionText.idt"),
        "Action\tDescription\tTemplate\r\ns72\tL0\tL0\r\nActionText\tAction\r\n\
         InstallFiles\tCopying new files\t[1]\r\nCostFinalize\tComputing space requirements\t\r\n",
    );
    idt
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The base's IDT folder with code page `cp` (nothing localized).
fn with_codepage(base: &Path, dir: &Path, cp: u32) -> PathBuf {
    copy_dir(base, dir);
    write(
        &dir.join("_ForceCodepage.idt"),
        &format!("\r\n\r\n{cp}\t_ForceCodepage\r\n"),
    );
    dir.to_path_buf()
}

/// A localized IDT folder: code page `cp`, ProductName, ProductLanguage and ARPCOMMENTS in the
/// language, and the two ActionText rows localized (as vendors' language transforms do).
fn localized_idt(base: &Path, dir: &Path, cp: u32, lang: u32, text: &str) -> PathBuf {
    with_codepage(base, dir, cp);
    let prop = dir.join("Property.idt");
    let lines: Vec<String> = std::fs::read_to_string(&prop)
        .unwrap()
        .split("\r\n")
        .map(|l| match l.split_once('\t') {
            Some(("ProductName", _)) => format!("ProductName\t{text}"),
            Some(("ProductLanguage", _)) => format!("ProductLanguage\t{lang}"),
            Some(("ARPCOMMENTS", _)) => format!("ARPCOMMENTS\t{text} ({lang})"),
            _ => l.to_string(),
        })
        .collect();
    write(&prop, &lines.join("\r\n"));
    write(
        &dir.join("ActionText.idt"),
        &format!(
            "Action\tDescription\tTemplate\r\ns72\tL0\tL0\r\nActionText\tAction\r\n\
             InstallFiles\t{text}\t[1]\r\nCostFinalize\t{text}: {cp}\t\r\n"
        ),
    );
    dir.to_path_buf()
}

/// `msibuild OUT -i *.idt` in `idt` (msitools builds the database, not msikit).
fn msibuild(idt: &Path, out: &Path) {
    common::require("msibuild");
    let mut files: Vec<String> = std::fs::read_dir(idt)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().to_string_lossy().into_owned();
            n.ends_with(".idt").then_some(n)
        })
        .collect();
    files.sort();
    let mut cmd = std::process::Command::new("msibuild");
    cmd.arg(std::path::absolute(out).unwrap()).current_dir(idt);
    for f in &files {
        cmd.args(["-i", f]);
    }
    let o = cmd.output().expect("run msibuild");
    assert!(
        o.status.success(),
        "msibuild {}: {}",
        out.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn build_idt(idt: &Path, out: &Path) {
    ok(&[&"build", &"--idt", &idt, &"-o", &out]);
}

/// Tables as msiinfo exports them, without the summary (a transform does not carry it).
fn tables(msi: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    wine::without(
        &wine::export_tables(msi),
        &[wine::Allow::Table("_SummaryInformation")],
    )
}

fn assert_same(what: &str, a: &Path, b: &Path) {
    let d = wine::diff_tables(&tables(a), &tables(b));
    assert!(
        d.is_empty(),
        "{what}: {} differs from {}:\n  {}",
        a.display(),
        b.display(),
        d.join("\n  ")
    );
}

struct Language {
    cp: u32,
    lang: u32,
    text: &'static str,
    target: PathBuf,
    mst: PathBuf,
}

/// The target and the vendor-style transform (`--suppress a`) of one language.
fn language(
    dir: &Path,
    base_idt: &Path,
    base: &Path,
    &(cp, lang, text): &(u32, u32, &'static str),
) -> Language {
    let target = dir.join(format!("target-{cp}.msi"));
    msibuild(
        &localized_idt(base_idt, &dir.join(format!("idt-{cp}")), cp, lang, text),
        &target,
    );
    let mst = dir.join(format!("{lang}.mst"));
    ok(&[
        &"transform",
        &"create",
        &base,
        &target,
        &"-o",
        &mst,
        &"--suppress",
        &"a",
    ]);
    Language {
        cp,
        lang,
        text,
        target,
        mst,
    }
}

#[test]
fn language_transforms_in_every_code_page_apply_like_wine() {
    let dir = out_dir("every");
    let base_idt = base_idt(&dir);
    let base = dir.join("base.msi");
    build_idt(&base_idt, &base);
    // One language per core (Wine calls share the one wineserver).
    common::par_map(LANGUAGES, |l| {
        let l = language(&dir, &base_idt, &base, l);
        let cp = l.cp;
        // The transform carries the target's code page and only add-existing-row suppressed.
        let info = ok(&[&"info", &l.mst]);
        assert!(
            info.contains(&format!("Code page:             {cp}\n")),
            "{info}"
        );
        assert!(info.contains("0x0001 [a] add-existing-row"), "{info}");
        // msikit: the neutral base takes the transform's code page; the result is the target.
        let ours = dir.join(format!("ours-{cp}.msi"));
        let report = ok(&[&"transform", &"apply", &base, &l.mst, &"-o", &ours]);
        assert!(report.contains(&format!("0 -> {cp}")), "{report}");
        assert_same(&format!("code page {cp}, msikit"), &ours, &l.target);
        let t = wine::export_tables(&ours);
        assert_eq!(wine::property(&t, "ProductName").as_deref(), Some(l.text));
        assert_eq!(
            wine::property(&t, "ProductLanguage"),
            Some(l.lang.to_string())
        );
        // Wine's msi.dll never changes a database's code page (docs/design.md), so it is given
        // the base already in the transform's code page: it gets the same tables.
        let base_cp = dir.join(format!("base-{cp}.msi"));
        build_idt(
            &with_codepage(&base_idt, &dir.join(format!("base-idt-{cp}")), cp),
            &base_cp,
        );
        let wine_out = dir.join(format!("wine-{cp}.msi"));
        wine::apply_transform(&base_cp, &l.mst, &wine_out).unwrap_or_else(|e| panic!("{e}"));
        assert_same(&format!("code page {cp}, Wine"), &wine_out, &ours);
        // The IDT code-page line and the tables survive export --idt / build --idt, and
        // `table --format idt` is msiinfo export's bytes.
        let idt = dir.join(format!("ours-idt-{cp}"));
        ok(&[&"export", &ours, &"--idt", &idt]);
        let fc = std::fs::read_to_string(idt.join("_ForceCodepage.idt")).unwrap();
        assert!(fc.contains(&format!("{cp}\t_ForceCodepage")), "{fc:?}");
        let rebuilt = dir.join(format!("rebuilt-{cp}.msi"));
        build_idt(&idt, &rebuilt);
        assert_same(&format!("code page {cp}, idt round trip"), &rebuilt, &ours);
        // The same folder as Windows' MsiDatabaseExport writes it: the tables with non-ASCII
        // text in the code page, their third line starting with it, `_ForceCodepage` neutral.
        let ansi = dir.join(format!("ansi-idt-{cp}"));
        copy_dir(&idt, &ansi);
        let enc = encoding_rs::Encoding::for_label(
            if cp == 874 {
                "windows-874".to_string()
            } else if cp == 932 {
                "shift_jis".to_string()
            } else if cp == 936 {
                "gbk".to_string()
            } else if cp == 949 {
                "euc-kr".to_string()
            } else if cp == 950 {
                "big5".to_string()
            } else {
                format!("windows-{cp}")
            }
            .as_bytes(),
        )
        .unwrap();
        for table in ["Property", "ActionText"] {
            let f = ansi.join(format!("{table}.idt"));
            let text = std::fs::read_to_string(&f).unwrap();
            let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
            lines[2] = format!("{cp}\t{}", lines[2]);
            let joined = lines.join("\r\n");
            let (bytes, _, unmappable) = enc.encode(&joined);
            assert!(!unmappable, "{cp}");
            std::fs::write(&f, &bytes).unwrap();
        }
        write(
            &ansi.join("_ForceCodepage.idt"),
            "\r\n\r\n0\t_ForceCodepage\r\n",
        );
        let from_ansi = dir.join(format!("from-ansi-{cp}.msi"));
        build_idt(&ansi, &from_ansi);
        assert_same(&format!("code page {cp}, ANSI IDT"), &from_ansi, &ours);
        // `export --idt --ansi` writes those same table files, and builds back to the same tables.
        let ours_ansi = dir.join(format!("ours-ansi-idt-{cp}"));
        ok(&[&"export", &ours, &"--idt", &ours_ansi, &"--ansi"]);
        for table in ["Property", "ActionText"] {
            let f = format!("{table}.idt");
            assert_eq!(
                std::fs::read(ours_ansi.join(&f)).unwrap(),
                std::fs::read(ansi.join(&f)).unwrap(),
                "code page {cp}: export --ansi of {f}"
            );
        }
        let from_ours_ansi = dir.join(format!("from-ours-ansi-{cp}.msi"));
        build_idt(&ours_ansi, &from_ours_ansi);
        assert_same(
            &format!("code page {cp}, export --ansi round trip"),
            &from_ours_ansi,
            &ours,
        );
        for table in ["Property", "ActionText", "_ForceCodepage"] {
            let (_, mine, _) = msikit(&[&"table", &ours, &table, &"--format", &"idt"]);
            let theirs = std::process::Command::new("msiinfo")
                .arg("export")
                .arg(&ours)
                .arg(table)
                .output()
                .unwrap()
                .stdout;
            assert_eq!(
                mine.as_bytes(),
                theirs.as_slice(),
                "code page {cp}: table {table} --format idt"
            );
        }
        // diff sees the localized rows; a transform created from the result back to the base
        // gives the base again.
        let (code, d, _) = msikit(&[&"diff", &base, &ours]);
        assert_eq!(code, 1);
        assert!(d.contains(l.text), "{d}");
        let back = dir.join(format!("back-{cp}.mst"));
        ok(&[&"transform", &"create", &ours, &base, &"-o", &back]);
        let again = dir.join(format!("again-{cp}.msi"));
        ok(&[&"transform", &"apply", &ours, &back, &"-o", &again]);
        let d = wine::diff_tables(&tables(&again), &tables(&base));
        // The code page stays the localized one (a transform to a neutral target is neutral).
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("_ForceCodepage"), "{d:?}");
    });
}

/// base + 1049 + 1031: after the Russian transform the database is 1251; the German one (1252)
/// is then the change-codepage condition, which the vendors' `[a]` does not suppress, so the
/// apply fails as Windows documents it. With `--suppress af` the second code page is taken, and
/// since the German transform replaces every Russian string, the result is the German target
/// (Wine, which ignores code pages, gets the same tables). A Russian string the German one does
/// not replace cannot be written in 1252: that error names the table, row, column and character.
#[test]
fn language_transforms_in_turn() {
    let dir = out_dir("in-turn");
    let base_idt = base_idt(&dir);
    let base = dir.join("base.msi");
    build_idt(&base_idt, &base);
    let ru = language(&dir, &base_idt, &base, &LANGUAGES[6]);
    let de = language(&dir, &base_idt, &base, &LANGUAGES[7]);
    let out = dir.join("ru-de.msi");
    let (code, _, err) = msikit(&[&"transform", &"apply", &base, &ru.mst, &de.mst, &"-o", &out]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("code page 1252 differs from the database's 1251")
            && err.contains("change-codepage"),
        "{err}"
    );
    assert!(!out.exists());
    ok(&[
        &"transform",
        &"apply",
        &base,
        &ru.mst,
        &de.mst,
        &"-o",
        &out,
        &"--suppress",
        &"af",
    ]);
    assert_same("ru then de", &out, &de.target);
    let wine_out = dir.join("wine-ru-de.msi");
    let base_1252 = dir.join("base-1252.msi");
    build_idt(
        &with_codepage(&base_idt, &dir.join("base-idt-1252"), 1252),
        &base_1252,
    );
    wine::apply_transforms(&base_1252, &[&ru.mst, &de.mst], &wine_out)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_same("ru then de, Wine", &wine_out, &out);

    // A German target that leaves ARPCOMMENTS alone: the Russian ARPCOMMENTS stays, and 1252
    // cannot hold it.
    let idt = localized_idt(&base_idt, &dir.join("idt-de-partial"), 1252, 1031, de.text);
    let prop = idt.join("Property.idt");
    let text = std::fs::read_to_string(&prop).unwrap();
    let text = text
        .split("\r\n")
        .map(|l| {
            if l.starts_with("ARPCOMMENTS\t") {
                "ARPCOMMENTS\tClassic edition".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    write(&prop, &text);
    let partial = dir.join("target-de-partial.msi");
    msibuild(&idt, &partial);
    let de2 = dir.join("de-partial.mst");
    ok(&[
        &"transform",
        &"create",
        &base,
        &partial,
        &"-o",
        &de2,
        &"--suppress",
        &"a",
    ]);
    let out2 = dir.join("ru-de-partial.msi");
    let (code, _, err) = msikit(&[
        &"transform",
        &"apply",
        &base,
        &ru.mst,
        &de2,
        &"-o",
        &out2,
        &"--suppress",
        &"af",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("table 'Property': row 8, column 'Value'")
            && err.contains("(1049)")
            && err.contains("'П' (U+041F), which code page 1252 cannot represent"),
        "{err}"
    );
    assert!(!out2.exists());
}

/// Onto a base that already has another code page (1252), the Russian transform is the
/// change-codepage condition: refused with the vendor flags, converted with `--suppress af`
/// (then the result is the Russian target).
#[test]
fn language_transform_onto_a_non_neutral_base() {
    let dir = out_dir("non-neutral");
    let base_idt = base_idt(&dir);
    let base = dir.join("base.msi");
    build_idt(&base_idt, &base);
    let ru = language(&dir, &base_idt, &base, &LANGUAGES[6]);
    let base_1252 = dir.join("base-1252.msi");
    build_idt(
        &with_codepage(&base_idt, &dir.join("base-idt-1252"), 1252),
        &base_1252,
    );
    let out = dir.join("out.msi");
    let (code, _, err) = msikit(&[&"transform", &"show", &base_1252, &ru.mst]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("change-codepage"), "{err}");
    let report = ok(&[
        &"transform",
        &"apply",
        &base_1252,
        &ru.mst,
        &"-o",
        &out,
        &"--suppress",
        &"af",
    ]);
    assert!(report.contains("1252 -> 1251"), "{report}");
    assert_same("1252 base converted to 1251", &out, &ru.target);
}

/// psmsi's Example.jpn.mst (suppresses a-f) still turns the neutral Example.msi into 932 with
/// ProductLanguage 1041, through the CLI.
#[test]
fn psmsi_example_jpn_sets_932_and_1041() {
    let dir = out_dir("psmsi");
    let data = common::corpus().join("heaths__psmsi/test__PowerShell.Test__Data__");
    let base = PathBuf::from(format!("{}Example.msi", data.display()));
    let mst = PathBuf::from(format!("{}Example.jpn.mst", data.display()));
    let out = dir.join("jpn.msi");
    ok(&[&"transform", &"apply", &base, &mst, &"-o", &out]);
    let t = wine::export_tables(&out);
    assert_eq!(
        wine::property(&t, "ProductLanguage").as_deref(),
        Some("1041")
    );
    let fc = String::from_utf8_lossy(&t["_ForceCodepage"]).into_owned();
    assert!(fc.contains("932\t_ForceCodepage"), "{fc:?}");
}

/// Copies the compound file `from` to `to` without the root streams holding the binary cells
/// named in `drop` (`Table.Key`): a transform that references streams it does not carry.
fn without_streams(from: &Path, to: &Path, drop: &[&str]) {
    use std::io::{Read, Write};
    let drop: Vec<String> = drop
        .iter()
        .map(|n| msikit::formats::container::streamname::encode(n, false))
        .collect();
    let mut src = cfb::open(from).unwrap();
    let mut names: Vec<PathBuf> = src
        .read_root_storage()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    names.sort();
    let mut dst = cfb::create(to).unwrap();
    dst.set_storage_clsid("/", *src.root_entry().clsid())
        .unwrap();
    let mut dropped = 0;
    for path in names {
        let leaf = path.file_name().unwrap().to_string_lossy().into_owned();
        if drop.contains(&leaf) {
            dropped += 1;
            continue;
        }
        let mut bytes = Vec::new();
        src.open_stream(&path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        dst.create_stream(&path).unwrap().write_all(&bytes).unwrap();
    }
    dst.flush().unwrap();
    assert_eq!(dropped, drop.len(), "not every stream to drop was there");
}

/// A transform that adds a table with a binary column and three rows but carries the stream of
/// only one (the Adobe customization transform's shape): Wine's msi.dll keeps only that row, and
/// so does msikit, which reports the two others as skipped (missing-stream) and never writes a
/// database that references a missing stream.
#[test]
fn binary_cells_without_their_stream_are_dropped_like_wine() {
    let dir = out_dir("binary");
    let base_idt = base_idt(&dir);
    let base = dir.join("base.msi");
    build_idt(&base_idt, &base);
    let idt = dir.join("target-idt");
    copy_dir(&base_idt, &idt);
    write(
        &idt.join("EnterpriseFiles.idt"),
        "File\tFileData\r\ns72\tV0\r\nEnterpriseFiles\tFile\r\n\
         F1\tEnterpriseFiles.F1\r\nF2\tEnterpriseFiles.F2\r\nF3\tEnterpriseFiles.F3\r\n",
    );
    std::fs::create_dir_all(idt.join("EnterpriseFiles")).unwrap();
    for n in 1..=3 {
        write(
            &idt.join(format!("EnterpriseFiles/EnterpriseFiles.F{n}")),
            &format!("payload {n}\n"),
        );
    }
    let target = dir.join("target.msi");
    build_idt(&idt, &target);
    let full = dir.join("full.mst");
    ok(&[&"transform", &"create", &base, &target, &"-o", &full]);
    let mst = dir.join("adobe-like.mst");
    without_streams(&full, &mst, &["EnterpriseFiles.F2", "EnterpriseFiles.F3"]);

    let show = ok(&[&"transform", &"show", &base, &mst, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    let changes = v["reports"][0]["changes"].as_array().unwrap();
    let inserted: Vec<&serde_json::Value> = changes
        .iter()
        .filter(|c| c["change"] == "row-inserted" && c["table"] == "EnterpriseFiles")
        .collect();
    assert_eq!(inserted.len(), 1, "{show}");
    let skipped: Vec<String> = changes
        .iter()
        .filter(|c| c["change"] == "skipped")
        .map(|c| format!("{} {}", c["condition"], c["key"]))
        .collect();
    assert_eq!(
        skipped,
        [
            r#""missing-stream" ["F2"]"#.to_string(),
            r#""missing-stream" ["F3"]"#.to_string()
        ],
        "{show}"
    );
    let human = ok(&[&"transform", &"show", &base, &mst]);
    assert!(
        human.contains("binary cell 'EnterpriseFiles.F2' has no stream in the transform"),
        "{human}"
    );

    let ours = dir.join("ours.msi");
    ok(&[&"transform", &"apply", &base, &mst, &"-o", &ours]);
    let t = wine::export_tables(&ours);
    assert_eq!(wine::rows(&t, "EnterpriseFiles").len(), 1);
    assert!(
        !t.keys().any(|k| k.contains("F2") || k.contains("F3")),
        "{:?}",
        t.keys()
    );
    let wine_out = dir.join("wine.msi");
    wine::apply_transform(&base, &mst, &wine_out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        wine::rows(&wine::export_tables(&wine_out), "EnterpriseFiles").len(),
        1
    );
    assert_same("binary cells, Wine", &wine_out, &ours);
}

/// `patch view` on a language patch (made by `patch create` from the neutral base and the
/// Russian target, both with the sample's cabinet added by `msibuild -a`): the patched database
/// takes code page 1251 and the Russian strings, as Wine gets them from the patch's transforms
/// (applied to the base already in 1251, since Wine never changes a code page).
#[test]
fn patch_view_of_a_language_patch() {
    let dir = out_dir("patch-view");
    let base_idt = base_idt(&dir);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cab = dir.join("product.cab");
    let o = common::run_msikit(&[
        "cat".as_ref(),
        root.join("testdata/sample.msi").as_os_str(),
        "product.cab".as_ref(),
    ]);
    std::fs::write(&cab, &o.stdout).unwrap();
    let with_cab = |idt: &Path, out: &Path| {
        build_idt(idt, out);
        let s = std::process::Command::new("msibuild")
            .arg(out)
            .args(["-a", "product.cab"])
            .arg(&cab)
            .status()
            .expect("run msibuild");
        assert!(s.success());
    };
    let base = dir.join("base.msi");
    with_cab(&base_idt, &base);
    let (cp, lang, text) = LANGUAGES[6];
    let target = dir.join("target-1251.msi");
    with_cab(
        &localized_idt(&base_idt, &dir.join("idt-1251"), cp, lang, text),
        &target,
    );
    write(
        &dir.join("ru.patch.toml"),
        "[patch]\ncode = \"{6F1C2B3A-4D5E-4F60-8172-93A4B5C6D7E8}\"\nfamily = \"Localization\"\n\
         sequence = \"1.2.3.5\"\nid = \"RU\"\ncabinet = \"RU.cab\"\ndisk_id = 2\n\
         first_sequence = 1000\ntimestamp = 1700000000\n\n[metadata]\nDisplayName = \"Russian\"\n\n\
         [[target]]\nold = \"base.msi\"\nnew = \"target-1251.msi\"\nname = \"RTM.1\"\n",
    );
    let msp = dir.join("ru.msp");
    ok(&[
        &"patch",
        &"create",
        &"--manifest",
        &dir.join("ru.patch.toml"),
        &"-o",
        &msp,
    ]);
    let ours = dir.join("patched.msi");
    let view = ok(&[&"patch", &"view", &base, &msp, &"-o", &ours]);
    assert!(view.contains("0 -> 1251"), "{view}");
    let t = wine::export_tables(&ours);
    assert_eq!(wine::property(&t, "ProductName").as_deref(), Some(text));
    let fc = String::from_utf8_lossy(&t["_ForceCodepage"]).into_owned();
    assert!(fc.contains("1251\t_ForceCodepage"), "{fc:?}");

    let base_cp = dir.join("base-1251.msi");
    with_cab(
        &with_codepage(&base_idt, &dir.join("base-idt-1251"), cp),
        &base_cp,
    );
    let ts = wine::patch_transforms_for(&msp, &base_cp, &dir.join("transforms"));
    assert_eq!(ts.len(), 2, "{ts:?}");
    let refs: Vec<&Path> = ts.iter().map(|p| p.as_path()).collect();
    let wine_out = dir.join("wine.msi");
    wine::apply_transforms(&base_cp, &refs, &wine_out).unwrap_or_else(|e| panic!("{e}"));
    let allow = [
        wine::Allow::Table("_SummaryInformation"),
        wine::Allow::Table(wine::STREAMS),
    ];
    let d = wine::diff_tables(
        &wine::without(&wine::export_tables(&wine_out), &allow),
        &wine::without(&t, &allow),
    );
    assert!(
        d.is_empty(),
        "Wine vs msikit patch view:\n  {}",
        d.join("\n  ")
    );
}

/// The documented departure, pinned: Wine 8's msi.dll applies the Russian transform to the
/// neutral base without taking its code page, so the Russian strings reach the database through
/// its ANSI code page as `?`; the other tables are msikit's.
#[test]
fn wine_keeps_a_neutral_code_page() {
    let dir = out_dir("wine-neutral");
    let base_idt = base_idt(&dir);
    let base = dir.join("base.msi");
    build_idt(&base_idt, &base);
    let ru = language(&dir, &base_idt, &base, &LANGUAGES[6]);
    let wine_out = dir.join("wine.msi");
    wine::apply_transform(&base, &ru.mst, &wine_out).unwrap_or_else(|e| panic!("{e}"));
    let w = wine::export_tables(&wine_out);
    let fc = String::from_utf8_lossy(&w["_ForceCodepage"]).into_owned();
    assert!(fc.contains("\n0\t_ForceCodepage"), "{fc:?}");
    let name = wine::property(&w, "ProductName").unwrap();
    assert!(name.starts_with("????? "), "{name}");
    let ours = dir.join("ours.msi");
    ok(&[&"transform", &"apply", &base, &ru.mst, &"-o", &ours]);
    let allow = [
        wine::Allow::Table("_SummaryInformation"),
        wine::Allow::Table("_ForceCodepage"),
        wine::Allow::Table("ActionText"),
        wine::Allow::Row("Property", "ProductName"),
        wine::Allow::Row("Property", "ARPCOMMENTS"),
    ];
    let d = wine::diff_tables(
        &wine::without(&w, &allow),
        &wine::without(&wine::export_tables(&ours), &allow),
    );
    assert!(d.is_empty(), "{d:?}");
}
