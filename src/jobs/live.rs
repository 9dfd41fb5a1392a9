//! The dry run on the live machine (Windows): `msikit snapshot`, and `check`/`locks` without
//! `--snapshot`. The machine is read by [`crate::machine::live`]; this adds what a patch asks
//! about: the paths its prerequisite rules name, and the files it replaces, for the Restart
//! Manager to say which processes hold them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Missing, Result};
use crate::jobs::rules::RuleFile;
use crate::machine::live::{self, Options};
use crate::machine::snapshot::Snapshot;

/// Paths recorded on every live collection (as `collect-snapshot.ps1 -Path` by default): the
/// folder whose absence fails Exchange 2007 rollups (KB930809 known issue 2).
pub const DEFAULT_PATHS: &[&str] = &[r"%SystemDrive%\ExchangeSetupLogs"];

/// The snapshot name a live check reports instead of a file name.
pub const LIVE_NAME: &str = "this computer";

/// The paths `rules` ask about (`path-exists`), after the default ones and `asked`, once each.
pub fn paths(asked: &[String], rules: Option<&RuleFile>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_rules = rules
        .into_iter()
        .flat_map(|r| r.requires.iter().filter_map(|q| q.path.clone()));
    for p in DEFAULT_PATHS
        .iter()
        .map(|p| p.to_string())
        .chain(asked.iter().cloned())
        .chain(from_rules)
    {
        if !out.iter().any(|q| q.eq_ignore_ascii_case(&p)) {
            out.push(p);
        }
    }
    out
}

/// This machine's snapshot. With a patch, the Restart Manager is asked about the files it
/// replaces (target paths from `msi`, else the installed product's cached package) and the
/// paths of its rules are recorded. A patch whose files cannot be resolved is a warning.
pub fn collect(
    asked: &[String],
    patch: Option<&Path>,
    msi: Option<&Path>,
    rules: Option<&RuleFile>,
) -> Result<Snapshot> {
    let options = Options {
        paths: paths(asked, rules),
        files_in_use: Vec::new(),
    };
    let mut snap = live::collect(&options)?;
    if let Some(patch) = patch {
        let files = target_package(patch, msi, &snap).and_then(|msi| {
            crate::jobs::locks::replaced_files(patch, &msi, &snap)
                .map(|t| t.into_values().map(|(_, path)| path).collect::<Vec<_>>())
        });
        match files {
            Ok(files) if !files.is_empty() => live::add_files_in_use(&mut snap, &files)?,
            Ok(_) => {}
            Err(e) => snap.warnings.push(format!(
                "the files {} replaces could not be found ({e}); the Restart Manager was not \
                 asked who holds them",
                patch.display()
            )),
        }
    }
    Ok(snap)
}

/// The target package for a patch on `snap`: `msi` when given, else the cached package
/// (LocalPackage) of the first installed product the patch targets.
pub fn target_package(patch: &Path, msi: Option<&Path>, snap: &Snapshot) -> Result<PathBuf> {
    if let Some(m) = msi {
        return Ok(m.to_path_buf());
    }
    let info = crate::views::patch::info(patch)?;
    let product = info
        .target_product_codes
        .iter()
        .find_map(|c| snap.product(c))
        .ok_or_else(|| {
            Error::not_found(
                Missing::Product,
                patch.display().to_string(),
                format!(
                    "no product {} targets is installed here; give --msi TARGET.msi",
                    patch.display()
                ),
            )
        })?;
    let cached = product
        .local_package
        .as_ref()
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::not_found(
                Missing::File,
                product.product_code.clone(),
                format!(
                    "{} {} has no cached package registered; give --msi TARGET.msi",
                    product.name, product.product_code
                ),
            )
        })?;
    // A snapshot read on another computer names a cached package that is not here.
    if !cached.is_file() {
        return Err(Error::not_found(
            Missing::File,
            cached.display().to_string(),
            format!(
                "the cached package of {} {} ({}) is not on this computer; give --msi TARGET.msi",
                product.name,
                product.product_code,
                cached.display()
            ),
        ));
    }
    Ok(cached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_defaults_then_asked_then_rules() {
        let rules = crate::jobs::rules::built_in(Some("930809"), None)
            .unwrap()
            .unwrap();
        let p = paths(
            &[r"%systemdrive%\exchangesetuplogs".into(), r"C:\x".into()],
            Some(&rules),
        );
        assert_eq!(p, [r"%SystemDrive%\ExchangeSetupLogs", r"C:\x"]);
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_it_says_it_needs_windows() {
        let e = collect(&[], None, None, None).unwrap_err().to_string();
        assert!(e.contains("needs Windows"), "{e}");
        assert!(e.contains("collect-snapshot.ps1"), "{e}");
    }

    #[test]
    fn the_target_package_is_the_cached_one() {
        let snap = crate::machine::snapshot::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/exchange2007/snapshots/rtm-clean.json"
        )))
        .unwrap();
        let patch = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/exchange2007/ur1.msp"
        ));
        // The snapshot's cached package is a path on the server, not here: --msi is asked for.
        let e = target_package(patch, None, &snap).unwrap_err().to_string();
        assert!(e.contains("is not on this computer; give --msi"), "{e}");
        // On the machine itself the cached package is there.
        let rtm = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/exchange2007/rtm.msi");
        let mut here = snap.clone();
        for p in &mut here.products {
            p.local_package = Some(rtm.to_string());
        }
        assert_eq!(target_package(patch, None, &here).unwrap(), Path::new(rtm));
        assert_eq!(
            target_package(patch, Some(Path::new("t.msi")), &snap).unwrap(),
            Path::new("t.msi")
        );
    }
}
