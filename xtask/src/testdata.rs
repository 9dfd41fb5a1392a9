//! `cargo xtask testdata`: small, deterministic test packages in testdata/.
//!
//! sample.msi, sample.msm and the patch database of sample.msp are written by the `msi` crate and
//! edited with `cfb` where the `msi` crate cannot reach (sub-storages, the patch summary). The
//! transforms (sample.mst, and the `RTM.1` / `#RTM.1` storages of sample.msp) are made with the
//! msikit library: sample.msi is loaded as a [`DatabaseModel`], edited, and the difference is
//! generated and written as a transform, as `msikit transform create` does. Every file is finally
//! copied into a fresh CFB version 3 file (512-byte sectors, as Windows writes installer files)
//! with every storage time set to one fixed instant. The `msi` crate itself can only create
//! version 4 files (it calls `cfb::CompoundFile::create`).
//!
//! Nothing reads the clock or a random source, so the same code gives the same bytes: the command
//! builds everything twice and refuses to write if the two builds differ.
//!
//! Afterwards the files are checked with msitools (`msiinfo`), 7-Zip (`7zz l -tCompound`),
//! Python's `olefile`, cabextract, and the release `msikit transform show`, which must apply the
//! transform and both transforms of the patch to sample.msi. (libmsi 0.101's `apply_transform`
//! cannot be used to check the transforms: it keeps two bytes of the UTF-8 table-stream prefix in
//! every table name, so it finds no table.)

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use msi::{Category, CodePage, Column, Insert, LanguageId, Package, PackageType, Value};
use msikit::database::{Database, DatabaseModel, TableData};
use msikit::formats::container::{Container, CLSID_PATCH, CLSID_TRANSFORM};
use msikit::formats::summary::write::SummaryWriter;
use msikit::formats::summary::{pid, ErrorFlags, ValidationFlags, STREAM_NAME as SUMMARY_STREAM};
use msikit::views::transform::generate::generate;
use msikit::views::transform::write::{write_transform, TransformOptions};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{build_msikit, have_program, target_dir, workspace_root, write_atomic, Result};

/// A cell of a msikit [`DatabaseModel`] (the `msi` crate's `Value` is the one for authoring).
type Cell = msikit::formats::tables::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Write the files here instead of testdata/ in the workspace
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Only write the files; skip the checks with msitools, 7-Zip and olefile
    #[arg(long)]
    no_verify: bool,
}

// ------------------------------------------------------------------------------------------------
// Fixed identities and times

/// Every timestamp in every file: 2025-01-01 12:00:00 UTC.
const FIXED_UNIX_SECS: u64 = 1_735_732_800;

fn fixed_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(FIXED_UNIX_SECS)
}

/// The same instant as a FILETIME (100 ns units since 1601-01-01 UTC), for summary properties.
const FIXED_FILETIME: u64 = 116_444_736_000_000_000 + FIXED_UNIX_SECS * 10_000_000;

const PRODUCT_CODE: &str = "{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9}";
const UPGRADE_CODE: &str = "{11111111-2222-4333-8444-555555555555}";
const PRODUCT_VERSION: &str = "1.2.3.4";
const PATCHED_VERSION: &str = "1.2.4.0";
const MANUFACTURER: &str = "Contoso Ltd.";
const PRODUCT_NAME: &str = "Contoso Widget";
/// Summary PID 9 of sample.msi.
const MSI_PACKAGE_CODE: &str = "3C8E6F20-5B1A-4D7E-9F2C-1A2B3C4D5E6F";
/// The merge module's GUID: summary PID 9 and the suffix of its keys.
const MODULE_GUID: &str = "5D4C3B2A-1908-4F7E-A6D5-C4B3A2918070";
const PATCH_CODE: &str = "{A1B2C3D4-E5F6-4789-9ABC-DEF012345678}";
/// The patch this patch obsoletes (follows PATCH_CODE in summary PID 9).
const OBSOLETED_PATCH_CODE: &str = "{B7C8D9E0-F1A2-4B3C-8D4E-5F60718293A4}";
/// PATCHNEWPACKAGECODE set by the paired transform.
const PATCHED_PACKAGE_CODE: &str = "{6A7B8C9D-0E1F-4A2B-9C3D-4E5F60718293}";

/// The validation (high word of PID 16) of every transform here: upgrade code, product code,
/// and ProductVersion equal to the base's up to the third field.
const TRANSFORM_VALIDATION: u16 = ValidationFlags::UPGRADE_CODE
    | ValidationFlags::NEW_EQUAL_BASE_VERSION
    | ValidationFlags::UPDATE_VERSION
    | ValidationFlags::PRODUCT;
/// The suppressed error conditions (low word of PID 16): MsiTran's a-e (not change-codepage).
const TRANSFORM_ERRORS: u16 = ErrorFlags::ADD_EXISTING_ROW
    | ErrorFlags::DELETE_MISSING_ROW
    | ErrorFlags::ADD_EXISTING_TABLE
    | ErrorFlags::DELETE_MISSING_TABLE
    | ErrorFlags::UPDATE_MISSING_ROW;
const _: () = assert!(TRANSFORM_VALIDATION == 0x0922 && TRANSFORM_ERRORS == 0x001F);

/// The payload of sample.msi: File key, component, FileName, contents, Version, Language.
struct Payload<'a> {
    key: &'a str,
    component: &'a str,
    file_name: &'a str,
    data: &'a [u8],
    version: Option<&'a str>,
    language: Option<&'a str>,
}

const PAYLOAD: [Payload<'static>; 5] = [
    Payload {
        key: "filWidgetExe",
        component: "cmpWidgetExe",
        file_name: "WIDGET.EXE|widget.exe",
        data: b"MZ\x90\x00 Contoso Widget 1.2.3.4 (not a real program)\r\n",
        version: Some(PRODUCT_VERSION),
        language: Some("1033"),
    },
    Payload {
        key: "filWidgetCore",
        component: "cmpWidgetCore",
        file_name: "WIDGET~1.DLL|widget-core.dll",
        data: b"MZ\x90\x00 Contoso Widget core library 1.2.3.4\r\n",
        version: Some(PRODUCT_VERSION),
        language: Some("1033"),
    },
    Payload {
        key: "filReadme",
        component: "cmpDocs",
        file_name: "README.TXT|readme.txt",
        data: b"Contoso Widget\r\n\r\nThank you for installing the widget.\r\n",
        version: None,
        language: None,
    },
    Payload {
        key: "filLicense",
        component: "cmpDocs",
        file_name: "LICENSE.RTF|license.rtf",
        data: b"{\\rtf1\\ansi Contoso Widget licence: test data only.\\par}\r\n",
        version: None,
        language: None,
    },
    Payload {
        key: "filConfig",
        component: "cmpConfig",
        file_name: "WIDGET.INI|widget.ini",
        data: b"[widget]\r\nspeed=fast\r\n",
        version: None,
        language: None,
    },
];

