//! `msikit verify FILE...`: Authenticode signatures of packages, patches, transforms and
//! cabinets.

use std::io::Write;
use std::path::PathBuf;

use msikit::jobs::verify::{self, Verification};

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// Packages, merge modules, patches, transforms or cabinets
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Trust these certificates (PEM bundle or DER) instead of the system's CA bundle
    #[arg(long, value_name = "CA.pem")]
    trust: Vec<PathBuf>,
    /// Also verify every PE file (EXE, DLL...) in the package's cabinets or the patch's
    /// payload; exit 0 only when the package and every one of them are valid
    #[arg(long)]
    payload: bool,
    /// Print JSON (an array, one object per file) instead of text
    #[arg(long)]
    json: bool,
}

/// One file's answer, or why it could not be read.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Entry {
    Done(Box<Verification>),
    Failed { file: String, error: String },
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let cx = verify::Context::new(&verify::Options {
        trust: a.trust.clone(),
        now: None,
    })?;
    let mut entries = Vec::new();
    let mut code = 0;
    for f in &a.files {
        let result = verify::verify(f, &cx).and_then(|mut v| {
            if a.payload {
                v.payload = Some(verify::verify_payload(f, &cx)?);
            }
            Ok(v)
        });
        match result {
            Ok(v) => {
                let payload_ok = v.payload.as_ref().is_none_or(|p| p.ok());
                if (!v.ok() || !payload_ok) && code == 0 {
                    code = 1;
                }
                entries.push(Entry::Done(Box::new(v)));
            }
            Err(e) => {
                code = 2;
                entries.push(Entry::Failed {
                    file: f.display().to_string(),
                    error: e.to_string(),
                });
            }
        }
    }
    render::show(out, a.json, &entries, |out| {
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            match e {
                Entry::Done(v) => human(out, style, v)?,
                Entry::Failed { error, .. } => {
                    eprintln!("{}msikit: error:{} {error}", style.err_on(), style.off());
                }
            }
        }
        Ok(())
    })?;
    Ok(code)
}

fn human(out: &mut dyn Write, style: &Style, v: &Verification) -> msikit::Result<()> {
    let mut f: Vec<(String, String)> = vec![
        ("File".into(), v.file.clone()),
        ("Kind".into(), v.kind.clone()),
        ("Verdict".into(), v.verdict.as_str().to_string()),
    ];
    if let Some(s) = &v.signature {
        f.push((
            "Digest algorithm".into(),
            s.digest_algorithm.name().to_string(),
        ));
    }
    for d in &v.digests {
        let mut label = d.name.to_string();
        if let Some(first) = label.get(..1) {
            label = first.to_uppercase() + &label[1..];
        }
        f.push((
            label,
            if d.matches {
                format!("{} (matches)", d.computed)
            } else {
                format!("{} computed, {} signed: MISMATCH", d.computed, d.signed)
            },
        ));
    }
    if let Some(s) = &v.signature {
        if let Some(c) = &s.signer {
            f.push(("Signer".into(), c.subject.clone()));
            f.push(("Serial".into(), c.serial.clone()));
        }
        f.push((
            "Signature".into(),
            if s.signature_valid {
                "valid".into()
            } else {
                "does not verify".into()
            },
        ));
        f.push((
            "Timestamp".into(),
            match &s.timestamp {
                None => "none".into(),
                Some(t) => format!(
                    "{} ({}{}) by {}",
                    t.time.clone().unwrap_or_else(|| "no time".into()),
                    t.kind,
                    if !t.valid {
                        ", does not verify"
                    } else if !t.used {
                        ", not used"
                    } else {
                        ""
                    },
                    t.signer
                        .as_ref()
                        .map(|c| c.subject.clone())
                        .unwrap_or_else(|| "?".into())
                ),
            },
        ));
        if let Some(ch) = &s.chain {
            f.push((
                "Trusted".into(),
                if ch.trusted {
                    "yes".into()
                } else {
                    "no".into()
                },
            ));
        }
        if s.nested_signatures > 0 {
            f.push((
                "Nested signatures".into(),
                format!("{} (not checked)", s.nested_signatures),
            ));
        }
    }
    for p in &v.problems {
        f.push(("Problem".into(), p.clone()));
    }
    for w in &v.warnings {
        f.push(("Warning".into(), w.clone()));
    }
    render::fields(out, style, &f)?;
    if let Some(p) = &v.payload {
        writeln!(out)?;
        if p.files.is_empty() {
            writeln!(out, "No PE files in the payload.")?;
        } else {
            let rows: Vec<Vec<String>> = p
                .files
                .iter()
                .map(|x| {
                    vec![
                        x.path.clone(),
                        x.file.clone(),
                        x.verdict.as_str().to_string(),
                        x.signer.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            render::table(
                out,
                style,
                &["PE FILE", "FILE KEY", "VERDICT", "SIGNER"],
                &rows,
            )?;
        }
        for m in &p.not_checked {
            writeln!(out, "Not checked: {m}")?;
        }
    }
    if let Some(ch) = v.signature.as_ref().and_then(|s| s.chain.as_ref()) {
        writeln!(out)?;
        let rows: Vec<Vec<String>> = ch
            .certificates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    if i == 0 {
                        "signer".into()
                    } else if ch.trusted && i + 1 == ch.certificates.len() {
                        "trusted".into()
                    } else {
                        "issuer".into()
                    },
                    c.subject.clone(),
                    c.serial.clone(),
                    c.not_before.clone(),
                    c.not_after.clone(),
                ]
            })
            .collect();
        render::table(
            out,
            style,
            &["CHAIN", "SUBJECT", "SERIAL", "NOT BEFORE", "NOT AFTER"],
            &rows,
        )?;
    }
    Ok(())
}
