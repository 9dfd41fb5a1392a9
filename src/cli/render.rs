//! How results look: aligned human tables, JSON, CSV. Nothing here reads a package.

use std::io::{self, IsTerminal, Write};

use super::ColorChoice;

/// Colour and width decisions, made once from `--color`, NO_COLOR, `--width`, `COLUMNS` and
/// whether stdout is a terminal.
pub struct Style {
    color: bool,
    /// The widest a line of a human table may be; `None` for no limit.
    width: Option<usize>,
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
        Style { color, width: None }
    }

    /// Sets the width human tables fit: `--width N` when given (0 = no limit); otherwise, when
    /// stdout is a terminal, `COLUMNS` when it is a positive number, else the terminal's width;
    /// when stdout is not a terminal (a pipe, a file), no limit, so scripts get whole values.
    pub fn with_width(mut self, explicit: Option<usize>) -> Style {
        self.width = match explicit {
            Some(0) => None,
            Some(n) => Some(n),
            None if io::stdout().is_terminal() => std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|&c| c > 0)
                .or_else(|| comfy_table::Table::new().width().map(usize::from)),
            None => None,
        };
        self
    }

    /// The width human tables fit, if any.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    /// A free line of human output (a heading, a note) cut to the width, if any.
    pub fn line(&self, s: &str) -> String {
        match self.width {
            Some(w) => cut(s, w),
            None => s.to_string(),
        }
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
///
/// With a width ([`Style::width`]) every line fits it: when the natural layout is wider, the
/// columns that are neither the first nor a name, path, file or key column are left out from
/// the right until the rest can fit (a last line says which), the wide columns shrink, and each
/// cell longer than its column is cut with an ellipsis (`--json` and `--csv` keep full values).
pub fn table<W: Write + ?Sized>(
    out: &mut W,
    style: &Style,
    headers: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    use comfy_table::{presets::NOTHING, Cell, ContentArrangement, Table};
    let mut headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| one_line(c)).collect())
        .collect();
    let mut left_out = Vec::new();
    if let Some(width) = style.width {
        let hide = columns_to_hide(width, &headers, &rows);
        for &i in hide.iter().rev() {
            left_out.insert(0, headers.remove(i));
            for r in &mut rows {
                if i < r.len() {
                    r.remove(i);
                }
            }
        }
        let widths = fit_widths(width, &headers, &rows);
        for (i, w) in widths.iter().enumerate() {
            // A path says most at its end (the folder and file name): cut it in the middle.
            let is_path = headers[i].to_ascii_uppercase().contains("PATH");
            headers[i] = cut(&headers[i], *w);
            for r in &mut rows {
                if let Some(c) = r.get_mut(i) {
                    *c = if is_path {
                        cut_middle(c, *w)
                    } else {
                        cut(c, *w)
                    };
                }
            }
        }
    }
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(Cell::new));
    for r in &rows {
        t.add_row(r.iter().map(Cell::new));
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
    if !left_out.is_empty() {
        let note = format!(
            "(left out to fit {} columns: {}; --json shows all)",
            style.width.unwrap_or(0),
            left_out.join(", ")
        );
        writeln!(out, "{}", style.line(&note))?;
    }
    Ok(())
}

/// The widest cell (or header) of each column.
fn natural_widths(headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    (0..headers.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| cell_width(c))
                .chain(std::iter::once(cell_width(&headers[i])))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Column widths that fit `width` with two spaces between columns: each column starts at its
/// minimum ([`min_width`]), and the room left goes to the columns that are cut, in proportion to
/// how much they lack (twice as much for name, path, file and key columns).
fn fit_widths(width: usize, headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let natural = natural_widths(headers, rows);
    let n = natural.len();
    let avail = width.saturating_sub(2 * n.saturating_sub(1));
    if natural.iter().sum::<usize>() <= avail {
        return natural;
    }
    let mut widths: Vec<usize> = (0..n).map(|i| min_width(&headers[i], natural[i])).collect();
    // Protected columns alone may be wider than the room: then they share it equally.
    if widths.iter().sum::<usize>() > avail {
        let each = (avail / n.max(1)).max(1);
        return natural.iter().map(|&w| w.min(each)).collect();
    }
    let weight = |i: usize| if keeps(&headers[i]) { 2 } else { 1 };
    for _ in 0..n {
        let extra = avail - widths.iter().sum::<usize>();
        let lack: Vec<usize> = (0..n)
            .map(|i| (natural[i] - widths[i]) * weight(i))
            .collect();
        let total: usize = lack.iter().sum();
        if extra == 0 || total == 0 {
            break;
        }
        let mut given = 0;
        for i in 0..n {
            let more = (extra * lack[i] / total).min(natural[i] - widths[i]);
            widths[i] += more;
            given += more;
        }
        if given == 0 {
            // Rounding left a few columns over: one each to the columns that lack most.
            let mut order: Vec<usize> = (0..n).filter(|&i| lack[i] > 0).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(lack[i]));
            for i in order.into_iter().take(extra) {
                widths[i] += 1;
            }
            break;
        }
    }
    widths
}

