//! `msikit locks PATCH.msp --snapshot SERVER.json --msi TARGET.msi`: which running processes
//! hold files the patch replaces, and what the install will do about each.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The patch (.msp)
    patch: PathBuf,
    /// The machine snapshot (JSON, docs/snapshot.md)
    #[arg(long, value_name = "SERVER.json")]
    // Without it: this machine, collected now (a live check; on Windows only).
    snapshot: Option<PathBuf>,
    /// The target package (.msi), for the Directory table and ServiceControl rows
    #[arg(long, value_name = "TARGET.msi")]
    // Without it: the installed product's cached package, where the snapshot names one.
    msi: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let snap = match &a.snapshot {
        Some(s) => msikit::machine::snapshot::load(s)?,
        None => msikit::jobs::live::collect(&[], Some(&a.patch), a.msi.as_deref(), None)?,
    };
    let msi = msikit::jobs::live::target_package(&a.patch, a.msi.as_deref(), &snap)?;
    let r = msikit::jobs::locks::predict(&a.patch, &msi, &snap)?;
    use msikit::jobs::locks::LockOutcome;
    let code = if r.holders.iter().all(|h| match h.outcome {
        LockOutcome::FreedByStopServices => true,
        LockOutcome::Reboot3010 | LockOutcome::Error1306 => false,
    }) {
        0
    } else {
        1
    };
    render::show(out, a.json, &r, |out| {
        render::fields(
            out,
            style,
            &[
                ("Patch".into(), r.patch.clone()),
                ("Computer".into(), r.computer.clone()),
                ("Files replaced".into(), r.files.len().to_string()),
                (
                    "Package stops".into(),
                    r.services_stopped_by_package.join(", "),
                ),
            ],
        )?;
        writeln!(out)?;
        if r.holders.is_empty() {
            writeln!(out, "No running process holds a file the patch replaces.")?;
        } else {
            let rows: Vec<Vec<String>> = r
                .holders
                .iter()
                .map(|h| {
                    vec![
                        format!("{} ({})", h.process, h.pid),
                        h.services.join(", "),
                        h.files
                            .iter()
                            .map(|f| {
                                format!(
                                    "{} [{}]",
                                    f.file,
                                    serde_json::to_value(f.how)
                                        .ok()
                                        .and_then(|v| v.as_str().map(str::to_string))
                                        .unwrap_or_default()
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        h.outcome.to_string(),
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["PROCESS", "SERVICES", "HOLDS", "OUTCOME"],
                &rows,
            )?;
        }
        writeln!(out)?;
        render::fields(
            out,
            style,
            &[
                ("Silent install (/qn)".into(), r.silent_outcome.to_string()),
                (
                    "Interactive install".into(),
                    r.interactive_outcome.to_string(),
                ),
            ],
        )?;
        if !r.actions.is_empty() {
            writeln!(out)?;
            writeln!(out, "{}", style.bold("Before installing:"))?;
            for (i, a) in r.actions.iter().enumerate() {
                writeln!(out, "  {}. {a}", i + 1)?;
            }
        }
        Ok(())
    })?;
    Ok(code)
}
