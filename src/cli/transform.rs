//! `msikit transform show|apply`: what a transform changes in a base database, and the
//! transformed database written out.

use std::io::Write;
use std::path::PathBuf;

use msikit::formats::summary::ErrorFlags;
use msikit::views::transform::{Applied, Change};

use super::render::{self, Style};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Apply transforms to a base in memory and list every change, table by table
    Show(ShowArgs),
    /// Apply transforms to a base and write the resulting database
    Apply(ApplyArgs),
    /// Generate the transform from a base to a target database (MsiTran -g) and write it
    Create(CreateArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// The base database
    base: PathBuf,
    /// The target database
    target: PathBuf,
    /// The transform to write
    #[arg(short, long, value_name = "OUT.mst")]
    output: PathBuf,
    /// Validation conditions, in MsiTran's letters: g upgrade code, l language, p platform,
    /// r product, s/t/u major/minor/build version, v/w/x/y/z installed < <= = >= > base
    #[arg(long, value_name = "LETTERS", default_value = "")]
    validate: String,
    /// Error conditions the transform suppresses, in MsiTran's letters: a add existing row,
    /// b delete missing row, c add existing table, d delete missing table, e update missing row,
    /// f change code page
    #[arg(long, value_name = "LETTERS", default_value = "")]
    suppress: String,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// The base database (.msi or .msm)
    base: PathBuf,
    /// A transform (.mst), or a patch (.msp) whose transforms apply in PID 8 order
    transform: PathBuf,
    /// With a patch: only this transform storage (e.g. `RTM.1` or `#RTM.1`)
    #[arg(long)]
    storage: Option<String>,
    /// Error conditions to suppress, in MsiTran's letters (a-f), instead of the transform's own
    #[arg(long, value_name = "LETTERS")]
    suppress: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// The base database (.msi or .msm)
    base: PathBuf,
    /// Transforms (.mst), or patches whose transforms apply in PID 8 order, applied in order
    #[arg(required = true)]
    transforms: Vec<PathBuf>,
    /// The database to write
    #[arg(short, long, value_name = "OUT.msi")]
    output: PathBuf,
    /// Error conditions to suppress, in MsiTran's letters (a-f), instead of each transform's own
    #[arg(long, value_name = "LETTERS")]
    suppress: Option<String>,
    /// List every change (as `transform show` does) instead of counts per table and change kind
    #[arg(short, long)]
    verbose: bool,
    /// Print the report as JSON (every change)
    #[arg(long)]
    json: bool,
}

fn suppress(s: &Option<String>) -> msikit::Result<Option<ErrorFlags>> {
    s.as_deref().map(ErrorFlags::from_letters).transpose()
}

pub fn run(cmd: Command, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    match cmd {
        Command::Show(a) => {
            let applied = msikit::views::transform::apply_files(
                &a.base,
                &[a.transform.as_path()],
                a.storage.as_deref(),
                suppress(&a.suppress)?,
            )?;
            print(&applied, a.json, out, style)
        }
        Command::Create(a) => {
            let opts = msikit::views::transform::write::TransformOptions {
                validation: msikit::formats::summary::ValidationFlags::from_letters(&a.validate)?,
                errors: ErrorFlags::from_letters(&a.suppress)?,
            };
            let created = msikit::views::transform::create(&a.base, &a.target, &opts)?;
            msikit::formats::files::write_atomically(&a.output, &created.bytes)?;
            print_report(&created.report, a.json, out, style, &created)
        }
        Command::Apply(a) => {
            let paths: Vec<&std::path::Path> = a.transforms.iter().map(|p| p.as_path()).collect();
            let applied = msikit::views::transform::apply_files(
                &a.base,
                &paths,
                None,
                suppress(&a.suppress)?,
            )?;
            msikit::database::write::write_database_file(
                &applied.model,
                msikit::formats::container::PackageKind::Database,
                &a.output,
            )?;
            print_applied(&applied, a.json, a.verbose, out, style)
        }
    }
}

pub fn print(
    applied: &Applied,
    json: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    print_applied(applied, json, true, out, style)
}