/// The new widget.exe carried by the patch (1.2.4.0).
const PATCHED_EXE: &[u8] = b"MZ\x90\x00 Contoso Widget 1.2.4.0 (not a real program, patched)\r\n";

/// The bytes of the one Binary table row.
const BINARY_DATA: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 widget helper";

/// Bytes that are no compound file (they look random but never change).
const NOT_AN_INSTALLER: [u8; 64] = [
    0x7f, 0x3a, 0xc2, 0x19, 0x5e, 0xd0, 0x88, 0x41, 0x0b, 0xe6, 0x27, 0x94, 0xfd, 0x52, 0x6c, 0x13,
    0xa9, 0x30, 0x77, 0xce, 0x05, 0xbb, 0x4f, 0xe1, 0x68, 0x9a, 0x2d, 0xf4, 0x16, 0x83, 0xd7, 0x5c,
    0x3e, 0xaf, 0x90, 0x01, 0x6b, 0xc8, 0x24, 0x7d, 0xe9, 0x4a, 0xb5, 0x12, 0x8e, 0x37, 0xf0, 0x65,
    0xd2, 0x0c, 0x59, 0xa6, 0x1b, 0x84, 0xee, 0x43, 0x7a, 0xc1, 0x36, 0x9f, 0x08, 0xdb, 0x50, 0x2e,
];

/// truncated.msi is this many leading bytes of sample.msi.
const TRUNCATED_LEN: usize = 1536;

// ------------------------------------------------------------------------------------------------
// The command

pub fn run(a: Args) -> Result<()> {
    let dir = a
        .out_dir
        .clone()
        .unwrap_or_else(|| workspace_root().join("testdata"));
    let files = build_all()?;
    // Determinism: a second build must give the same bytes.
    let again = build_all()?;
    for ((name, first), (_, second)) in files.iter().zip(&again) {
        if first != second {
            return Err(format!(
                "{name} differs between two builds in one run: something reads the clock or a \
                 random source"
            )
            .into());
        }
    }
    println!("== writing {}", dir.display());
    for (name, bytes) in &files {
        let path = dir.join(name);
        write_atomic(&path, bytes)?;
        println!(
            "{:>8} bytes  sha256 {}  {name}",
            bytes.len(),
            sha256_hex(bytes)
        );
    }
    println!("(two builds in this run gave identical bytes)");
    // The Exchange Server 2007 look-alike set (testdata/exchange2007), from its manifests.
    if a.out_dir.is_none() {
        crate::exchange::run(&workspace_root())?;
    }
    if a.no_verify {
        return Ok(());
    }
    verify(&dir)
}

/// All test files, in the order they are written.
fn build_all() -> Result<Vec<(&'static str, Vec<u8>)>> {
    let msi = sample_msi()?;
    let truncated = msi[..TRUNCATED_LEN.min(msi.len())].to_vec();
    // The transforms start from sample.msi as msikit reads it.
    let base = load_model("sample.msi", &msi)?;
    Ok(vec![
        ("sample.msi", msi),
        ("sample.msm", sample_msm()?),
        ("sample.msp", sample_msp(&base)?),
        ("sample.mst", sample_mst(&base)?),
        ("not-an-installer.bin", NOT_AN_INSTALLER.to_vec()),
        ("truncated.msi", truncated),
    ])
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Small helpers for rows

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn i(v: i32) -> Value {
    Value::Int(v)
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, s)
}

type Msi = Package<Cursor<Vec<u8>>>;

