//! `msikit table FILE NAME`: the rows of one table.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use msikit::formats::container::Container;
use msikit::formats::tables::Value;

use super::render::{self, Style};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Aligned columns for people
    Text,
    /// An object with the schema and the rows (binary cells as {"stream": name})
    Json,
    /// RFC 4180 CSV with a header line
    Csv,
    /// IDT, byte-identical to `msiinfo export FILE NAME`
    Idt,
}

#[derive(clap::Args)]
pub struct Args {
    /// An .msi, .msm or .msp (`-` for standard input)
    file: PathBuf,
    /// The table (also `_SummaryInformation` and `_ForceCodepage` with --format idt)
    name: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(serde::Serialize)]
struct TableJson<'a> {
    table: &'a str,
    columns: Vec<ColumnJson<'a>>,
    keys: Vec<&'a str>,
    rows: Vec<Vec<Value>>,
}

#[derive(serde::Serialize)]
struct ColumnJson<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: String,
    kind: &'static str,
    nullable: bool,
    key: bool,
    localizable: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let format = if a.json { Format::Json } else { a.format };
    let c = Container::open(&a.file)?;
    let out = &mut BufWriter::with_capacity(1 << 16, &mut *out);
    if format == Format::Idt {
        msikit::database::idt::write_idt(&c, &a.name, out)?;
        out.flush()?;
        return Ok(0);
    }
    let t = msikit::database::read_table(&c, &a.name)?;
    let def = &t.def;
    match format {
        Format::Json => {
            let doc = TableJson {
                table: &def.name,
                columns: def
                    .columns
                    .iter()
                    .map(|c| ColumnJson {
                        name: &c.name,
                        ty: c.ty.idt_code(),
                        kind: c.ty.kind_name(),
                        nullable: c.ty.is_nullable(),
                        key: c.ty.is_key(),
                        localizable: c.ty.is_localizable(),
                    })
                    .collect(),
                keys: def
                    .key_indexes()
                    .iter()
                    .map(|&k| def.columns[k].name.as_str())
                    .collect(),
                rows: (0..t.len()).map(|r| t.row_values(r)).collect(),
            };
            render::json(out, &doc)?;
        }
        Format::Csv => {
            let header: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
            render::csv_line(out, &header)?;
            for r in 0..t.len() {
                let cells: Vec<String> = t.row_values(r).iter().map(|v| v.to_string()).collect();
                render::csv_line(out, &cells)?;
            }
        }
        Format::Text | Format::Idt => {
            let headers: Vec<&str> = def.columns.iter().map(|c| c.name.as_str()).collect();
            let rows: Vec<Vec<String>> = (0..t.len())
                .map(|r| t.row_values(r).iter().map(|v| v.to_string()).collect())
                .collect();
            render::table(out, style, &headers, &rows)?;
        }
    }
    out.flush()?;
    Ok(0)
}
