//! `msikit validate`: the Internal Consistency Evaluators (ICEs) that need no running Windows
//! Installer, written from Microsoft's ICE reference (the documented rule, message and
//! severity of each), run on any OS over a package's tables.
//!
//! Each ICE is a function from the database (as an owned [`DatabaseModel`]) to findings; a
//! finding names the ICE, its severity, the table, the row's primary key, the column and the
//! message. [`validate_package`] opens a file and runs the ICEs chosen by [`Options`].

mod category;
mod components;
mod ice03;
mod patch;
mod tables;
mod upgrade;

pub use patch::{validate_patches, PatchCheck, PatchReport};

use std::path::Path;

use serde::Serialize;

use crate::database::{open_database, DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::container::Container;
use crate::formats::tables::Value;

/// How bad a finding is, as the ICE reference classes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One thing an ICE found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `ICE03`, `ICE06`...
    pub ice: &'static str,
    pub severity: Severity,
    /// The table the finding is about (absent for a package-wide finding).
    pub table: Option<String>,
    /// The primary key of the row, one value per key column (empty: not about one row).
    pub key: Vec<String>,
    pub column: Option<String>,
    /// The ICE's message, then what was found.
    pub message: String,
    /// A short name of the failed check (for ICE03, the MSIDBERROR name: `badguid`,
    /// `badlink`, `required`...), for scripts.
    pub rule: &'static str,
    /// Where the rule is documented, for the patch rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<&'static str>,
}

impl Finding {
    pub(crate) fn new(ice: &'static str, severity: Severity, rule: &'static str) -> Finding {
        Finding {
            ice,
            severity,
            table: None,
            key: Vec::new(),
            column: None,
            message: String::new(),
            rule,
            reference: None,
        }
    }
    pub(crate) fn table(mut self, t: &str) -> Finding {
        self.table = Some(t.to_string());
        self
    }
    pub(crate) fn key(mut self, key: Vec<String>) -> Finding {
        self.key = key;
        self
    }
    pub(crate) fn column(mut self, c: &str) -> Finding {
        self.column = Some(c.to_string());
        self
    }
    pub(crate) fn message(mut self, m: impl Into<String>) -> Finding {
        self.message = m.into();
        self
    }
}

/// One ICE msikit implements.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IceInfo {
    pub name: &'static str,
    /// What it checks, in a line.
    pub checks: &'static str,
}

type IceFn = fn(&DatabaseModel) -> Vec<Finding>;

/// Every ICE msikit runs, in order.
const ICES: &[(IceInfo, IceFn)] = &[
    (
        ice(
            "ICE02",
            "a component's key path is a file, registry value or data source of its own",
        ),
        components::ice02,
    ),
    (
        ice(
            "ICE03",
            "data types and foreign keys against the package's _Validation table",
        ),
        ice03::run,
    ),
    (
        ice(
            "ICE06",
            "every column _Validation lists for a table is in the table",
        ),
        tables::ice06,
    ),
    (
        ice("ICE07", "fonts are installed to FontsFolder"),
        components::ice07,
    ),
    (
        ice("ICE08", "no two components share a GUID"),
        components::ice08,
    ),
    (
        ice("ICE09", "components in the system folder are permanent"),
        components::ice09,
    ),
    (
        ice("ICE18", "a directory as key path is listed in CreateFolder"),
        components::ice18,
    ),
    (
        ice(
            "ICE19",
            "advertised components have a GUID and a file as key path",
        ),
        components::ice19,
    ),
    (
        ice("ICE30", "no two components install a file to the same path"),
        components::ice30,
    ),
    (
        ice(
            "ICE38",
            "components in the user profile have an HKCU registry key path",
        ),
        components::ice38,
    ),
    (
        ice(
            "ICE43",
            "components with non-advertised profile shortcuts have an HKCU key path",
        ),
        components::ice43,
    ),
    (
        ice(
            "ICE61",
            "the Upgrade table: action properties, version ranges, no self-removal",
        ),
        upgrade::ice61,
    ),
    (
        ice("ICE64", "directories in the user profile are in RemoveFile"),
        components::ice64,
    ),
    (
        ice(
            "ICE69",
            "formatted strings refer to their own component and its files",
        ),
        components::ice69,
    ),
    (
        ice(
            "ICE82",
            "no duplicate sequence numbers; the registration actions all or none",
        ),
        tables::ice82,
    ),
    (
        ice("ICE99", "no Directory key is a reserved property"),
        tables::ice99,
    ),
];

const fn ice(name: &'static str, checks: &'static str) -> IceInfo {
    IceInfo { name, checks }
}

/// The ICEs msikit implements.
pub fn known_ices() -> Vec<IceInfo> {
    ICES.iter().map(|(i, _)| *i).collect()
}