fn table(pkg: &mut Msi, name: &str, columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Result<()> {
    pkg.create_table(name, columns)
        .map_err(|e| format!("msi crate: creating table {name}: {e}"))?;
    if !rows.is_empty() {
        pkg.insert_rows(Insert::into(name).rows(rows))
            .map_err(|e| format!("msi crate: inserting into {name}: {e}"))?;
    }
    Ok(())
}

fn stream(pkg: &mut Msi, name: &str, data: &[u8]) -> Result<()> {
    let mut w = pkg
        .write_stream(name)
        .map_err(|e| format!("msi crate: creating stream {name}: {e}"))?;
    w.write_all(data)
        .map_err(|e| format!("msi crate: writing stream {name}: {e}"))?;
    Ok(())
}

/// A new database with code page 1252 (string pool and summary) and the summary fields every
/// package here shares.
fn new_package(kind: PackageType, arch: &str) -> Result<Msi> {
    let mut pkg = Package::create(kind, Cursor::new(Vec::new()))
        .map_err(|e| format!("msi crate: creating a package: {e}"))?;
    pkg.set_database_codepage(CodePage::Windows1252);
    let si = pkg.summary_info_mut();
    si.set_codepage(CodePage::Windows1252);
    si.set_author(MANUFACTURER);
    si.set_arch(arch);
    si.set_languages(&[LanguageId::from_id(1033)]);
    si.set_creation_time(fixed_time());
    si.set_last_save_time(fixed_time());
    si.set_creating_application("msikit xtask testdata");
    Ok(pkg)
}

fn into_bytes(pkg: Msi) -> Result<Vec<u8>> {
    Ok(pkg
        .into_inner()
        .map_err(|e| format!("msi crate: finishing the package: {e}"))?
        .into_inner())
}

/// A cabinet (MSZIP, one folder) holding `files` under their names, dated `fixed_time()`.
fn cabinet(files: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    let date = time::Date::from_calendar_date(2025, time::Month::January, 1)
        .map_err(|e| format!("cabinet date: {e}"))?;
    let datetime = time::PrimitiveDateTime::new(date, time::Time::from_hms(12, 0, 0)?);
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    for (name, _) in files {
        folder.add_file(*name).set_datetime(datetime);
    }
    let mut writer = builder
        .build(Cursor::new(Vec::new()))
        .map_err(|e| format!("cab crate: {e}"))?;
    let mut next = files.iter();
    while let Some(mut file) = writer.next_file().map_err(|e| format!("cab crate: {e}"))? {
        let (_, data) = next
            .next()
            .ok_or("cab crate asked for more files than it was given")?;
        file.write_all(data)
            .map_err(|e| format!("cab crate: writing {}: {e}", file.file_name()))?;
    }
    Ok(writer
        .finish()
        .map_err(|e| format!("cab crate: {e}"))?
        .into_inner())
}

// ------------------------------------------------------------------------------------------------
// Table schemas (as in the Windows Installer SDK)

fn directory_columns() -> Vec<Column> {
    vec![
        Column::build("Directory").primary_key().id_string(72),
        Column::build("Directory_Parent")
            .nullable()
            .foreign_key("Directory", 1)
            .id_string(72),
        Column::build("DefaultDir")
            .localizable()
            .category(Category::DefaultDir)
            .string(255),
    ]
}

fn component_columns() -> Vec<Column> {
    vec![
        Column::build("Component").primary_key().id_string(72),
        Column::build("ComponentId")
            .nullable()
            .category(Category::Guid)
            .string(38),
        Column::build("Directory_")
            .foreign_key("Directory", 1)
            .id_string(72),
        Column::build("Attributes").int16(),
        Column::build("Condition")
            .nullable()
            .category(Category::Condition)
            .string(255),
        Column::build("KeyPath")
            .nullable()
            .foreign_key("File", 1)
            .id_string(72),
    ]
}

fn file_columns() -> Vec<Column> {
    vec![
        Column::build("File").primary_key().id_string(72),
        Column::build("Component_")
            .foreign_key("Component", 1)
            .id_string(72),
        Column::build("FileName")
            .localizable()
            .category(Category::Filename)
            .string(255),
        Column::build("FileSize").range(0, i32::MAX).int32(),
        Column::build("Version")
            .nullable()
            .category(Category::Version)
            .string(72),
        Column::build("Language")
            .nullable()
            .category(Category::Language)
            .string(20),
        Column::build("Attributes")
            .nullable()
            .range(0, 32767)
            .int16(),
        Column::build("Sequence").range(1, i32::MAX).int32(),
    ]
}

/// A File row; every file is msidbFileAttributesVital (512).
fn file_row(p: &Payload, sequence: i32) -> Vec<Value> {
    vec![
        s(p.key),
        s(p.component),
        s(p.file_name),
        i(p.data.len() as i32),
        opt(p.version),
        opt(p.language),
        i(512),
        i(sequence),
    ]
}

fn media_columns() -> Vec<Column> {
    vec![
        Column::build("DiskId")
            .primary_key()
            .range(1, 32767)
            .int16(),
        Column::build("LastSequence").range(0, i32::MAX).int32(),
        Column::build("DiskPrompt")
            .nullable()
            .localizable()
            .text_string(64),
        Column::build("Cabinet")
            .nullable()
            .category(Category::Cabinet)
            .string(255),
        Column::build("VolumeLabel").nullable().text_string(32),
        Column::build("Source")
            .nullable()
            .category(Category::Property)
            .string(72),
    ]
}

// ------------------------------------------------------------------------------------------------
// sample.msi

fn sample_msi() -> Result<Vec<u8>> {
    let mut pkg = new_package(PackageType::Installer, "x64")?;
    {
        let si = pkg.summary_info_mut();
        si.set_title("Installation Database");
        si.set_subject(PRODUCT_NAME);
        si.set_keywords(&[
            "Installer".to_string(),
            "MSI".to_string(),
            "Database".to_string(),
        ]);
        si.set_comments("This installer database contains the logic and data required to install Contoso Widget.");
        si.set_uuid(Uuid::parse_str(MSI_PACKAGE_CODE)?);
        si.set_page_count(200); // Windows Installer 2.0: needed for x64
        si.set_word_count(2); // long file names, compressed
        si.set_doc_security(2); // read-only recommended
    }

    table(
        &mut pkg,
        "Property",
        vec![
            Column::build("Property").primary_key().id_string(72),
            Column::build("Value").localizable().text_string(0),
        ],
        vec![
            vec![s("ProductCode"), s(PRODUCT_CODE)],
            vec![s("ProductName"), s(PRODUCT_NAME)],
            vec![s("ProductVersion"), s(PRODUCT_VERSION)],
            vec![s("Manufacturer"), s(MANUFACTURER)],
            vec![s("ProductLanguage"), s("1033")],
            vec![s("UpgradeCode"), s(UPGRADE_CODE)],
            vec![s("ALLUSERS"), s("1")],
            // A non-ASCII Windows-1252 character (é is 0xE9 in the string pool).
            vec![s("ARPCOMMENTS"), s("Café edition")],
            vec![
                s("ARPURLINFOABOUT"),
                s("https://www.contoso.example/widget"),
            ],
        ],
    )?;

    table(
        &mut pkg,
        "Directory",
        directory_columns(),
        vec![
            vec![s("TARGETDIR"), Value::Null, s("SourceDir")],
            vec![s("ProgramFiles64Folder"), s("TARGETDIR"), s(".")],
            vec![
                s("INSTALLDIR"),
                s("ProgramFiles64Folder"),
                s("WIDGET~1|Widget Suite"),
            ],
            vec![s("BINDIR"), s("INSTALLDIR"), s("bin")],
            vec![s("DOCDIR"), s("INSTALLDIR"), s("DOCUME~1|Documentation")],
        ],
    )?;

    // msidbComponentAttributes64bit = 256.
    table(
        &mut pkg,
        "Component",
        component_columns(),
        vec![
            vec![
                s("cmpWidgetExe"),
                s("{8D0E2F41-6A3B-4C5D-9E7F-102132435465}"),
                s("BINDIR"),
                i(256),
                Value::Null,
                s("filWidgetExe"),
            ],
            vec![
                s("cmpWidgetCore"),
                s("{9E1F3052-7B4C-4D6E-8F90-213243546576}"),
                s("BINDIR"),
                i(256),
                Value::Null,
                s("filWidgetCore"),
            ],
            vec![
                s("cmpDocs"),
                s("{AF204163-8C5D-4E7F-9A01-324354657687}"),
                s("DOCDIR"),
                i(256),
                Value::Null,
                s("filReadme"),
            ],
            vec![
                s("cmpConfig"),
                s("{B0315274-9D6E-4F80-8B12-435465768798}"),
                s("INSTALLDIR"),
                i(256),
                s("NOT WIDGET_NOCONFIG"),
                s("filConfig"),
            ],
        ],
    )?;

    table(
        &mut pkg,
        "Feature",
        vec![
            Column::build("Feature").primary_key().id_string(38),
            Column::build("Feature_Parent")
                .nullable()
                .foreign_key("Feature", 1)
                .id_string(38),
            Column::build("Title")
                .nullable()
                .localizable()
                .text_string(64),
            Column::build("Description")
                .nullable()
                .localizable()
                .text_string(255),
            Column::build("Display").nullable().range(0, 32767).int16(),
            Column::build("Level").range(0, 32767).int16(),
            Column::build("Directory_")
                .nullable()
                .foreign_key("Directory", 1)
                .category(Category::UpperCase)
                .id_string(72),
            Column::build("Attributes").int16(),
        ],
        vec![
            vec![
                s("Complete"),
                Value::Null,
                s(PRODUCT_NAME),
                s("The complete package."),
                i(1),
                i(1),
                s("INSTALLDIR"),
                i(0),
            ],
            vec![
                s("Docs"),
                s("Complete"),
                s("Documentation"),
                s("The readme and the licence."),
                i(2),
                i(1),
                Value::Null,
                i(0),
            ],
        ],
    )?;

    table(
        &mut pkg,
        "FeatureComponents",
        vec![
            Column::build("Feature_")
                .primary_key()
                .foreign_key("Feature", 1)
                .id_string(38),
            Column::build("Component_")
                .primary_key()
                .foreign_key("Component", 1)
                .id_string(72),
        ],
        vec![
            vec![s("Complete"), s("cmpWidgetExe")],
            vec![s("Complete"), s("cmpWidgetCore")],
            vec![s("Complete"), s("cmpConfig")],
            vec![s("Docs"), s("cmpDocs")],
        ],
    )?;

    let rows = PAYLOAD
        .iter()
        .zip(1..)
        .map(|(p, seq)| file_row(p, seq))
        .collect();
    table(&mut pkg, "File", file_columns(), rows)?;

    table(
        &mut pkg,
        "Media",
        media_columns(),
        vec![vec![
            i(1),
            i(PAYLOAD.len() as i32),
            Value::Null,
            s("#product.cab"),
            Value::Null,
            Value::Null,
        ]],
    )?;

    table(
        &mut pkg,
        "Binary",
        vec![
            Column::build("Name").primary_key().id_string(72),
            Column::build("Data").binary(),
        ],
        vec![vec![s("WidgetHelper"), Value::Binary]],
    )?;
    // A Binary cell's data lives in the stream `Table.Key`.
    stream(&mut pkg, "Binary.WidgetHelper", BINARY_DATA)?;

    let files: Vec<(&str, &[u8])> = PAYLOAD.iter().map(|p| (p.key, p.data)).collect();
    stream(&mut pkg, "product.cab", &cabinet(&files)?)?;

    finish_v3(into_bytes(pkg)?, |_| Ok(()))
}

// ------------------------------------------------------------------------------------------------
// sample.msm

fn sample_msm() -> Result<Vec<u8>> {
    let module = MODULE_GUID.replace('-', "_");
    let module_id = format!("WidgetCore.{module}");
    let component = format!("cmpCore.{module}");
    let file_key = format!("filCore.{module}");
    let dir = format!("WidgetCoreDir.{module}");
    let data: &[u8] = b"MZ\x90\x00 Contoso Widget core module 1.2.3.4\r\n";

    let mut pkg = new_package(PackageType::Installer, "x64")?;
    {
        let si = pkg.summary_info_mut();
        si.set_title("Merge Module");
        si.set_subject("Contoso Widget Core");
        si.set_keywords(&[
            "MergeModule".to_string(),
            "MSI".to_string(),
            "Database".to_string(),
        ]);
        si.set_comments("This merge module contains the logic and data required to install Contoso Widget Core.");
        si.set_uuid(Uuid::parse_str(MODULE_GUID)?);
        si.set_page_count(200);
        si.set_word_count(2);
        si.set_doc_security(2);
    }

    table(
        &mut pkg,
        "ModuleSignature",
        vec![
            Column::build("ModuleID").primary_key().id_string(72),
            Column::build("Language").primary_key().int16(),
            Column::build("Version")
                .category(Category::Version)
                .string(32),
        ],
        vec![vec![s(&module_id), i(1033), s(PRODUCT_VERSION)]],
    )?;

    table(
        &mut pkg,
        "ModuleComponents",
        vec![
            Column::build("Component").primary_key().id_string(72),
            Column::build("ModuleID")
                .primary_key()
                .foreign_key("ModuleSignature", 1)
                .id_string(72),
            Column::build("Language").primary_key().int16(),
        ],
        vec![vec![s(&component), s(&module_id), i(1033)]],
    )?;

    table(
        &mut pkg,
        "Directory",
        directory_columns(),
        vec![
            vec![s("TARGETDIR"), Value::Null, s("SourceDir")],
            vec![s(&dir), s("TARGETDIR"), s("WIDGET~1|Widget Suite")],
        ],
    )?;

    table(
        &mut pkg,
        "Component",
        component_columns(),
        vec![vec![
            s(&component),
            s("{C1426385-AE7F-4091-9C23-546576879809}"),
            s(&dir),
            i(256),
            Value::Null,
            s(&file_key),
        ]],
    )?;

    let core = Payload {
        key: &file_key,
        component: &component,
        file_name: "CORE.DLL|widget-core.dll",
        data,
        version: Some(PRODUCT_VERSION),
        language: Some("1033"),
    };
    table(&mut pkg, "File", file_columns(), vec![file_row(&core, 1)])?;

    // A merge module carries its files in the stream MergeModule.CABinet.
    stream(
        &mut pkg,
        "MergeModule.CABinet",
        &cabinet(&[(file_key.as_str(), data)])?,
    )?;

    finish_v3(into_bytes(pkg)?, |_| Ok(()))
}

// ------------------------------------------------------------------------------------------------
// sample.msp

/// A patch for sample.msi: the patch database (metadata, sequence, cabinet) and the transform
/// storages `RTM.1` and `#RTM.1`.
fn sample_msp(base: &DatabaseModel) -> Result<Vec<u8>> {
    let mut pkg = Package::create(PackageType::Patch, Cursor::new(Vec::new()))
        .map_err(|e| format!("msi crate: creating a patch: {e}"))?;
    pkg.set_database_codepage(CodePage::Windows1252);
    pkg.summary_info_mut().set_codepage(CodePage::Windows1252);

    let metadata = [
        ("DisplayName", "Contoso Widget 1.2.4.0 Update"),
        ("Description", "Fixes the widget speed setting."),
        ("KBArticle Number", "KB123456"),
        ("Classification", "Update"),
        ("AllowRemoval", "1"),
        ("MoreInfoURL", "https://support.contoso.example/kb/123456"),
        ("ManufacturerName", MANUFACTURER),
    ];
    table(
        &mut pkg,
        "MsiPatchMetadata",
        vec![
            Column::build("Company")
                .primary_key()
                .nullable()
                .id_string(72),
            // "KBArticle Number" has a space, so this is Text, not Identifier.
            Column::build("Property").primary_key().text_string(72),
            Column::build("Value").localizable().text_string(0),
        ],
        metadata
            .iter()
            .map(|(k, v)| vec![Value::Null, s(k), s(v)])
            .collect(),
    )?;

    table(
        &mut pkg,
        "MsiPatchSequence",
        vec![
            Column::build("PatchFamily").primary_key().id_string(72),
            Column::build("ProductCode")
                .primary_key()
                .nullable()
                .category(Category::Guid)
                .string(38),
            Column::build("Sequence")
                .category(Category::Version)
                .string(72),
            Column::build("Attributes").nullable().int32(),
        ],
        vec![vec![s("Widget"), s(PRODUCT_CODE), s(PATCHED_VERSION), i(0)]],
    )?;

    // The patch cabinet: PatchWiz names it PCW_CAB_<family>.
    stream(
        &mut pkg,
        "PCW_CAB_Widget",
        &cabinet(&[("filWidgetExe", PATCHED_EXE)])?,
    )?;

    let mut summary = SummaryWriter::new(1252);
    summary
        .string(pid::TITLE, "Patch")?
        .string(pid::SUBJECT, "Contoso Widget 1.2.4.0 Update")?
        .string(pid::AUTHOR, MANUFACTURER)?
        .string(pid::KEYWORDS, "Installer,Patching,PCP,Database")?
        .string(
            pid::COMMENTS,
            "This patch contains the logic and data required to install Contoso Widget 1.2.4.0.",
        )?
        // Target ProductCodes.
        .string(pid::TEMPLATE, PRODUCT_CODE)?
        // Transform sub-storages, in the order they are applied.
        .string(pid::LAST_SAVED_BY, ":RTM.1;:#RTM.1")?
        // Patch code, then the obsoleted patch codes with no delimiter.
        .string(
            pid::REVISION_NUMBER,
            &format!("{PATCH_CODE}{OBSOLETED_PATCH_CODE}"),
        )?
        .filetime(pid::CREATE_TIME, FIXED_FILETIME)
        .filetime(pid::LAST_SAVE_TIME, FIXED_FILETIME)
        .int32(pid::WORD_COUNT, 4) // Windows Installer 3.0
        .string(pid::CREATING_APPLICATION, "msikit xtask testdata")?
        .int32(pid::SECURITY, 4);
    let summary = summary.to_bytes();

    // RTM.1 takes sample.msi to 1.2.4.0; #RTM.1 then adds what patching needs.
    let updated = updated_model(base)?;
    let patched = patched_model(&updated)?;
    let main = transform(base, &updated)?;
    let paired = transform(&updated, &patched)?;

    finish_v3(into_bytes(pkg)?, |cf| {
        if *cf.root_entry().clsid() != CLSID_PATCH {
            return Err(format!(
                "the msi crate gave the patch root CLSID {}, not {CLSID_PATCH}",
                cf.root_entry().clsid()
            )
            .into());
        }
        // The msi crate's summary has the shapes of an installation database; replace it.
        put_stream(cf, &format!("/{SUMMARY_STREAM}"), &summary)?;
        for (name, xf) in [("RTM.1", &main), ("#RTM.1", &paired)] {
            let dir = format!("/{name}");
            cf.create_storage(&dir)
                .map_err(|e| format!("cfb: creating storage {dir}: {e}"))?;
            cf.set_storage_clsid(&dir, CLSID_TRANSFORM)
                .map_err(|e| format!("cfb: setting the CLSID of {dir}: {e}"))?;
            copy_streams(xf, cf, &dir)?;
        }
        Ok(())
    })
}

/// sample.msi as the patch's main transform leaves it: ProductVersion 1.2.4.0 and the new
/// widget.exe's size and version.
fn updated_model(base: &DatabaseModel) -> Result<DatabaseModel> {
    let mut m = base.clone();
    *cell(&mut m, "Property", "ProductVersion", "Value")? = text(PATCHED_VERSION);
    *cell(&mut m, "File", "filWidgetExe", "FileSize")? =
        Cell::Int(i32::try_from(PATCHED_EXE.len())?);
    *cell(&mut m, "File", "filWidgetExe", "Version")? = text(PATCHED_VERSION);
    Ok(m)
}

/// What the paired transform adds for patching: media for the patch cabinet, widget.exe marked
/// PatchAdded (0x1000) at sequence 1001 (within that media), and the new package code and
/// subject.
fn patched_model(updated: &DatabaseModel) -> Result<DatabaseModel> {
    let mut m = updated.clone();
    // DiskId, LastSequence, DiskPrompt, Cabinet, VolumeLabel, Source.
    insert_row(
        &mut m,
        "Media",
        vec![
            Cell::Int(2),
            Cell::Int(1001),
            Cell::Null,
            text("#PCW_CAB_Widget"),
            Cell::Null,
            text("PATCHMEDIA_Widget"),
        ],
    )?;
    let attributes = cell(&mut m, "File", "filWidgetExe", "Attributes")?;
    *attributes = match attributes {
        Cell::Int(a) => Cell::Int(*a | 0x1000),
        other => return Err(format!("widget.exe's File.Attributes is {other:?}").into()),
    };
    *cell(&mut m, "File", "filWidgetExe", "Sequence")? = Cell::Int(1001);
    insert_row(
        &mut m,
        "Property",
        vec![text("PATCHNEWPACKAGECODE"), text(PATCHED_PACKAGE_CODE)],
    )?;
    insert_row(
        &mut m,
        "Property",
        vec![
            text("PATCHNEWSUMMARYSUBJECT"),
            text("Contoso Widget 1.2.4.0"),
        ],
    )?;
    Ok(m)
}

// ------------------------------------------------------------------------------------------------
// sample.mst

/// A customisation transform for sample.msi (same version before and after): one update, one
/// insert and one delete in Property, and the Docs feature switched off.
fn sample_mst(base: &DatabaseModel) -> Result<Vec<u8>> {
    let mut m = base.clone();
    *cell(&mut m, "Property", "ARPCOMMENTS", "Value")? = text("Café edition, customised");
    insert_row(
        &mut m,
        "Property",
        vec![text("WIDGETSERVER"), text("widgets.contoso.example")],
    )?;
    delete_row(&mut m, "Property", "ARPURLINFOABOUT")?;
    *cell(&mut m, "Feature", "Docs", "Level")? = Cell::Int(0); // not installed
    finish_v3(transform(base, &m)?, |_| Ok(()))
}

// ------------------------------------------------------------------------------------------------
// Transforms, made by the msikit library

/// The model msikit reads from a database's bytes.
fn load_model(name: &str, bytes: &[u8]) -> Result<DatabaseModel> {
    let c = Container::from_bytes(name, bytes.to_vec())?;
    let db = Database::open(&c)?;
    Ok(DatabaseModel::load(&db)?)
}

/// The transform file from `base` to `target`, as `msikit transform create` writes it.
fn transform(base: &DatabaseModel, target: &DatabaseModel) -> Result<Vec<u8>> {
    let plan = generate(base, target)?;
    let options = TransformOptions {
        validation: ValidationFlags(TRANSFORM_VALIDATION),
        errors: ErrorFlags(TRANSFORM_ERRORS),
    };
    Ok(write_transform(&plan, base, target, &options)?)
}

fn text(v: &str) -> Cell {
    Cell::Str(v.to_string())
}

fn model_table<'m>(m: &'m mut DatabaseModel, table: &str) -> Result<&'m mut TableData> {
    m.table_mut(table)
        .ok_or_else(|| format!("sample.msi has no table {table}").into())
}

