//! `msikit info FILE`: kind, summary information and contents.

use std::io::Write;
use std::path::PathBuf;

use msikit::jobs::inspect::SummaryView;

use super::render::{self, opt, Style};

#[derive(clap::Args)]
pub struct Args {
    /// Any Windows Installer file (`-` for standard input)
    file: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

fn langs(v: &[u16]) -> String {
    v.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let info = msikit::jobs::inspect::info(&a.file)?;
    render::show(out, a.json, &info, |out| {
        let mut f: Vec<(String, String)> = vec![
            ("File".into(), info.file.clone()),
            ("Kind".into(), info.description.to_string()),
        ];
        let mut push = |k: &str, v: String| {
            if !v.is_empty() {
                f.push((k.to_string(), v));
            }
        };
        match &info.summary {
            None => push("Summary", "none (no [5]SummaryInformation stream)".into()),
            Some(SummaryView::Database(s)) => {
                push("Title", opt(&s.title));
                push("Subject", opt(&s.subject));
                push("Author", opt(&s.author));
                push("Keywords", opt(&s.keywords));
                push("Comments", opt(&s.comments));
                push("Platform", s.platform.clone());
                push("Languages", langs(&s.languages));
                push("Package code", opt(&s.package_code));
                push("Created", opt(&s.created));
                push("Last saved", opt(&s.last_saved));
                if let Some(v) = &s.minimum_installer_version {
                    push(
                        "Minimum installer",
                        format!("{} ({})", v.version.clone().unwrap_or("?".into()), v.value),
                    );
                }
                if let Some(src) = &s.source {
                    push(
                        "Source flags",
                        format!("{} ({})", src.value, src.names.join(", ")),
                    );
                }
                push("Creating application", opt(&s.creating_application));
                if let Some(sec) = &s.security {
                    push(
                        "Security",
                        format!("{} ({})", sec.value, sec.name.unwrap_or("?")),
                    );
                }
            }
            Some(SummaryView::Patch(p)) => {
                push("Title", opt(&p.title));
                push("Subject", opt(&p.subject));
                push("Author", opt(&p.author));
                push("Patch code", opt(&p.patch_code));
                push("Obsoletes", p.obsoleted_patch_codes.join(" "));
                push("Targets", p.target_product_codes.join(" "));
                push("Transforms", p.transforms.join(" "));
                if let Some(v) = &p.minimum_installer_version {
                    push(
                        "Minimum installer",
                        format!("{} ({})", v.version.clone().unwrap_or("?".into()), v.value),
                    );
                }
                push("Creating application", opt(&p.creating_application));
            }
            Some(SummaryView::Transform(t)) => {
                push("Title", opt(&t.title));
                push("Base must be", opt(&t.target_raw));
                push("Result is", opt(&t.result_raw));
                push(
                    "From",
                    format!(
                        "{} {}",
                        opt(&t.original_product_code),
                        opt(&t.original_product_version)
                    ),
                );
                push(
                    "To",
                    format!(
                        "{} {}",
                        opt(&t.new_product_code),
                        opt(&t.new_product_version)
                    ),
                );
                push("Upgrade code", opt(&t.upgrade_code));
                push(
                    "Validation",
                    format!(
                        "{:#06x} [{}] {}",
                        t.validation.value(),
                        t.validation.letters(),
                        t.validation.names().join(", ")
                    ),
                );
                push("Conditions", t.conditions().join("; "));
                push(
                    "Suppressed errors",
                    format!(
                        "{:#06x} [{}] {}",
                        t.errors.value(),
                        t.errors.letters(),
                        t.errors.names().join(", ")
                    ),
                );
                push("Creating application", opt(&t.creating_application));
            }
        }
        if let Some(cp) = info.codepage {
            push("Code page", cp.to_string());
        }
        push(
            "Contents",
            format!(
                "{} tables, {} streams, {} storages",
                info.tables, info.streams, info.storages
            ),
        );
        push(
            "Signed",
            match (info.signed, info.signed_ex, &info.signature) {
                (false, _, _) => "no".into(),
                (true, ex, state) => {
                    let streams = if ex {
                        "DigitalSignature and MsiDigitalSignatureEx"
                    } else {
                        "DigitalSignature stream"
                    };
                    match state {
                        Some(st) => format!(
                            "yes ({streams}): {}{} (msikit verify)",
                            st.verdict.as_str(),
                            st.signer
                                .as_ref()
                                .map(|s| format!(", signed by {s}"))
                                .unwrap_or_default()
                        ),
                        None => format!("yes ({streams}; not verified)"),
                    }
                }
            },
        );
        if info.missing_bytes > 0 {
            push(
                "Truncated",
                format!(
                    "{} bytes counted by the FAT are missing",
                    info.missing_bytes
                ),
            );
        }
        render::fields(out, style, &f)?;
        if !info.transforms.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = info
                .transforms
                .iter()
                .map(|t| {
                    let s = t.summary.as_ref();
                    vec![
                        t.name.clone(),
                        if t.present {
                            "yes".into()
                        } else {
                            "MISSING".into()
                        },
                        s.map(|s| {
                            format!(
                                "{} {}",
                                opt(&s.original_product_code),
                                opt(&s.original_product_version)
                            )
                        })
                        .unwrap_or_default(),
                        s.map(|s| opt(&s.new_product_version)).unwrap_or_default(),
                        t.conditions.join("; "),
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["TRANSFORM", "PRESENT", "TARGET", "UPGRADED", "CONDITIONS"],
                &rows,
            )?;
        }
        Ok(())
    })?;
    Ok(0)
}