/// Which ICEs to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only these (empty: all).
    pub only: Vec<String>,
    /// Skip these (as WiX's `-sice:ICExx`).
    pub suppress: Vec<String>,
}

/// Counts of one ICE's findings.
#[derive(Debug, Clone, Serialize)]
pub struct IceCount {
    pub ice: &'static str,
    pub checks: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// What `msikit validate` found in one package.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub package: String,
    /// The ICEs run, in order, with their counts.
    pub ices: Vec<IceCount>,
    /// ICEs named in `--suppress`, not run.
    pub suppressed: Vec<&'static str>,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no ICE found an error (warnings and information do not fail a package).
    pub fn passed(&self) -> bool {
        self.errors == 0
    }
}

/// Normalises an ICE name given by a user (`ice03`, `3`, `ICE3` → `ICE03`) and checks it is one
/// msikit implements.
fn resolve(name: &str) -> Result<&'static str> {
    let t = name.trim();
    let digits = t
        .strip_prefix("ICE")
        .or_else(|| t.strip_prefix("ice"))
        .or_else(|| t.strip_prefix("Ice"))
        .unwrap_or(t);
    let wanted = digits
        .parse::<u32>()
        .ok()
        .map(|n| format!("ICE{n:02}"))
        .unwrap_or_else(|| t.to_ascii_uppercase());
    ICES.iter()
        .map(|(i, _)| i.name)
        .find(|n| *n == wanted)
        .ok_or_else(|| {
            let known: Vec<&str> = ICES.iter().map(|(i, _)| i.name).collect();
            Error::invalid(format!(
                "unknown ICE '{name}' (msikit implements {})",
                known.join(", ")
            ))
        })
}

/// Runs the chosen ICEs over an in-memory database; `package` names it in the report.
pub fn validate(model: &DatabaseModel, package: &str, opts: &Options) -> Result<Report> {
    let only: Vec<&str> = opts
        .only
        .iter()
        .map(|n| resolve(n))
        .collect::<Result<_>>()?;
    let suppressed: Vec<&str> = opts
        .suppress
        .iter()
        .map(|n| resolve(n))
        .collect::<Result<_>>()?;
    let mut ices = Vec::new();
    let mut findings = Vec::new();
    for (info, run) in ICES {
        if (!only.is_empty() && !only.contains(&info.name)) || suppressed.contains(&info.name) {
            continue;
        }
        let found = run(model);
        let count = |s: Severity| found.iter().filter(|f| f.severity == s).count();
        ices.push(IceCount {
            ice: info.name,
            checks: info.checks,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        });
        findings.extend(found);
    }
    let errors = ices.iter().map(|c| c.errors).sum();
    let warnings = ices.iter().map(|c| c.warnings).sum();
    Ok(Report {
        package: package.to_string(),
        ices,
        suppressed,
        errors,
        warnings,
        findings,
    })
}

/// Opens a package (.msi, .msm; `-` for standard input) and validates its database.
pub fn validate_package(path: &Path, opts: &Options) -> Result<Report> {
    let c = Container::open(path)?;
    let db = open_database(&c)?;
    let model = DatabaseModel::load_tables(&db)?;
    validate(&model, c.name(), opts)
}

/// A cell as text, for keys and messages (NULL is empty).
pub(crate) fn text(v: &Value) -> String {
    v.to_string()
}

/// One table of the model, its columns found by name.
pub(crate) struct Rows<'m> {
    t: &'m TableData,
}

/// One row of a [`Rows`].
#[derive(Clone, Copy)]
pub(crate) struct Row<'m> {
    t: &'m TableData,
    r: &'m [Value],
}

impl<'m> Rows<'m> {
    pub(crate) fn of(model: &'m DatabaseModel, name: &str) -> Option<Rows<'m>> {
        model.table(name).map(|t| Rows { t })
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = Row<'m>> + '_ {
        let t = self.t;
        t.rows.iter().map(move |r| Row { t, r })
    }
}

impl<'m> Row<'m> {
    pub(crate) fn get(&self, col: &str) -> &'m Value {
        self.t
            .def
            .column_index(col)
            .and_then(|i| self.r.get(i))
            .unwrap_or(&Value::Null)
    }
    pub(crate) fn str(&self, col: &str) -> Option<&'m str> {
        match self.get(col) {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
    pub(crate) fn int(&self, col: &str) -> Option<i32> {
        match self.get(col) {
            Value::Int(n) => Some(*n),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    /// The primary key values as text.
    pub(crate) fn key(&self) -> Vec<String> {
        self.t
            .def
            .key_indexes()
            .into_iter()
            .map(|k| self.r.get(k).map(text).unwrap_or_default())
            .collect()
    }
}
