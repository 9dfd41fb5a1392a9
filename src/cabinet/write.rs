//! Writing cabinets: one MSZIP folder holding the given files in order, every file dated the
//! same instant, so the same files always give the same bytes. The `cab` crate does the writing
//! (headers, MSZIP blocks, checksums); this module fixes what it leaves open (dates, limits) and
//! turns its I/O errors into msikit errors.
//!
//! A cabinet counts its files with a 16-bit field, so one cabinet holds at most 65,535 files; a
//! folder's data blocks likewise, so one folder holds at most 65,535 blocks of 32 KiB (2 GiB).
//! Both limits are checked before anything is written.

use std::io::{Cursor, Write};

use crate::error::{Error, Result};

/// The most files one cabinet can hold (CFHEADER.cFiles is 16-bit).
pub const MAX_FILES: usize = 0xFFFF;

/// The most uncompressed bytes one folder can hold (65,535 data blocks of 32 KiB).
pub const MAX_FOLDER_BYTES: u64 = 0xFFFF * 0x8000;

/// One file to put in a cabinet: its name in the cabinet and its bytes.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// The earliest date a cabinet can hold (its date field counts years from 1980).
pub const DOS_EPOCH_UNIX: i64 = 315_532_800;

/// A cabinet (MSZIP, one folder) of `files`, in the order given, each dated `unix_time`
/// (seconds since 1970, UTC; clamped to 1980-01-01 .. 2107-12-31, the range a cabinet can hold).
pub fn write_cabinet(files: &[NewFile<'_>], unix_time: i64) -> Result<Vec<u8>> {
    if files.len() > MAX_FILES {
        return Err(Error::unsupported(format!(
            "{} files do not fit in one cabinet (at most {MAX_FILES})",
            files.len()
        )));
    }
    let total: u64 = files.iter().map(|f| f.data.len() as u64).sum();
    if total > MAX_FOLDER_BYTES {
        return Err(Error::unsupported(format!(
            "{total} bytes do not fit in one cabinet folder (at most {MAX_FOLDER_BYTES})"
        )));
    }
    let datetime = cab_datetime(unix_time)?;
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    for f in files {
        folder.add_file(f.name).set_datetime(datetime);
    }
    let cab_err = |e: std::io::Error| Error::malformed(format!("writing a cabinet: {e}"));
    let mut writer = builder.build(Cursor::new(Vec::new())).map_err(cab_err)?;
    let mut next = files.iter();
    while let Some(mut w) = writer.next_file().map_err(cab_err)? {
        let f = next.next().ok_or_else(|| {
            Error::malformed("writing a cabinet: the cab crate asked for more files than given")
        })?;
        w.write_all(f.data)
            .map_err(|e| Error::malformed(format!("writing {} into a cabinet: {e}", f.name)))?;
    }
    Ok(writer.finish().map_err(cab_err)?.into_inner())
}

fn cab_datetime(unix_time: i64) -> Result<time::PrimitiveDateTime> {
    // 2107-12-31 23:59:58, the last instant a DOS date and time can say.
    const LAST: i64 = 4_354_819_198;
    let t = unix_time.clamp(DOS_EPOCH_UNIX, LAST);
    let odt = time::OffsetDateTime::from_unix_timestamp(t)
        .map_err(|e| Error::usage(format!("cabinet date {unix_time}: {e}")))?;
    Ok(time::PrimitiveDateTime::new(odt.date(), odt.time()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cabinet::Cabinet;

    #[test]
    fn written_cabinets_read_back_and_are_deterministic() {
        let a = b"hello".repeat(10_000);
        let files = [
            NewFile {
                name: "a.txt",
                data: &a,
            },
            NewFile {
                name: "empty",
                data: b"",
            },
            NewFile {
                name: "b.bin",
                data: &[0u8, 1, 2, 3],
            },
        ];
        let one = write_cabinet(&files, 1_000_000_000).unwrap();
        let two = write_cabinet(&files, 1_000_000_000).unwrap();
        assert_eq!(one, two);
        let cab = Cabinet::parse(one).unwrap();
        let mut got = Vec::new();
        cab.for_each_file(|f, data| {
            got.push((f.name.clone(), data.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ("a.txt".to_string(), a.clone()));
        assert_eq!(got[1].1, b"");
        assert_eq!(got[2].1, vec![0u8, 1, 2, 3]);
    }

    #[test]
    fn dates_are_clamped_to_what_a_cabinet_holds() {
        assert_eq!(cab_datetime(0).unwrap().year(), 1980);
        assert_eq!(cab_datetime(i64::MAX).unwrap().year(), 2107);
    }
}