/// Width of a cell as a terminal shows it, near enough to choose columns (comfy-table measures
/// exactly when it lays them out).
fn cell_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !c.is_ascii() && is_wide(c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// East Asian wide and fullwidth ranges (Hangul, CJK, kana, fullwidth forms).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// `s` cut to `width` terminal columns, with an ellipsis when cut.
pub fn cut(s: &str, width: usize) -> String {
    if cell_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = cell_width(c.encode_utf8(&mut [0; 4]));
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// `s` cut to `width` terminal columns by leaving out its middle (a third kept from the start,
/// the rest from the end), with an ellipsis where it was cut.
pub fn cut_middle(s: &str, width: usize) -> String {
    if cell_width(s) <= width {
        return s.to_string();
    }
    if width < 8 {
        return cut(s, width);
    }
    let head_room = (width - 1) / 3;
    let mut head = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = cell_width(c.encode_utf8(&mut [0; 4]));
        if w + cw > head_room {
            break;
        }
        head.push(c);
        w += cw;
    }
    let tail_room = width - 1 - w;
    let mut tail: Vec<char> = Vec::new();
    let mut t = 0;
    for c in s.chars().rev() {
        let cw = cell_width(c.encode_utf8(&mut [0; 4]));
        if t + cw > tail_room {
            break;
        }
        tail.push(c);
        t += cw;
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// The narrowest a column may get before columns are left out: its header, or 12 columns (20
/// for a name, path, file or key column), whichever is wider, but never more than its widest
/// cell (short values such as versions and sizes are not cut).
fn min_width(header: &str, natural: usize) -> usize {
    let floor = if keeps(header) { 20 } else { 12 };
    natural.min(cell_width(header).max(floor))
}

/// Whether a column stays however narrow the width: names, paths, files, keys, tables, rows.
fn keeps(header: &str) -> bool {
    let h = header.to_ascii_uppercase();
    ["NAME", "PATH", "FILE", "KEY", "TABLE", "ROW"]
        .iter()
        .any(|k| h.contains(k))
}

/// The columns to leave out so that the others fit `width` at their minimum widths: from the
/// right, never the first column nor a name, path, file or key column.
fn columns_to_hide(width: usize, headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let n = headers.len();
    let natural = natural_widths(headers, rows);
    let mins: Vec<usize> = (0..n).map(|i| min_width(&headers[i], natural[i])).collect();
    let mut shown: Vec<usize> = (0..n).collect();
    let need = |shown: &[usize]| -> usize {
        shown.iter().map(|&i| mins[i]).sum::<usize>() + 2 * shown.len().saturating_sub(1)
    };
    let mut hidden = Vec::new();
    while need(&shown) > width {
        let Some(pos) = shown.iter().rposition(|&i| i != 0 && !keeps(&headers[i])) else {
            break;
        };
        hidden.push(shown.remove(pos));
    }
    hidden.sort_unstable();
    hidden
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
        let v = one_line(v);
        let v = match style.width() {
            Some(width) => cut(&v, width.saturating_sub(w + 3).max(8)),
            None => v,
        };
        writeln!(out, "{}{pad}  {v}", style.bold(&format!("{k}:")))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn style(width: usize) -> Style {
        Style {
            color: false,
            width: Some(width),
        }
    }

    #[test]
    fn paths_are_cut_in_the_middle() {
        let p = r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe";
        let c = cut_middle(p, 30);
        assert_eq!(cell_width(&c), 30);
        assert!(
            c.starts_with(r"C:\Progr") && c.ends_with(r"\Bin\store.exe"),
            "{c}"
        );
        assert_eq!(cut_middle("short", 30), "short");
    }

    #[test]
    fn cut_counts_wide_characters_twice() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
        assert_eq!(cut("日本語の製品", 7), "日本語…");
        assert_eq!(cell_width(&cut("日本語の製品", 6)), 5);
    }

    #[test]
    fn tables_fit_and_keep_names() {
        let long = "x".repeat(2000);
        let rows = vec![
            vec![
                "store.exe".to_string(),
                r"C:\Program Files\Microsoft\Exchange Server\Bin\store.exe".to_string(),
                "4608".into(),
                long.clone(),
                "#product.cab".into(),
            ],
            vec![
                "mad.exe".to_string(),
                r"C:\Program Files\Microsoft\Exchange Server\Bin\mad.exe".to_string(),
                "4608".into(),
                "short".into(),
                "#product.cab".into(),
            ],
        ];
        let headers = ["FILE", "PATH", "SIZE", "VALUE", "CABINET"];
        for w in [40, 60, 80, 120] {
            let mut out = Vec::new();
            table(&mut out, &style(w), &headers, &rows).unwrap();
            let text = String::from_utf8(out).unwrap();
            for line in text.lines() {
                assert!(cell_width(line) <= w, "{w}: {line:?}");
            }
            assert!(text.contains("store.exe"), "{text}");
            assert!(text.contains(r"C:\Pr"), "{text}");
            assert!(text.contains(r"\store.exe"), "{text}");
        }
        // No width: every value whole.
        let mut out = Vec::new();
        let unlimited = Style {
            color: false,
            width: None,
        };
        table(&mut out, &unlimited, &headers, &rows).unwrap();
        assert!(String::from_utf8(out).unwrap().contains(&long));
    }

    #[test]
    fn low_priority_columns_go_first() {
        let headers: Vec<String> = ["FILE", "PATH", "A", "B", "C"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = vec![vec![
            "f".repeat(30),
            "p".repeat(60),
            "a".repeat(30),
            "b".repeat(30),
            "c".repeat(30),
        ]];
        assert_eq!(columns_to_hide(200, &headers, &rows), Vec::<usize>::new());
        assert_eq!(columns_to_hide(60, &headers, &rows), vec![3, 4]);
        assert_eq!(columns_to_hide(30, &headers, &rows), vec![2, 3, 4]);
    }
}
