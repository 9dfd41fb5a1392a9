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
    msi: PathBuf,
    /// Also check that the applicable patches, in order, give this ProductVersion
    #[arg(long, value_name = "VERSION")]
    expect_version: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, style: &Style) -> msikit::Result<i32> {
    let refs: Vec<&std::path::Path> = a.patches.iter().map(|p| p.as_path()).collect();
    let c = msikit::applicability::check_package(&refs, &a.msi, a.expect_version.as_deref())?;
    let code = if c.ready() { 0 } else { 1 };
    let mut out = std::io::stdout().lock();
    if a.json {
        render::json(&mut out, &c)?;
        out.flush()?;
        return Ok(code);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    render::fields(
        &mut out,
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
                format!("{} {}", p.status, p.status_name),
                p.order.map(|o| (o + 1).to_string()).unwrap_or_default(),
                opt(&p.product_version_after),
                p.reason.clone(),
            ]
        })
        .collect();
    render::table(
        &mut out,
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
    if let Some(e) = &c.expected_version {
        verdict.push((
            "Expected version".into(),
            format!(
                "{e}: {}",
                if c.expectation_met == Some(true) {
                    "reached"
                } else {
                    "NOT reached"
                }
            ),
        ));
    }
    verdict.push((
        "Verdict".into(),
        if c.ready() {
            "applicable".into()
        } else {
            "not applicable (see STATUS and WHY)".into()
        },
    ));
    render::fields(&mut out, style, &verdict)?;
    out.flush()?;
    Ok(code)
}
