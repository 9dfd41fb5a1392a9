//! `msikit diff A B`: what changes from one database to another, through the same machinery as
//! `transform create` (the generated transform, applied to A, is what is shown).

use std::io::Write;
use std::path::PathBuf;

use super::render::Style;

#[derive(clap::Args)]
pub struct Args {
    /// The first database
    a: PathBuf,
    /// The second database
    b: PathBuf,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let opts = msikit::views::transform::write::TransformOptions {
        validation: msikit::formats::summary::ValidationFlags(0),
        errors: msikit::formats::summary::ErrorFlags(0),
    };
    let created = msikit::views::transform::create(&a.a, &a.b, &opts)?;
    super::transform::print_report(&created.report, a.json, out, style, &created)?;
    Ok(if created.report.changes.is_empty() {
        0
    } else {
        1
    })
}
