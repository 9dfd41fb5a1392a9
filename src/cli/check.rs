//! `msikit check PATCH.msp... --msi TARGET.msi [--expect-version V]`: whether the patches apply
//! to the product package, in which order, and the ProductVersion they give. Exit 0 when every
//! patch applies (and the expected version is reached), 1 when not, 2 on error.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The patches (.msp)
    #[arg(required = true)]
    patches: Vec<PathBuf>,
    /// The product package (.msi) the patches are for
    #[arg(long, value_name = "TARGET.msi")]
    // Neither --msi nor --snapshot means this machine (a live check; on Windows only, elsewhere
    // the library says it needs Windows).
    msi: Option<PathBuf>,
    /// A machine snapshot (JSON, docs/snapshot.md): check against what is installed there,
    /// with the KB's prerequisites
    #[arg(long, value_name = "SERVER.json", conflicts_with = "msi")]
    snapshot: Option<PathBuf>,
    /// Many snapshots: a folder of *.json files, or a JSON Lines file (one snapshot a line);
    /// checked on all cores, one JSON line per server (implies --jsonl)
    #[arg(long, value_name = "DIR|FILE.jsonl", conflicts_with_all = ["msi", "snapshot"])]
    snapshots: Option<PathBuf>,
    /// One JSON line per server (with --snapshots)
    #[arg(long)]
    jsonl: bool,
    /// Prerequisite rules (TOML) instead of the built-in file for the patch's KB
    #[arg(long, value_name = "RULES.toml")]
    rules: Option<PathBuf>,
    /// Also check that the applicable patches, in order, give this ProductVersion
    #[arg(long, value_name = "VERSION")]
    expect_version: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    if let Some(snap) = &a.snapshot {
        return run_snapshot(&a, snap, out, style);
    }
    if let Some(many) = &a.snapshots {
        return run_batch(&a, many, out);
    }
    let Some(msi) = &a.msi else {
        return run_live(&a, out, style);
    };
    let refs: Vec<&std::path::Path> = a.patches.iter().map(|p| p.as_path()).collect();
    let c = msikit::jobs::applicability::check_package(&refs, msi, a.expect_version.as_deref())?;
    let code = if c.ready() { 0 } else { 1 };
    render::show(out, a.json, &c, |out| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        render::fields(
            out,
            style,
            &[
                ("Package".into(), c.package.clone()),
                (
                    "Product".into(),
                    format!("{} {}", opt(&c.product_name), opt(&c.product_version)),
                ),
                ("Product code".into(), opt(&c.product_code)),
            ],
        )?;
        writeln!(out)?;
        let rows: Vec<Vec<String>> = c
            .patches
            .iter()
            .map(|p| {
                vec![
                    p.patch.clone(),
                    format!("{} {}", p.status.code(), p.status.name()),
                    p.order.map(|o| (o + 1).to_string()).unwrap_or_default(),
                    opt(&p.product_version_after),
                    p.reason.clone(),
                ]
            })
            .collect();
        render::table(
            out,
            style,
            &["PATCH", "STATUS", "ORDER", "VERSION IF ALONE", "WHY"],
            &rows,
        )?;
        writeln!(out)?;
        let mut verdict = vec![(
            "ProductVersion after".to_string(),
            format!(
                "{} -> {}",
                opt(&c.product_version),
                opt(&c.product_version_after)
            ),
        )];
        verdict.extend(expectation(&c.expected_version, c.expectation_met));
        verdict.push((
            "Verdict".into(),
            if c.ready() {
                "applicable".into()
            } else {
                "not applicable (see STATUS and WHY)".into()
            },
        ));
        for w in &c.signature_warnings {
            verdict.push(("Warning".into(), w.clone()));
        }
        render::fields(out, style, &verdict)?;
        Ok(())
    })?;
    Ok(code)
}

/// The one patch of a snapshot check, and its rules (given, or built in for its KB).
fn patch_and_rules(
    a: &Args,
) -> msikit::Result<(&std::path::Path, Option<msikit::jobs::rules::RuleFile>)> {
    let [patch] = a.patches.as_slice() else {
        return Err(msikit::Error::usage(
            "a snapshot check takes one patch at a time; give one PATCH.msp",
        ));
    };
    let rules = msikit::jobs::rules::for_patch(a.rules.as_deref(), patch)?;
    Ok((patch.as_path(), rules))
}

