//! How results look: aligned human tables, JSON, CSV. Nothing here reads a package.

use std::io::{self, IsTerminal, Write};

use super::ColorChoice;

/// Colour decisions, made once from `--color`, NO_COLOR and whether stdout is a terminal.
pub struct Style {
    color: bool,
}

impl Style {
    pub fn new(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        Style { color }
    }
    pub fn bold(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn err_on(&self) -> &'static str {
        if self.color && io::stderr().is_terminal() {
            "\x1b[1;31m"
        } else {
            ""
        }
    }
    pub fn off(&self) -> &'static str {
        if self.color && io::stderr().is_terminal() {
            "\x1b[0m"
        } else {
            ""
        }
    }
}

/// A receiver of the library's extraction progress that draws a bar of files on standard error
/// when `show`, nothing otherwise.
pub fn progress_bar(show: bool) -> impl Fn(msikit::views::payload::Progress) + Sync {
    use msikit::views::payload::Progress;
    let bar = std::sync::OnceLock::<indicatif::ProgressBar>::new();
    move |event| match event {
        Progress::Start { files } => {
            let _ = bar.set(if show {
                let b = indicatif::ProgressBar::new(files as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                b
            } else {
                indicatif::ProgressBar::hidden()
            });
        }
        Progress::FileWritten => {
            if let Some(b) = bar.get() {
                b.inc(1);
            }
        }
        Progress::Finish => {
            if let Some(b) = bar.get() {
                b.finish_and_clear();
            }
        }
    }
}

/// Prints rows as an aligned table with a header line: no borders, columns separated by two
/// spaces, no trailing blanks (the look of `ls -l` or msiinfo). Layout by comfy-table; control
/// characters in cells are shown escaped so a row stays on one line.
pub fn table<W: Write + ?Sized>(
    out: &mut W,
    style: &Style,
    headers: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    use comfy_table::{presets::NOTHING, Cell, ContentArrangement, Table};
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(Cell::new));
    for r in rows {
        t.add_row(r.iter().map(|c| Cell::new(one_line(c))));
    }
    let n = headers.len();
    for (i, col) in t.column_iter_mut().enumerate() {
        col.set_padding((0, if i + 1 < n { 2 } else { 0 }));
    }
    for (i, line) in t.lines().enumerate() {
        let line = line.trim_end();
        if i == 0 {
            writeln!(out, "{}", style.bold(line))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Shows control characters in a cell so a row stays on one line.
pub fn one_line(s: &str) -> String {
    if !s.chars().any(|c| c.is_control()) {
        return s.to_string();
    }
    s.chars()
        .flat_map(|c| match c {
            '\r' => "\\r".chars().collect::<Vec<_>>(),
            '\n' => "\\n".chars().collect(),
            '\t' => "\\t".chars().collect(),
            c if c.is_control() => format!("\\x{:02x}", c as u32).chars().collect(),
            c => vec![c],
        })
        .collect()
}

/// Key/value lines ("Title:  Installation Database"), keys aligned.
pub fn fields<W: Write + ?Sized>(
    out: &mut W,
    style: &Style,
    pairs: &[(String, String)],
) -> io::Result<()> {
    let w = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in pairs {
        let pad = " ".repeat(w - k.chars().count());
        writeln!(
            out,
            "{}{pad}  {}",
            style.bold(&format!("{k}:")),
            one_line(v)
        )?;
    }
    Ok(())
}

/// The one way a verb shows its result: pretty JSON of `value` when `as_json`, else what `human`
/// writes; then `out` is flushed.
pub fn show<T: serde::Serialize>(
    out: &mut dyn Write,
    as_json: bool,
    value: &T,
    human: impl FnOnce(&mut dyn Write) -> msikit::Result<()>,
) -> msikit::Result<()> {
    if as_json {
        json(out, value)?;
    } else {
        human(out)?;
    }
    out.flush()?;
    Ok(())
}

/// Pretty JSON with a final newline. (A closed pipe stays an I/O error of kind BrokenPipe, which the
/// binary ends quietly on.)
pub fn json<W: Write + ?Sized, T: serde::Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// An optional text, empty when absent.
pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// One CSV field, quoted when needed (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV line with CRLF, as RFC 4180 asks.
pub fn csv_line<W: Write + ?Sized>(out: &mut W, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    write!(out, "{}\r\n", line.join(","))
}
