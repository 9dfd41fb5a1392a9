//! `msikit patch info|files|extract|xml|view|create`: what a patch targets and holds, its
//! applicability XML, what it changes in a target database, and building one.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::render::{self, opt, Style};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Patch code, targets, transform pairs and their validation, metadata, sequencing, cabinets
    Info {
        /// The patch (.msp)
        patch: PathBuf,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// The patch applicability XML (as MsiExtractPatchXMLData returns it)
    Xml {
        /// The patch (.msp)
        patch: PathBuf,
    },
    /// Every file the patch adds or changes: version, size, whole file or delta, hashes
    Files {
        /// The patch (.msp)
        patch: PathBuf,
        /// The target database: adds old version and size and the install path
        #[arg(long, value_name = "TARGET.msi")]
        msi: Option<PathBuf>,
        /// Set a property for path resolution (e.g. INSTALLDIR=D:\\Exchange)
        #[arg(long = "property", value_name = "NAME=VALUE")]
        properties: Vec<String>,
        /// Print JSON instead of a table
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV instead of a table
        #[arg(long)]
        csv: bool,
    },
    /// Write the patch's payload files into a folder (by install path with --msi, else by File key)
    Extract {
        /// The patch (.msp)
        patch: PathBuf,
        /// The folder to write into
        #[arg(short = 'C', value_name = "DIR")]
        dir: PathBuf,
        /// The target database, to name files by install path
        #[arg(long, value_name = "TARGET.msi")]
        msi: Option<PathBuf>,
        /// Set a property for path resolution
        #[arg(long = "property", value_name = "NAME=VALUE")]
        properties: Vec<String>,
        /// Print what was written as JSON
        #[arg(long)]
        json: bool,
    },
    /// Build a patch: a transform pair per target, the changed files whole in a cabinet,
    /// MsiPatchMetadata and MsiPatchSequence (see docs/verbs/patch-create.md)
    Create {
        /// The patch manifest (TOML: [patch], [metadata], [[target]])
        #[arg(long, value_name = "PATCH.toml")]
        manifest: PathBuf,
        /// A target image (.msi); pair each with --upgraded, in order
        #[arg(long = "target", value_name = "OLD.msi")]
        targets: Vec<PathBuf>,
        /// The upgraded image of the --target at the same position
        #[arg(long = "upgraded", value_name = "NEW.msi")]
        upgraded: Vec<PathBuf>,
        /// The patch to write
        #[arg(short, long, value_name = "OUT.msp")]
        output: PathBuf,
        /// Print what was built as JSON
        #[arg(long)]
        json: bool,
    },
    /// Apply the patches' applicable transforms to a target in sequence order and show the changes
    View {
        /// The target database (.msi)
        target: PathBuf,
        /// Patches (.msp), ordered by MsiPatchSequence within one family
        #[arg(required = true)]
        patches: Vec<PathBuf>,
        /// Write the patched database
        #[arg(short, long, value_name = "PATCHED.msi")]
        output: Option<PathBuf>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: Command, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    match cmd {
        Command::Info { patch, json } => info(&patch, json, out, style),
        Command::Files {
            patch,
            msi,
            properties: props,
            json,
            csv,
        } => files(&patch, msi.as_deref(), &props, json, csv, out, style),
        Command::Extract {
            patch,
            dir,
            msi,
            properties: props,
            json,
        } => extract(&patch, &dir, msi.as_deref(), &props, json, out, style),
        Command::Create {
            manifest,
            targets,
            upgraded,
            output,
            json,
        } => create(&manifest, targets, upgraded, &output, json, out, style),
        Command::Xml { patch } => xml(&patch, out),
        Command::View {
            target,
            patches,
            output,
            json,
        } => view(&target, &patches, output.as_deref(), json, out, style),
    }
}

/// `patch info`.
fn info(patch: &Path, json: bool, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let p = msikit::views::patch::info(patch)?;
    render::show(out, json, &p, |out| {
        let mut f: Vec<(String, String)> = vec![
            ("Patch".into(), p.file.clone()),
            ("Patch code".into(), opt(&p.patch_code)),
        ];
        let mut push = |k: &str, v: String| {
            if !v.is_empty() {
                f.push((k.into(), v));
            }
        };
        for key in [
            "DisplayName",
            "Description",
            "KBArticle Number",
            "Classification",
            "AllowRemoval",
            "ManufacturerName",
            "TargetProductName",
            "MoreInfoURL",
        ] {
            push(key, p.metadata(key).unwrap_or("").to_string());
        }
        push("Obsoletes", p.obsoleted_patch_codes.join(" "));
        push("Targets", p.target_product_codes.join(" "));
        push(
            "Minimum installer",
            p.minimum_installer_version.clone().unwrap_or_default(),
        );
        push(
            "Signed",
            if p.signed {
                "yes (not verified)".into()
            } else {
                "no".into()
            },
        );
        if !p.missing_transforms.is_empty() {
            push("MISSING transforms", p.missing_transforms.join(" "));
        }
        render::fields(out, style, &f)?;
        writeln!(out)?;
        let rows: Vec<Vec<String>> = p
            .transforms
            .iter()
            .map(|t| {
                vec![
                    format!(
                        "{} + {}",
                        t.transform,
                        t.paired.clone().unwrap_or("(none)".into())
                    ),
                    format!("{} {}", opt(&t.target_product_code), opt(&t.target_version)),
                    opt(&t.upgraded_version),
                    t.conditions.join("; "),
                ]
            })
            .collect();
        render::table(
            out,
            style,
            &["TRANSFORMS", "TARGET", "UPGRADED", "VALIDATION"],
            &rows,
        )?;
        if !p.sequence.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = p
                .sequence
                .iter()
                .map(|s| {
                    vec![
                        s.family.clone(),
                        opt(&s.product_code),
                        s.sequence.clone(),
                        if s.supersede_earlier {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["FAMILY", "PRODUCT", "SEQUENCE", "SUPERSEDES"],
                &rows,
            )?;
        }
        writeln!(out)?;
        let mut rows: Vec<Vec<String>> = p
            .cabinets
            .iter()
            .map(|c| {
                let media: Vec<String> = c
                    .media
                    .iter()
                    .map(|m| {
                        format!(
                            "DiskId {} LastSequence {} ({})",
                            m.disk_id, m.last_sequence, m.transform
                        )
                    })
                    .collect();
                vec![
                    c.stream.clone(),
                    c.size.to_string(),
                    c.sha256.clone(),
                    media.join("; "),
                ]
            })
            .collect();
        for m in &p.missing_cabinets {
            rows.push(vec![
                opt(&m.cabinet),
                "MISSING".into(),
                String::new(),
                format!(
                    "DiskId {} ({}) names a stream the patch does not hold",
                    m.disk_id, m.transform
                ),
            ]);
        }
        render::table(out, style, &["CABINET", "SIZE", "SHA256", "MEDIA"], &rows)?;
        Ok(())
    })?;
    Ok(0)
}

/// `patch files`.
fn files(
    patch: &Path,
    msi: Option<&Path>,
    props: &[String],
    json: bool,
    csv: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let list = msikit::views::patch::files::files(patch, msi, &super::parse_properties(props)?)?;
    render::show(out, json, &list, |out| {
        let headers = [
            "FILE",
            "COMPONENT",
            "NAME",
            "OLD VERSION",
            "NEW VERSION",
            "OLD SIZE",
            "NEW SIZE",
            "LANGUAGE",
            "DELIVERY",
            "ENTRY SIZE",
            "ENTRY SHA256",
            "CABINET",
            "SEQUENCE",
            "MSIFILEHASH",
            "TARGET PATH",
            "FINDING",
            "DELTA ACCEPTS",
        ];
        let rows: Vec<Vec<String>> = list
            .files
            .iter()
            .map(|f| {
                let n = |v: Option<i32>| v.map(|x| x.to_string()).unwrap_or_default();
                vec![
                    f.file.clone(),
                    opt(&f.component),
                    opt(&f.name),
                    opt(&f.old_version),
                    opt(&f.new_version),
                    n(f.old_size),
                    n(f.new_size),
                    opt(&f.language),
                    serde_json::to_value(f.delivery)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    f.entry_size.to_string(),
                    f.entry_sha256.clone(),
                    f.cabinet.clone(),
                    n(f.sequence),
                    f.file_hash
                        .map(|h| format!("{} {} {} {}", h[0], h[1], h[2], h[3]))
                        .unwrap_or_default(),
                    opt(&f.target_path),
                    opt(&f.finding),
                    f.delta
                        .as_ref()
                        .map(|d| {
                            d.sources
                                .iter()
                                .map(|s| format!("{} bytes crc32 {:08x}", s.size, s.crc32))
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default(),
                ]
            })
            .collect();
        if list.files.is_empty() && !csv {
            writeln!(
                out,
                "no files: the patch's cabinets hold none (it changes only the database)"
            )?;
        } else if csv {
            render::csv_line(
                out,
                &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            )?;
            for r in &rows {
                render::csv_line(out, r)?;
            }
        } else {
            // The human table keeps the columns a person scans; --json and --csv have all.
            let keep = [0, 2, 3, 4, 5, 6, 8, 9, 11, 14, 15, 16];
            let h: Vec<&str> = keep
                .iter()
                .filter_map(|&i| headers.get(i).copied())
                .collect();
            let r: Vec<Vec<String>> = rows
                .iter()
                .map(|r| keep.iter().filter_map(|&i| r.get(i).cloned()).collect())
                .collect();
            render::table(out, style, &h, &r)?;
        }
        Ok(())
    })?;
    Ok(0)
}

/// `patch extract`.
fn extract(
    patch: &Path,
    dir: &Path,
    msi: Option<&Path>,
    props: &[String],
    json: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let written =
        msikit::views::patch::files::extract(patch, dir, msi, &super::parse_properties(props)?)?;
    render::show(out, json, &written, |out| {
        let rows: Vec<Vec<String>> = written
            .iter()
            .map(|w| {
                vec![
                    w.path.clone(),
                    serde_json::to_value(w.delivery)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    w.size.to_string(),
                ]
            })
            .collect();
        render::table(out, style, &["WRITTEN", "DELIVERY", "SIZE"], &rows)?;
        Ok(())
    })?;
    Ok(0)
}

/// `patch xml`.
fn xml(patch: &Path, out: &mut dyn Write) -> msikit::Result<i32> {
    let p = msikit::views::patch::info(patch)?;
    out.write_all(msikit::views::patch::xml::applicability_xml(&p).as_bytes())?;
    out.flush()?;
    Ok(0)
}

/// `patch view`.
fn view(
    target: &Path,
    patches: &[PathBuf],
    output: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    let refs: Vec<&std::path::Path> = patches.iter().map(|p| p.as_path()).collect();
    let applied = msikit::views::patch::view(target, &refs, output)?;
    super::transform::print(&applied, json, out, style)
}

fn create(
    manifest: &std::path::Path,
    targets: Vec<PathBuf>,
    upgraded: Vec<PathBuf>,
    output: &std::path::Path,
    json: bool,
    out: &mut dyn Write,
    style: &Style,
) -> msikit::Result<i32> {
    use msikit::jobs::authoring::patch;
    if targets.len() != upgraded.len() {
        return Err(msikit::Error::usage(format!(
            "{} --target and {} --upgraded: give them in pairs",
            targets.len(),
            upgraded.len()
        )));
    }
    let mut m = patch::read_manifest(manifest)?;
    let given = m.targets.len();
    for (i, (old, new)) in targets.into_iter().zip(upgraded).enumerate() {
        m.targets.push(patch::Target {
            old,
            new,
            name: Some(format!("T{}", given + i + 1)),
        });
    }
    let r = patch::create_file(&m, output)?;
    render::show(out, json, &r, |out| {
        render::fields(
            out,
            style,
            &[
                ("Wrote".into(), r.output.clone()),
                ("Patch code".into(), r.patch_code.clone()),
                ("Family".into(), format!("{} {}", r.family, r.sequence)),
                (
                    "Cabinet".into(),
                    format!("{} ({} bytes)", r.cabinet, r.cabinet_bytes),
                ),
                ("Size".into(), format!("{} bytes", r.patch_bytes)),
            ],
        )?;
        writeln!(out)?;
        let rows: Vec<Vec<String>> = r
            .targets
            .iter()
            .map(|t| {
                vec![
                    format!("{} + #{}", t.transform, t.transform),
                    t.product_code.clone(),
                    format!("{} -> {}", t.old_version, t.new_version),
                ]
            })
            .collect();
        render::table(out, style, &["TRANSFORMS", "TARGET", "VERSION"], &rows)?;
        writeln!(out)?;
        let rows: Vec<Vec<String>> = r
            .files
            .iter()
            .map(|f| {
                vec![
                    f.file.clone(),
                    f.sequence.to_string(),
                    f.size.to_string(),
                    if f.new { "added" } else { "replaced" }.into(),
                ]
            })
            .collect();
        render::table(out, style, &["FILE", "SEQUENCE", "SIZE", "CHANGE"], &rows)?;
        Ok(())
    })?;
    Ok(0)
}