/// `--snapshots DIR|FILE.jsonl`: one JSON line per server, in input order. Exit 0 when every
/// server is ready, 1 when one is not (or its snapshot cannot be read).
fn run_batch(a: &Args, many: &std::path::Path, out: &mut dyn Write) -> msikit::Result<i32> {
    let (patch, rules) = patch_and_rules(a)?;
    let inputs = msikit::jobs::applicability::read_snapshots(many)?;
    let lines = msikit::jobs::applicability::check_many(
        patch,
        &inputs,
        rules.as_ref(),
        a.expect_version.as_deref(),
    )?;
    let out = &mut std::io::BufWriter::new(&mut *out);
    let mut all_ready = true;
    for l in &lines {
        all_ready &= matches!(l, msikit::jobs::applicability::BatchLine::Checked(c) if c.ready);
        serde_json::to_writer(&mut *out, l).map_err(std::io::Error::from)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if all_ready { 0 } else { 1 })
}

fn run_snapshot(
    a: &Args,
    snap_path: &std::path::Path,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let (patch, rules) = patch_and_rules(a)?;
    let snap = msikit::machine::snapshot::load(snap_path)?;
    let name = snap_path.display().to_string();
    report_snapshot(a, patch, rules.as_ref(), &snap, &name, out, style)
}

/// `check PATCH.msp` without --msi or --snapshot: this machine, collected now (the Restart
/// Manager asked about the files the patch replaces), then as with --snapshot. On Windows only:
/// elsewhere the collector's error says to give --snapshot.
fn run_live(a: &Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let (patch, rules) = patch_and_rules(a)?;
    let snap = msikit::jobs::live::collect(&[], Some(patch), None, rules.as_ref())?;
    let name = msikit::jobs::live::LIVE_NAME;
    report_snapshot(a, patch, rules.as_ref(), &snap, name, out, style)
}

fn report_snapshot(
    a: &Args,
    patch: &std::path::Path,
    rules: Option<&msikit::jobs::rules::RuleFile>,
    snap: &msikit::machine::snapshot::Snapshot,
    name: &str,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let c = msikit::jobs::applicability::check_snapshot(
        patch,
        snap,
        name,
        rules,
        a.expect_version.as_deref(),
    )?;
    let code = if c.ready { 0 } else { 1 };
    render::show(out, a.json, &c, |out| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        render::fields(
            out,
            style,
            &[
                (
                    "Patch".into(),
                    format!("{} {}", opt(&c.display_name), opt(&c.patch_code)),
                ),
                (
                    "Computer".into(),
                    format!("{} ({})", c.computer, c.snapshot),
                ),
            ],
        )?;
        writeln!(out)?;
        if c.products.is_empty() {
            writeln!(out, "No product the patch targets is installed.")?;
        } else {
            let rows: Vec<Vec<String>> = c
                .products
                .iter()
                .map(|p| {
                    vec![
                        format!("{} {}", p.name, p.version),
                        format!("{} {}", p.status.code(), p.state),
                        opt(&p.version_after),
                        match &p.sequence_note {
                            Some(n) => format!("{}; {n}", p.reason),
                            None => p.reason.clone(),
                        },
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["INSTALLED PRODUCT", "STATUS", "VERSION AFTER", "WHY"],
                &rows,
            )?;
        }
        writeln!(out)?;
        if c.prerequisites.is_empty() {
            writeln!(
                out,
                "No prerequisite rules for this patch (--rules FILE gives some)."
            )?;
        } else {
            let rows: Vec<Vec<String>> = c
                .prerequisites
                .iter()
                .map(|f| {
                    vec![
                        f.result.to_uppercase(),
                        f.title.clone(),
                        match &f.fix {
                            Some(fix) => format!("{}. Fix: {fix}", f.detail),
                            None => f.detail.clone(),
                        },
                    ]
                })
                .collect();
            render::table(out, style, &["RESULT", "PREREQUISITE", "DETAIL"], &rows)?;
        }
        writeln!(out)?;
        let mut verdict = expectation(&c.expected_version, c.expectation_met);
        verdict.push((
            "Verdict".into(),
            if c.ready {
                "ready: the patch applies and every prerequisite is met".into()
            } else {
                "not ready (see STATUS and RESULT)".into()
            },
        ));
        render::fields(out, style, &verdict)?;
        Ok(())
    })?;
    Ok(code)
}

/// The "Expected version" line of both checks, when a version was expected.
fn expectation(expected: &Option<String>, met: Option<bool>) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|e| {
            let how = if met == Some(true) {
                "reached"
            } else {
                "NOT reached"
            };
            ("Expected version".to_string(), format!("{e}: {how}"))
        })
        .collect()
}