/// The index of the row of `t` whose (single) primary key is `key`.
fn row_index(t: &TableData, key: &str) -> Result<usize> {
    t.find(&[&text(key)])
        .ok_or_else(|| format!("table {} has no row {key}", t.def.name).into())
}

/// The cell in `column` of the row whose (single) primary key is `key`.
fn cell<'m>(
    m: &'m mut DatabaseModel,
    table: &str,
    key: &str,
    column: &str,
) -> Result<&'m mut Cell> {
    let t = model_table(m, table)?;
    let c = t
        .def
        .columns
        .iter()
        .position(|c| c.name == column)
        .ok_or_else(|| format!("table {table} has no column {column}"))?;
    let r = row_index(t, key)?;
    Ok(&mut t.rows[r][c])
}

fn insert_row(m: &mut DatabaseModel, table: &str, row: Vec<Cell>) -> Result<()> {
    let t = model_table(m, table)?;
    if row.len() != t.def.columns.len() {
        return Err(format!(
            "a row of {} cells for table {table}, which has {} columns",
            row.len(),
            t.def.columns.len()
        )
        .into());
    }
    t.rows.push(row);
    Ok(())
}

fn delete_row(m: &mut DatabaseModel, table: &str, key: &str) -> Result<()> {
    let t = model_table(m, table)?;
    let r = row_index(t, key)?;
    t.rows.remove(r);
    Ok(())
}

