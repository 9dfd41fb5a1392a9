//! `msikit diagnose FILE... [--msi T.msi] [--patch P.msp] [--snapshot S.json] [--kb 930809]`:
//! after a failed install, what happened, why, and what to do, from verbose logs and event-log
//! exports.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// Verbose logs (msiexec /l*v, UTF-16 or ANSI) and event-log exports (text as Event Viewer
    /// copies it, CSV, XML from wevtutil qe /f:xml), recognised by their content
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The product package, to name the product code of events
    #[arg(long, value_name = "TARGET.msi")]
    msi: Option<PathBuf>,
    /// The patch, to name the patch code of events
    #[arg(long, value_name = "PATCH.msp")]
    patch: Option<PathBuf>,
    /// A machine snapshot, to name installed products and patches
    #[arg(long, value_name = "SERVER.json")]
    snapshot: Option<PathBuf>,
    /// Match the known issues of this KB's built-in rule file (930809); by default every
    /// built-in file whose product or patch shows up
    #[arg(long, value_name = "NUMBER")]
    kb: Option<String>,
    /// A rule file with [[known_issue]] entries (any KB)
    #[arg(long, value_name = "RULES.toml")]
    rules: Option<PathBuf>,
    /// The ANSI code page of logs that are neither UTF-16 nor UTF-8
    #[arg(long, value_name = "CP", default_value_t = 1252)]
    code_page: u16,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let opts = msikit::jobs::diagnose::Options {
        msi: a.msi,
        patch: a.patch,
        snapshot: a.snapshot,
        kb: a.kb,
        rules: a.rules,
        code_page: Some(a.code_page),
    };
    let d = msikit::jobs::diagnose::diagnose(&a.files, &opts)?;
    let code = if d.failed() { 1 } else { 0 };
    render::show(out, a.json, &d, |out| human(out, style, &d))?;
    Ok(code)
}

