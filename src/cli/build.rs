//! `msikit build MANIFEST.toml -o OUT.msi`: a database from a build manifest;
//! `msikit build --idt DIR -o OUT.msi`: a database from an IDT folder (the round trip of
//! `msikit export --idt`).

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// A build manifest (TOML; see docs/manifest.md)
    #[arg(required_unless_present = "idt", conflicts_with = "idt")]
    manifest: Option<PathBuf>,
    /// An IDT folder as `msikit export --idt` writes it
    #[arg(long, value_name = "DIR")]
    idt: Option<PathBuf>,
    /// The database to write
    #[arg(short, long, value_name = "OUT.msi")]
    output: PathBuf,
    /// Print what was built as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    if let Some(manifest) = a.manifest {
        let r = msikit::jobs::authoring::build::build_file(&manifest, &a.output)?;
        render::show(out, a.json, &r, |out| {
            render::fields(
                out,
                style,
                &[
                    ("Wrote".into(), r.output.clone()),
                    (
                        "Product".into(),
                        format!("{} {} ({})", r.product_name, r.product_version, r.platform),
                    ),
                    ("Product code".into(), r.product_code.clone()),
                    ("Package code".into(), r.package_code.clone()),
                    ("Files".into(), r.files.to_string()),
                    ("Components".into(), r.components.to_string()),
                    ("Services".into(), r.services.to_string()),
                    ("Registry values".into(), r.registry_values.to_string()),
                    ("Tables".into(), r.tables.to_string()),
                    ("Cabinet".into(), format!("{} bytes", r.cabinet_bytes)),
                    ("Size".into(), format!("{} bytes", r.package_bytes)),
                ],
            )?;
            Ok(())
        })?;
        return Ok(0);
    }
    let Some(dir) = a.idt else {
        return Err(msikit::Error::usage("give a manifest or --idt DIR"));
    };
    let model = msikit::database::idt::from_folder(&dir)?;
    msikit::database::write::write_database_file(
        &model,
        msikit::formats::container::PackageKind::Database,
        &a.output,
    )?;
    let pairs = [
        ("Wrote".into(), a.output.display().to_string()),
        ("Tables".into(), model.tables.len().to_string()),
        ("Binary streams".into(), model.streams.len().to_string()),
    ];
    if a.json {
        let v: std::collections::BTreeMap<&String, &String> =
            pairs.iter().map(|(k, v)| (k, v)).collect();
        render::json(out, &v)?;
    } else {
        render::fields(out, style, &pairs)?;
    }
    out.flush()?;
    Ok(0)
}
