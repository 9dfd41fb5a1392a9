//! `msikit validate PACKAGE [--json] [--ice LIST] [--suppress LIST]`: the ICE rules that need no
//! running Windows Installer. `msikit validate PATCH.msp... --msi TARGET.msi`: the rules of small
//! and minor updates on the patched database. Exit 0 when nothing is an error, 1 when something
//! is, 2 when a package cannot be read.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The package (.msi, .msm; `-` for standard input), or with --msi the patches (.msp)
    #[arg(required = true, value_name = "PACKAGE")]
    packages: Vec<PathBuf>,
    /// Validate the patches against this product package: the rules of small updates and minor
    /// upgrades on the patched database
    #[arg(long, value_name = "TARGET.msi")]
    msi: Option<PathBuf>,
    /// Run only these ICEs (comma-separated: ICE03,ICE06)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    ice: Vec<String>,
    /// Do not run these ICEs (comma-separated), as WiX's -sice
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    suppress: Vec<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    if let Some(target) = &a.msi {
        return run_patches(&a, target, out, style);
    }
    let [package] = a.packages.as_slice() else {
        return Err(msikit::Error::usage(
            "validate takes one package; several are patches of a target given with --msi",
        ));
    };
    let opts = msikit::jobs::validate::Options {
        only: a.ice.clone(),
        suppress: a.suppress.clone(),
    };
    let r = msikit::jobs::validate::validate_package(package, &opts)?;
    let code = if r.passed() { 0 } else { 1 };
    render::show(out, a.json, &r, |out| {
        render::fields(out, style, &[("Package".into(), r.package.clone())])?;
        writeln!(out)?;
        let summary: Vec<Vec<String>> = r
            .ices
            .iter()
            .map(|i| {
                vec![
                    i.ice.to_string(),
                    i.errors.to_string(),
                    i.warnings.to_string(),
                    i.checks.to_string(),
                ]
            })
            .collect();
        render::table(
            out,
            style,
            &["ICE", "ERRORS", "WARNINGS", "CHECKS"],
            &summary,
        )?;
        for ice in r
            .ices
            .iter()
            .filter(|i| i.errors + i.warnings + i.infos > 0)
        {
            writeln!(out)?;
            let heading = format!(
                "{}  {}, {}  ({})",
                ice.ice,
                count(ice.errors, "error"),
                count(ice.warnings, "warning"),
                ice.checks
            );
            writeln!(out, "{}", style.bold(&style.line(&heading)))?;
            let rows: Vec<Vec<String>> = r
                .findings
                .iter()
                .filter(|f| f.ice == ice.ice)
                .map(|f| {
                    vec![
                        f.severity.as_str().to_string(),
                        f.table.clone().unwrap_or_default(),
                        f.key.join(", "),
                        f.column.clone().unwrap_or_default(),
                        f.message.clone(),
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["SEVERITY", "TABLE", "KEY", "COLUMN", "MESSAGE"],
                &rows,
            )?;
        }
        writeln!(out)?;
        let mut verdict = Vec::new();
        if !r.suppressed.is_empty() {
            verdict.push(("Suppressed".to_string(), r.suppressed.join(", ")));
        }
        verdict.push((
            "Verdict".to_string(),
            if r.passed() {
                format!("passed ({})", count(r.warnings, "warning"))
            } else {
                format!(
                    "FAILED: {}, {}",
                    count(r.errors, "error"),
                    count(r.warnings, "warning")
                )
            },
        ));
        render::fields(out, style, &verdict)?;
        Ok(())
    })?;
    Ok(code)
}

/// `1 error`, `2 errors`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn run_patches(
    a: &Args,
    target: &std::path::Path,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let refs: Vec<&std::path::Path> = a.packages.iter().map(|p| p.as_path()).collect();
    let r = msikit::jobs::validate::validate_patches(&refs, target)?;
    let code = if r.passed() { 0 } else { 1 };
    render::show(out, a.json, &r, |out| {
        render::fields(out, style, &[("Target".into(), r.target.clone())])?;
        for p in &r.patches {
            writeln!(out)?;
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            render::fields(
                out,
                style,
                &[
                    ("Patch".into(), p.patch.clone()),
                    ("Transforms".into(), p.transforms.join(", ")),
                    ("Update type".into(), p.update_type.clone()),
                    (
                        "ProductVersion".into(),
                        format!("{} -> {}", opt(&p.version_before), opt(&p.version_after)),
                    ),
                    (
                        "Findings".into(),
                        format!(
                            "{}, {}",
                            count(p.errors, "error"),
                            count(p.warnings, "warning")
                        ),
                    ),
                ],
            )?;
            if p.findings.is_empty() {
                continue;
            }
            let rows: Vec<Vec<String>> = p
                .findings
                .iter()
                .map(|f| {
                    vec![
                        f.severity.as_str().to_string(),
                        f.rule.to_string(),
                        f.table.clone().unwrap_or_default(),
                        f.key.join(", "),
                        f.message.clone(),
                    ]
                })
                .collect();
            writeln!(out)?;
            render::table(
                out,
                style,
                &["SEVERITY", "RULE", "TABLE", "KEY", "MESSAGE"],
                &rows,
            )?;
            let mut refs: Vec<(String, String)> = Vec::new();
            for f in &p.findings {
                if let Some(r) = f.reference {
                    if !refs.iter().any(|(k, _)| k == f.rule) {
                        refs.push((f.rule.to_string(), r.to_string()));
                    }
                }
            }
            writeln!(out)?;
            render::fields(out, style, &refs)?;
        }
        writeln!(out)?;
        render::fields(
            out,
            style,
            &[(
                "Verdict".to_string(),
                if r.passed() {
                    format!("passed ({})", count(r.warnings, "warning"))
                } else {
                    format!(
                        "FAILED: {}, {}",
                        count(r.errors, "error"),
                        count(r.warnings, "warning")
                    )
                },
            )],
        )?;
        Ok(())
    })?;
    Ok(code)
}