fn human(
    out: &mut dyn Write,
    style: &Style,
    d: &msikit::jobs::diagnose::Diagnosis,
) -> msikit::Result<()> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for i in &d.inputs {
        let kind = match i.kind {
            "verbose-log" => "verbose log",
            "event-text" => "events as text",
            "event-csv" => "events as CSV",
            "event-xml" => "events as XML",
            k => k,
        };
        let what = if i.kind == "verbose-log" {
            format!("{} lines", i.lines)
        } else {
            format!(
                "{} event{}",
                i.records,
                if i.records == 1 { "" } else { "s" }
            )
        };
        pairs.push((
            "Read".into(),
            format!("{} ({kind}, {}, {what})", i.file, i.encoding),
        ));
        for s in &i.skipped {
            pairs.push(("Skipped".into(), format!("{}: {s}", i.file)));
        }
    }
    match &d.exit_code {
        Some(e) => pairs.push((
            "Exit code".into(),
            format!("{} {}: {} (from {})", e.code, e.name, e.meaning, e.source),
        )),
        None => pairs.push(("Exit code".into(), "not in the material".into())),
    }
    render::fields(out, style, &pairs)?;

    for s in &d.sessions {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.bold(&format!("Session at {}:{}", s.file, s.line))
        )?;
        let mut p: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                p.push((k.into(), v.clone()));
            }
        };
        add("Started", &s.started);
        add("Calling process", &s.calling_process);
        add("Product", &s.product);
        add("Product code", &s.product_code);
        add("Product version", &s.product_version);
        add("PATCH", &s.patch);
        add("Failed action", &s.failed_action);
        p.push(("Actions".into(), s.actions.to_string()));
        for (patch, ok) in &s.patches {
            p.push((
                "Patch".into(),
                format!(
                    "{patch}: {}",
                    if *ok { "applicable" } else { "not applicable" }
                ),
            ));
        }
        for o in &s.outcomes {
            p.push(("Outcome".into(), o.clone()));
        }
        for (who, c) in &s.engine_returns {
            p.push(("Returned".into(), format!("{c} ({who})")));
        }
        render::fields(out, style, &p)?;
    }

    writeln!(out)?;
    writeln!(out, "{}", style.bold("Time line:"))?;
    let rows: Vec<Vec<String>> = d
        .timeline
        .iter()
        .map(|m| {
            vec![
                m.time.clone().unwrap_or_default(),
                match m.line {
                    Some(l) => format!("{}:{l}", m.file),
                    None => m.file.clone(),
                },
                m.what.clone(),
            ]
        })
        .collect();
    let mut rows = rows;
    if d.timeline_left_out > 0 {
        // The first moments are kept, then the latest: the gap is between them.
        let at = rows.len().div_ceil(2);
        rows.insert(
            at,
            vec![
                String::new(),
                "…".into(),
                format!("({} moments left out)", d.timeline_left_out),
            ],
        );
    }
    render::table(out, style, &["TIME", "WHERE", "WHAT"], &rows)?;
    if d.sessions_left_out > 0 {
        writeln!(
            out,
            "({} more sessions not shown: the first and the failed ones are)",
            d.sessions_left_out
        )?;
    }

    writeln!(out)?;
    match &d.root_cause {
        None if d.failed() => writeln!(
            out,
            "{} no action returned 3 in the material given",
            style.bold("Root cause:")
        )?,
        None => writeln!(out, "{} none: no failure found", style.bold("Root cause:"))?,
        Some(r) => {
            writeln!(out, "{}", style.bold("Root cause:"))?;
            let mut p = vec![
                ("Kind".to_string(), r.kind.to_string()),
                ("What".to_string(), r.summary.clone()),
                (
                    "Where".to_string(),
                    match r.line {
                        Some(l) => format!("{}:{l}", r.file),
                        None => r.file.clone(),
                    },
                ),
            ];
            if let Some(a) = &r.action {
                p.push(("Action".into(), a.clone()));
            }
            if let Some(a) = &r.script_action {
                p.push(("Script action".into(), a.clone()));
            }
            if let Some(t) = &r.time {
                p.push(("Time".into(), t.clone()));
            }
            render::fields(out, style, &p)?;
            if !r.messages.is_empty() {
                let rows: Vec<Vec<String>> = r
                    .messages
                    .iter()
                    .map(|m| {
                        vec![
                            m.line.map(|l| l.to_string()).unwrap_or_default(),
                            m.number.to_string(),
                            if m.documented_text {
                                format!("{} [documented text]", m.text)
                            } else {
                                m.text.clone()
                            },
                        ]
                    })
                    .collect();
                writeln!(out)?;
                render::table(out, style, &["LINE", "NUMBER", "MESSAGE"], &rows)?;
            }
        }
    }

    if !d.files_in_use.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.bold("Files in use:"))?;
        let rows: Vec<Vec<String>> = d
            .files_in_use
            .iter()
            .map(|f| {
                vec![
                    f.file.clone().unwrap_or_else(|| "?".into()),
                    match (&f.process, f.pid) {
                        (Some(p), Some(i)) => format!("{p} ({i})"),
                        (Some(p), None) => p.clone(),
                        (None, Some(i)) => format!("({i})"),
                        (None, None) => "not named".into(),
                    },
                    match f.line {
                        Some(l) => format!("{} ({}:{l})", f.evidence, f.file_name),
                        None => format!("{} ({})", f.evidence, f.file_name),
                    },
                ]
            })
            .collect();
        render::table(out, style, &["FILE", "HOLDER", "EVIDENCE"], &rows)?;
    }

    if !d.events.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.bold("Events:"))?;
        for e in &d.events {
            let mut p: Vec<(String, String)> = vec![(
                "Event".into(),
                format!(
                    "{} {} ({})",
                    e.event.id,
                    e.event.level.as_deref().unwrap_or("?"),
                    e.event.source.as_deref().unwrap_or("?")
                ),
            )];
            if let Some(t) = &e.event.time {
                p.push(("Time".into(), t.clone()));
            }
            p.push(("Description".into(), e.event.description.clone()));
            if let Some(x) = &e.data {
                p.push(("Data".into(), x.text.clone()));
                if let Some(c) = &x.product_code {
                    p.push(("Product code".into(), named(c, &e.product)));
                }
                if let Some(c) = &x.patch_code {
                    p.push(("Patch code".into(), named(c, &e.patch)));
                }
                if let Some(c) = x.error_code {
                    p.push(("Error code".into(), c.to_string()));
                }
            }
            if let Some(err) = e.error {
                let text = e.error_text.as_deref().unwrap_or("");
                p.push((
                    "Error".into(),
                    format!("{err} {text}").trim_end().to_string(),
                ));
            }
            render::fields(out, style, &p)?;
            writeln!(out)?;
        }
    }

    if d.known_issues.is_empty() {
        if d.events.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{} none matches", style.bold("Known issues:"))?;
    }
    for k in &d.known_issues {
        if d.events.is_empty() {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{}",
            style.bold(&format!("Known issue: KB{} {}: {}", k.kb, k.id, k.title))
        )?;
        let mut p = vec![
            ("Matched".to_string(), k.matched.join(", ")),
            ("Cause".to_string(), k.cause.clone()),
        ];
        if let Some(r) = &k.dry_run {
            p.push((
                "Dry run".into(),
                format!("msikit check PATCH.msp --snapshot SERVER.json checks this before the install (rule {r})"),
            ));
        }
        render::fields(out, style, &p)?;
        writeln!(out, "{}", style.bold("Workaround:"))?;
        for (i, w) in k.workaround.iter().enumerate() {
            writeln!(out, "  {}. {w}", i + 1)?;
        }
    }
    Ok(())
}

fn named(code: &str, name: &Option<String>) -> String {
    match name {
        Some(n) => format!("{code} {n}"),
        None => code.to_string(),
    }
}
