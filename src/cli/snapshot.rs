//! `msikit snapshot [-o FILE] [--path P]... [--files-of PATCH.msp]`: the machine snapshot
//! (docs/snapshot.md) of the Windows computer msikit runs on, read natively. Elsewhere it exits 2
//! saying it needs Windows (docs/collect-snapshot.ps1 collects one without msikit).

use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the snapshot (written whole or not at all); standard output without it
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A path to record facts about (`%VARIABLES%` allowed); repeatable. Always recorded:
    /// %SystemDrive%\ExchangeSetupLogs, each product's install folder and cached packages
    #[arg(long = "path", value_name = "P")]
    paths: Vec<String>,
    /// Ask the Restart Manager which processes hold the files this patch replaces, and record
    /// the paths its prerequisite rules name
    #[arg(long, value_name = "PATCH.msp")]
    files_of: Option<PathBuf>,
}

pub fn run(a: Args, out: &mut dyn Write) -> msikit::Result<i32> {
    let rules = match &a.files_of {
        Some(patch) => msikit::jobs::rules::for_patch(None, patch)?,
        None => None,
    };
    let snap = msikit::jobs::live::collect(&a.paths, a.files_of.as_deref(), None, rules.as_ref())?;
    let mut json = serde_json::to_vec_pretty(&snap).map_err(std::io::Error::from)?;
    json.push(b'\n');
    match &a.output {
        Some(path) => {
            msikit::formats::files::write_atomically(path, &json)?;
            eprintln!(
                "Wrote {}: {} products, {} services, {} processes, {} paths, {} warnings",
                path.display(),
                snap.products.len(),
                snap.services.len(),
                snap.processes.len(),
                snap.paths.len(),
                snap.warnings.len()
            );
        }
        None => {
            out.write_all(&json)?;
            out.flush()?;
        }
    }
    Ok(0)
}