/// The report of applied transforms: every change when `every`, else counts per table and
/// change kind.
fn print_applied(
    applied: &Applied,
    json: bool,
    every: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    render::show(out, json, applied, |out| {
        for r in &applied.reports {
            let status = match (r.applied, r.validation_failures.is_empty()) {
                (false, _) => " (not applied: its validation fails)",
                (true, false) => " (applied, although its validation fails)",
                (true, true) => "",
            };
            writeln!(
                out,
                "{}",
                style.bold(&style.line(&format!("transform {}{status}", r.transform)))
            )?;
            for f in &r.validation_failures {
                writeln!(out, "{}", style.line(&format!("  fails: {f}")))?;
            }
            if let Some(s) = &r.summary {
                let conditions = s.conditions();
                if !conditions.is_empty() {
                    let line = format!("  validation: {}", conditions.join("; "));
                    writeln!(out, "{}", style.line(&line))?;
                }
            }
            let line = format!(
                "  suppressed errors: [{}] {}",
                r.suppressed.letters(),
                r.suppressed.names().join(", ")
            );
            writeln!(out, "{}", style.line(&line))?;
            if r.applied && every {
                changes_table(out, style, &r.changes, "  no changes")?;
            } else if r.applied {
                counts_table(out, style, &r.changes)?;
            }
            writeln!(out)?;
        }
        if applied.product_version_before != applied.product_version_after {
            writeln!(
                out,
                "ProductVersion: {} -> {}",
                applied
                    .product_version_before
                    .as_deref()
                    .unwrap_or("(none)"),
                applied.product_version_after.as_deref().unwrap_or("(none)")
            )?;
        } else if let Some(v) = &applied.product_version_after {
            writeln!(out, "ProductVersion: {v} (unchanged)")?;
        }
        Ok(())
    })?;
    Ok(0)
}

/// Prints one report (create, diff).
pub fn print_report<T: serde::Serialize>(
    r: &msikit::views::transform::ApplyReport,
    json: bool,
    out: &mut dyn Write,
    style: &Style,
    whole: &T,
) -> msikit::Result<i32> {
    render::show(out, json, whole, |out| {
        changes_table(out, style, &r.changes, "no differences")?;
        Ok(())
    })?;
    Ok(0)
}

/// How many changes of each kind a transform made in each table, in the order they first
/// appear (`transform apply` without `--verbose`).
fn counts_table<W: Write + ?Sized>(
    out: &mut W,
    style: &Style,
    changes: &[Change],
) -> std::io::Result<()> {
    if changes.is_empty() {
        return writeln!(out, "  no changes");
    }
    let mut counts: Vec<(String, String, usize)> = Vec::new();
    for c in changes {
        let row = change_row(c);
        let (table, kind) = match c {
            Change::CodepageChanged { .. } => (row[0].clone(), format!("code page {}", row[3])),
            _ => (row[0].clone(), row[1].clone()),
        };
        match counts
            .iter_mut()
            .find(|(t, k, _)| *t == table && *k == kind)
        {
            Some(entry) => entry.2 += 1,
            None => counts.push((table, kind, 1)),
        }
    }
    let rows: Vec<Vec<String>> = counts
        .into_iter()
        .map(|(t, k, n)| vec![t, k, n.to_string()])
        .collect();
    render::table(out, style, &["TABLE", "CHANGE", "COUNT"], &rows)?;
    writeln!(
        out,
        "{}",
        style.line("  (every change: --verbose, --json or msikit transform show)")
    )
}

/// The changes of one transform as a table, or `empty` when there are none.
fn changes_table<W: Write + ?Sized>(
    out: &mut W,
    style: &Style,
    changes: &[Change],
    empty: &str,
) -> std::io::Result<()> {
    if changes.is_empty() {
        return writeln!(out, "{empty}");
    }
    let rows: Vec<Vec<String>> = changes.iter().map(change_row).collect();
    render::table(out, style, &["TABLE", "CHANGE", "ROW", "DETAIL"], &rows)
}

fn values(v: &[msikit::formats::tables::Value]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn change_row(c: &Change) -> Vec<String> {
    match c {
        Change::TableAdded { table } => vec![
            table.clone(),
            "table added".into(),
            String::new(),
            String::new(),
        ],
        Change::TableDropped { table, rows } => {
            vec![
                table.clone(),
                "table dropped".into(),
                String::new(),
                format!("{rows} rows"),
            ]
        }
        Change::ColumnAdded { table, column, ty } => {
            vec![
                table.clone(),
                "column added".into(),
                String::new(),
                format!("{column} {ty}"),
            ]
        }
        Change::RowInserted { table, row } => {
            vec![table.clone(), "insert".into(), values(row), String::new()]
        }
        Change::RowDeleted { table, row } => {
            vec![table.clone(), "delete".into(), values(row), String::new()]
        }
        Change::RowReplaced {
            table,
            key,
            changes,
        }
        | Change::RowUpdated {
            table,
            key,
            changes,
        } => vec![
            table.clone(),
            if matches!(c, Change::RowReplaced { .. }) {
                "replace"
            } else {
                "update"
            }
            .into(),
            values(key),
            changes
                .iter()
                .map(|c| format!("{}: {} -> {}", c.column, c.old, c.new))
                .collect::<Vec<_>>()
                .join("; "),
        ],
        Change::CodepageChanged { from, to } => {
            vec![
                "(database)".into(),
                "code page".into(),
                String::new(),
                format!("{from} -> {to}"),
            ]
        }
        Change::Skipped {
            table,
            key,
            condition,
            reason,
        } => vec![
            table.clone(),
            format!("skipped ({condition})"),
            values(key),
            reason.clone(),
        ],
    }
}