/// Copies every stream of the compound file `bytes` (a transform written by msikit, which has
/// only streams) into the storage `dir` of `dst`, under the same raw names.
fn copy_streams(bytes: &[u8], dst: &mut Cfb, dir: &str) -> Result<()> {
    let mut src = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| format!("cfb: opening a generated transform: {e}"))?;
    let entries: Vec<(String, bool)> = src
        .read_root_storage()
        .map(|e| (e.name().to_string(), e.is_stream()))
        .collect();
    for (name, is_stream) in entries {
        if !is_stream {
            return Err(format!("the generated transform has a storage {name:?}").into());
        }
        let mut data = Vec::new();
        src.open_stream(format!("/{name}"))
            .and_then(|mut s| s.read_to_end(&mut data))
            .map_err(|e| format!("cfb: reading {name:?} of a generated transform: {e}"))?;
        put_stream(dst, &format!("{dir}/{name}"), &data)?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Compound-file finishing

type Cfb = cfb::CompoundFile<Cursor<Vec<u8>>>;

fn put_stream(cf: &mut Cfb, path: &str, data: &[u8]) -> Result<()> {
    let mut s = cf
        .create_stream(path)
        .map_err(|e| format!("cfb: creating stream {path:?}: {e}"))?;
    s.write_all(data)
        .map_err(|e| format!("cfb: writing stream {path:?}: {e}"))?;
    Ok(())
}

/// Opens `bytes` with cfb, lets `edit` change it, then copies every storage and stream into a
/// new CFB version 3 file, keeping CLSIDs and state bits, with storage times set to
/// `fixed_time()` (the root's creation time stays zero, as the CFB specification requires).
fn finish_v3(bytes: Vec<u8>, edit: impl FnOnce(&mut Cfb) -> Result<()>) -> Result<Vec<u8>> {
    let mut src = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| format!("cfb: reopening a file to finish: {e}"))?;
    edit(&mut src)?;
    src.flush().map_err(|e| format!("cfb: {e}"))?;

    let entries: Vec<cfb::Entry> = src.walk().collect();
    let mut dst = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
        .map_err(|e| format!("cfb: {e}"))?;
    for e in &entries {
        let path = e.path();
        if e.is_stream() {
            let mut data = Vec::new();
            src.open_stream(path)
                .and_then(|mut s| s.read_to_end(&mut data))
                .map_err(|err| format!("cfb: reading {path:?}: {err}"))?;
            let mut out = dst
                .create_stream(path)
                .map_err(|err| format!("cfb: creating {path:?}: {err}"))?;
            out.write_all(&data)
                .map_err(|err| format!("cfb: writing {path:?}: {err}"))?;
        } else if !e.is_root() {
            dst.create_storage(path)
                .map_err(|err| format!("cfb: creating storage {path:?}: {err}"))?;
        }
    }
    for e in &entries {
        let path = e.path();
        let meta = |err: std::io::Error| format!("cfb: setting metadata of {path:?}: {err}");
        dst.set_state_bits(path, e.state_bits()).map_err(meta)?;
        if !e.is_stream() {
            dst.set_storage_clsid(path, *e.clsid()).map_err(meta)?;
            if !e.is_root() {
                dst.set_created_time(path, fixed_time()).map_err(meta)?;
            }
            dst.set_modified_time(path, fixed_time()).map_err(meta)?;
        }
    }
    dst.flush().map_err(|e| format!("cfb: {e}"))?;
    let out = dst.into_inner().into_inner();
    // Our own output must pass cfb's strict reader.
    cfb::CompoundFile::open_strict(Cursor::new(&out))
        .map_err(|e| format!("cfb's strict reader rejects the file just written: {e}"))?;
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// Verification with the real tools

/// What a check found.
enum Outcome {
    Ok,
    Refused(String),
    Skipped(String),
}

struct Report {
    rows: Vec<(String, Outcome)>,
}

impl Report {
    fn add(&mut self, what: String, outcome: Outcome) {
        self.rows.push((what, outcome));
    }
}

/// Runs a command and prints its output indented; refusals are what it printed on stderr.
fn check(cmd: &mut Command, show: bool) -> (Outcome, String) {
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return (
                Outcome::Refused(format!("could not run: {e}")),
                String::new(),
            )
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if show {
        // (msiinfo ends the _ForceCodepage export with a NUL byte; show it visibly.)
        for line in stdout.lines() {
            println!("    {}", line.replace('\0', "\\0"));
        }
    }
    if out.status.success() {
        (Outcome::Ok, stdout)
    } else {
        let mut msg = stderr.trim().replace('\n', " | ");
        if msg.is_empty() {
            msg = stdout.lines().last().unwrap_or("").to_string();
        }
        (Outcome::Refused(format!("{}: {msg}", out.status)), stdout)
    }
}

/// Debian's python3 (it has python3-olefile); a pyenv python3 on PATH may not.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").is_file() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// Lists every storage and stream (names decoded with the MSI packing, independently of the Rust
/// encoder) and every summary stream, through olefile.
const OLEFILE_SCRIPT: &str = r#"
import sys, olefile
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
def decode(name):
    out, prefix = [], ""
    if name and ord(name[0]) == 0x4840:
        prefix, name = "!", name[1:]
    for ch in name:
        c = ord(ch)
        if 0x3800 <= c < 0x4800:
            out += [ALPHABET[(c - 0x3800) & 0x3F], ALPHABET[(c - 0x3800) >> 6]]
        elif 0x4800 <= c < 0x4840:
            out.append(ALPHABET[c - 0x4800])
        else:
            out.append(ch)
    return prefix + "".join(out).encode("unicode_escape").decode("ascii")
for path in sys.argv[1:]:
    ole = olefile.OleFileIO(path)
    print("%s: CFB v%d, root CLSID %s" % (path.rsplit("/", 1)[-1], ole.dll_version, ole.root.clsid))
    for entry in ole.listdir(streams=True, storages=True):
        name = "/".join(entry)
        shown = "/".join(decode(part) for part in entry)
        if ole.get_type(name) == olefile.STGTY_STORAGE:
            print("    storage %-32s CLSID %s" % (shown, ole.getclsid(name)))
        else:
            print("    stream  %-32s %6d bytes" % (shown, ole.get_size(name)))
    for entry in ole.listdir(streams=True, storages=False):
        if entry[-1] == "\x05SummaryInformation":
            name = "/".join(entry)
            props = ole.getproperties(name, convert_time=True)
            shown = ", ".join("%d=%r" % (k, props[k]) for k in sorted(props))
            print("    summary %s: %s" % ("/".join(decode(p) for p in entry), shown))
    ole.close()
"#;

fn verify(dir: &Path) -> Result<()> {
    let mut report = Report { rows: Vec::new() };
    let scratch = target_dir().join("xtask-testdata-check");
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let path = |name: &str| dir.join(name);

    // msitools.
    if have_program("msiinfo") {
        for name in ["sample.msi", "sample.msm", "sample.msp"] {
            let file = path(name);
            println!("== msiinfo suminfo {name}");
            let (o, _) = check(Command::new("msiinfo").arg("suminfo").arg(&file), true);
            report.add(format!("msiinfo suminfo {name}"), o);
            println!("== msiinfo tables {name}");
            let (o, tables) = check(Command::new("msiinfo").arg("tables").arg(&file), true);
            let ok = matches!(o, Outcome::Ok);
            report.add(format!("msiinfo tables {name}"), o);
            if !ok {
                continue;
            }
            for t in tables.lines().map(str::trim).filter(|t| !t.is_empty()) {
                println!("== msiinfo export {name} {t}");
                // Run in a scratch directory: export may write binary cells as files.
                let (o, _) = check(
                    Command::new("msiinfo")
                        .current_dir(&scratch)
                        .arg("export")
                        .arg(&file)
                        .arg(t),
                    true,
                );
                report.add(format!("msiinfo export {name} {t}"), o);
            }
        }
        // The two broken files must be refused.
        for name in ["not-an-installer.bin", "truncated.msi"] {
            let (o, _) = check(Command::new("msiinfo").arg("tables").arg(path(name)), false);
            let o = match o {
                Outcome::Refused(msg) => {
                    println!("== msiinfo tables {name}: refused, as it should ({msg})");
                    Outcome::Ok
                }
                _ => Outcome::Refused("msiinfo accepted a file meant to be broken".into()),
            };
            report.add(format!("msiinfo tables {name} (must refuse)"), o);
        }
    } else {
        report.add(
            "msiinfo".into(),
            Outcome::Skipped("not installed (apt-get install msitools)".into()),
        );
    }

    // 7-Zip.
    if have_program("7zz") {
        for name in ["sample.msi", "sample.msm", "sample.msp", "sample.mst"] {
            println!("== 7zz l -tCompound {name}");
            let mut cmd = Command::new("7zz");
            cmd.args(["l", "-tCompound", "-ba"]).arg(path(name));
            let (o, out) = check(&mut cmd, true);
            let o = match o {
                Outcome::Ok if out.trim().is_empty() => {
                    Outcome::Refused("7-Zip listed nothing".into())
                }
                o => o,
            };
            report.add(format!("7zz l -tCompound {name}"), o);
        }
    } else {
        report.add(
            "7zz".into(),
            Outcome::Skipped("not installed (apt-get install -y 7zip)".into()),
        );
    }

    // olefile.
    let py = python();
    let has_olefile = Command::new(py)
        .args(["-c", "import olefile"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_olefile {
        println!("== olefile");
        let mut cmd = Command::new(py);
        cmd.args(["-c", OLEFILE_SCRIPT]);
        for name in ["sample.msi", "sample.msm", "sample.msp", "sample.mst"] {
            cmd.arg(path(name));
        }
        let (o, _) = check(&mut cmd, true);
        report.add("olefile (all four)".into(), o);
    } else {
        report.add(
            "olefile".into(),
            Outcome::Skipped(format!(
                "{py} has no olefile (apt-get install python3-olefile, or pip install olefile)"
            )),
        );
    }

    // The embedded cabinets, extracted by msiinfo and tested by cabextract (or 7-Zip).
    let cab_tester = if have_program("cabextract") {
        Some(("cabextract", vec!["-t"]))
    } else if have_program("7zz") {
        Some(("7zz", vec!["t"]))
    } else {
        None
    };
    match (have_program("msiinfo"), cab_tester) {
        (true, Some((tester, args))) => {
            for (name, cab) in [
                ("sample.msi", "product.cab"),
                ("sample.msm", "MergeModule.CABinet"),
                ("sample.msp", "PCW_CAB_Widget"),
            ] {
                let what = format!("{tester} {} ({name} stream {cab})", args.join(" "));
                println!("== {what}");
                let extracted = scratch.join(cab);
                let out = Command::new("msiinfo")
                    .arg("extract")
                    .arg(path(name))
                    .arg(cab)
                    .output();
                let o = match out {
                    Ok(o) if o.status.success() && o.stdout.starts_with(b"MSCF") => {
                        std::fs::write(&extracted, &o.stdout)
                            .map_err(|e| format!("cannot write {}: {e}", extracted.display()))?;
                        check(Command::new(tester).args(&args).arg(&extracted), true).0
                    }
                    Ok(o) => Outcome::Refused(format!(
                        "msiinfo extract gave no cabinet ({}): {}",
                        o.status,
                        String::from_utf8_lossy(&o.stderr).trim()
                    )),
                    Err(e) => Outcome::Refused(format!("could not run msiinfo extract: {e}")),
                };
                report.add(what, o);
            }
        }
        _ => report.add(
            "embedded cabinets".into(),
            Outcome::Skipped("needs msiinfo and cabextract or 7zz".into()),
        ),
    }

    // msikit's own reader applies the transform and both transforms of the patch to sample.msi.
    match build_msikit() {
        Ok(exe) => {
            for (name, version) in [
                ("sample.mst", PRODUCT_VERSION),
                ("sample.msp", PATCHED_VERSION),
            ] {
                let what = format!("msikit transform show sample.msi {name}");
                println!("== {what}");
                let o = check_transform_show(&exe, &path("sample.msi"), &path(name), version);
                report.add(
                    format!("{what} (every transform applies, ProductVersion {version})"),
                    o,
                );
            }
        }
        Err(e) => report.add(
            "msikit transform show".into(),
            Outcome::Refused(format!("no msikit binary: {e}")),
        ),
    }

    // The msi crate itself reads every table back.
    for name in ["sample.msi", "sample.msm", "sample.msp"] {
        report.add(
            format!("msi crate 0.11 reads every table of {name}"),
            read_back(&path(name)),
        );
    }

    println!("== summary");
    let mut failed = 0;
    for (what, outcome) in &report.rows {
        match outcome {
            Outcome::Ok => println!("  ok       {what}"),
            Outcome::Refused(msg) => {
                failed += 1;
                println!("  REFUSED  {what}: {msg}");
            }
            Outcome::Skipped(msg) => println!("  skipped  {what}: {msg}"),
        }
    }
    if failed > 0 {
        return Err(format!("{failed} check(s) refused the test files (see above)").into());
    }
    Ok(())
}

/// Runs `msikit transform show BASE TRANSFORM` (text, shown; then `--json`, checked): it must exit
/// 0, apply every transform with no validation failure, and leave ProductVersion at `version`.
fn check_transform_show(exe: &Path, base: &Path, transform: &Path, version: &str) -> Outcome {
    let (o, _) = check(
        Command::new(exe)
            .arg("transform")
            .arg("show")
            .arg(base)
            .arg(transform),
        true,
    );
    if !matches!(o, Outcome::Ok) {
        return o;
    }
    let (o, out) = check(
        Command::new(exe)
            .args(["transform", "show", "--json"])
            .arg(base)
            .arg(transform),
        false,
    );
    if !matches!(o, Outcome::Ok) {
        return o;
    }
    let json: serde_json::Value = match serde_json::from_str(&out) {
        Ok(v) => v,
        Err(e) => return Outcome::Refused(format!("--json printed no JSON: {e}")),
    };
    let reports = json["reports"].as_array().map_or(&[][..], Vec::as_slice);
    if reports.is_empty() {
        return Outcome::Refused("no transform was reported".into());
    }
    for r in reports {
        let name = r["transform"].as_str().unwrap_or("?");
        if r["applied"] != true {
            return Outcome::Refused(format!(
                "{name} was not applied (validation failures: {})",
                r["validation_failures"]
            ));
        }
        if r.get("validation_failures").is_some() {
            return Outcome::Refused(format!(
                "{name}: validation failures {}",
                r["validation_failures"]
            ));
        }
        if r["changes"].as_array().is_none_or(Vec::is_empty) {
            return Outcome::Refused(format!("{name} changed nothing"));
        }
    }
    match json["product_version_after"].as_str() {
        Some(v) if v == version => Outcome::Ok,
        other => Outcome::Refused(format!(
            "ProductVersion after applying is {other:?}, not {version}"
        )),
    }
}

/// Opens a package with the msi crate and selects every row of every table.
fn read_back(path: &Path) -> Outcome {
    let mut pkg = match msi::open(path) {
        Ok(p) => p,
        Err(e) => return Outcome::Refused(format!("open: {e}")),
    };
    let names: Vec<String> = pkg.tables().map(|t| t.name().to_string()).collect();
    for name in names {
        if let Err(e) = pkg.select_rows(msi::Select::table(&name)) {
            return Outcome::Refused(format!("table {name}: {e}"));
        }
    }
    Outcome::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_are_deterministic() {
        assert_eq!(build_all().unwrap(), build_all().unwrap());
    }
}
