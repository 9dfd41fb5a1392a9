//! Writing cabinets ([MS-CAB]): stored, MSZIP or LZX folders holding the given files in order,
//! every file dated the same instant, so the same files always give the same bytes.
//!
//! The `cab` crate writes cabinets too, but always deflates at level 9 (`Compression::best()`
//! is fixed inside it): on a 20,000-file product that was 77% of `msikit build`'s time, and
//! level 3 gives a cabinet as small as wixl's in a fifth of the time (`cargo xtask bench build`).
//! So the layout is written here, next to the reader that checks it (`header.rs`, `data.rs`), and
//! the deflate is miniz_oxide's, at the level asked for.
//!
//! # Layout
//!
//! ```text
//! CFHEADER  "MSCF", reserved, cbCabinet, reserved, coffFiles, reserved, version 1.3,
//!           cFolders, cFiles, flags 0, setID 0, iCabinet 0                          (36 bytes)
//! CFFOLDER  coffCabStart, cCFData, typeCompress (0 none, 1 MSZIP, 3 | bits << 8 LZX) (8 each)
//! CFFILE    cbFile, uoffFolderStart, iFolder, date, time, attribs, name NUL  (16 + name + 1)
//! CFDATA    csum, cbData, cbUncomp, data                                 (8 + data, per block)
//! ```
//!
//! Each data block holds up to 32 KiB of the folder's bytes. An MSZIP block is `CK` and a deflate
//! stream that ends with a final block, its window being the folder's previous 32 KiB: the
//! compressor keeps its history across blocks, is sync-flushed at each block's end, and an empty
//! final fixed-Huffman block (`03 00`) closes the stream; a block that would grow is stored. The
//! checksum is the one `super::data::block_checksum` verifies.
//!
//! Files are packed into folders in order, a new folder starting once a folder holds 16 MiB (a
//! fixed size, so the layout never depends on the machine); the folders are compressed on all
//! cores at once (each folder's history starts empty). A cabinet counts its files and each
//! folder its blocks with 16-bit fields: at most 65,535 files, and a file of at most 2 GiB.

use crate::error::{Error, Result};

/// The most files one cabinet can hold (CFHEADER.cFiles is 16-bit).
pub(crate) const MAX_FILES: usize = 0xFFFF;

/// One folder's target size: a new folder starts after a file that reaches it.
pub const FOLDER_BYTES: u64 = 16 << 20;

/// The earliest date a cabinet can hold (its date field counts years from 1980).
pub(crate) const DOS_EPOCH_UNIX: i64 = 315_532_800;

/// The uncompressed size of a data block.
const BLOCK: usize = 0x8000;

/// How a cabinet's data is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Stored as is.
    None,
    /// MSZIP at a deflate level from 1 (fastest) to 10 (smallest).
    MsZip(u8),
    /// LZX with a window of 2^`window_bits` bytes (15 to 21), msikit's own compressor
    /// (`super::lzx::encode`).
    Lzx { window_bits: u8 },
}

/// The default: MSZIP at level 3, as small as wixl's cabinets at a fraction of the time.
pub(crate) const DEFAULT_COMPRESSION: Compression = Compression::MsZip(3);

/// One file to put in a cabinet: its name in the cabinet and its bytes.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// A cabinet of `files`, in the order given, each dated `unix_time` (seconds since 1970, UTC;
/// clamped to 1980-01-01 .. 2107-12-31, the range a cabinet can hold).
pub fn write_cabinet(
    files: &[NewFile<'_>],
    unix_time: i64,
    compression: Compression,
) -> Result<Vec<u8>> {
    write_cabinet_in_folders(files, unix_time, compression, FOLDER_BYTES)
}

/// [`write_cabinet`] with folders of `folder_bytes` (a new folder starts after the file that
/// reaches it; `u64::MAX` puts everything in one folder, as makecab does by default).
pub fn write_cabinet_in_folders(
    files: &[NewFile<'_>],
    unix_time: i64,
    compression: Compression,
    folder_bytes: u64,
) -> Result<Vec<u8>> {
    if files.len() > MAX_FILES {
        return Err(Error::unsupported(format!(
            "{} files do not fit in one cabinet (at most {MAX_FILES})",
            files.len()
        )));
    }
    if let Some(f) = files.iter().find(|f| f.data.len() as u64 >= 1 << 31) {
        return Err(Error::unsupported(format!(
            "{} is 2 GiB or more, more than a cabinet file can be",
            f.name
        )));
    }
    match compression {
        Compression::MsZip(l) if !(1..=10).contains(&l) => {
            return Err(Error::invalid(format!(
                "MSZIP level {l} is not between 1 and 10"
            )));
        }
        Compression::Lzx { window_bits: b } if !(15..=21).contains(&b) => {
            return Err(Error::invalid(format!(
                "LZX window 2^{b} is not one of 2^15 to 2^21"
            )));
        }
        _ => {}
    }
    let (date, time) = dos_datetime(unix_time)?;

    // Folders: consecutive files up to FOLDER_BYTES each.
    let mut folders: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    let mut size = 0u64;
    for (i, f) in files.iter().enumerate() {
        size += f.data.len() as u64;
        if size >= folder_bytes {
            folders.push(start..i + 1);
            start = i + 1;
            size = 0;
        }
    }
    if start < files.len() || folders.is_empty() {
        folders.push(start..files.len());
    }
    if folders.len() > 0xFFFF {
        return Err(Error::unsupported("more than 65,535 cabinet folders"));
    }

    // Compress the folders, on all cores.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(folders.len());
    let mut blocks: Vec<Result<Vec<Vec<u8>>>> = Vec::new();
    std::thread::scope(|s| {
        let chunk = folders.len().div_ceil(threads.max(1));
        let handles: Vec<_> = folders
            .chunks(chunk.max(1))
            .map(|group| {
                s.spawn(move || {
                    group
                        .iter()
                        .map(|r| folder_blocks(&files[r.clone()], compression))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => blocks.extend(v),
                // A panic while compressing (a bug) goes on in the caller.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    let blocks = blocks.into_iter().collect::<Result<Vec<_>>>()?;

    // Sizes and offsets.
    let names: Vec<(Vec<u8>, bool)> = files.iter().map(|f| encode_name(f.name)).collect();
    let files_len: usize = names.iter().map(|(n, _)| 16 + n.len() + 1).sum();
    let coff_files = 36 + 8 * folders.len();
    let mut data_start = coff_files + files_len;
    let mut total = data_start;
    for b in &blocks {
        total += b.iter().map(|d| 8 + d.len()).sum::<usize>();
    }
    let total = u32::try_from(total)
        .map_err(|_| Error::unsupported("the cabinet would be 4 GiB or more"))?;

    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(b"MSCF");
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(coff_files as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&[3, 1]);
    out.extend_from_slice(&(folders.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 6]); // flags, setID, iCabinet
    let type_compress: u16 = match compression {
        Compression::None => 0,
        Compression::MsZip(_) => 1,
        Compression::Lzx { window_bits } => 3 | u16::from(window_bits) << 8,
    };
    for b in &blocks {
        if b.len() > 0xFFFF {
            return Err(Error::unsupported(
                "a cabinet folder would need more than 65,535 data blocks",
            ));
        }
        out.extend_from_slice(&(data_start as u32).to_le_bytes());
        out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        out.extend_from_slice(&type_compress.to_le_bytes());
        data_start += b.iter().map(|d| 8 + d.len()).sum::<usize>();
    }
    for (fi, range) in folders.iter().enumerate() {
        let mut offset = 0u32;
        for i in range.clone() {
            let (name, utf8) = &names[i];
            let len = files[i].data.len() as u32;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
            out.extend_from_slice(&(fi as u16).to_le_bytes());
            out.extend_from_slice(&date.to_le_bytes());
            out.extend_from_slice(&time.to_le_bytes());
            let attribs: u16 = 0x20 | if *utf8 { 0x80 } else { 0 };
            out.extend_from_slice(&attribs.to_le_bytes());
            out.extend_from_slice(name);
            out.push(0);
            offset = offset
                .checked_add(len)
                .ok_or_else(|| Error::unsupported("a cabinet folder would hold 4 GiB or more"))?;
        }
    }
    for (fi, range) in folders.iter().enumerate() {
        let mut left: usize = files[range.clone()].iter().map(|f| f.data.len()).sum();
        for d in &blocks[fi] {
            let uncomp = left.min(BLOCK);
            left -= uncomp;
            let sizes = {
                let c = (d.len() as u16).to_le_bytes();
                let u = (uncomp as u16).to_le_bytes();
                [c[0], c[1], u[0], u[1]]
            };
            out.extend_from_slice(&super::data::block_checksum(sizes, d).to_le_bytes());
            out.extend_from_slice(&sizes);
            out.extend_from_slice(d);
        }
    }
    debug_assert_eq!(out.len(), total as usize);
    Ok(out)
}

/// A name as stored, and whether it needs the UTF-8 attribute (anything beyond ASCII).
fn encode_name(name: &str) -> (Vec<u8>, bool) {
    let bytes: Vec<u8> = name
        .bytes()
        .map(|b| if b == 0 { b'_' } else { b })
        .collect();
    let utf8 = !name.is_ascii();
    (bytes, utf8)
}

/// The compressed data blocks of one folder.
fn folder_blocks(files: &[NewFile<'_>], compression: Compression) -> Result<Vec<Vec<u8>>> {
    use miniz_oxide::deflate::core::{
        compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
    };
    if let Compression::Lzx { window_bits } = compression {
        // LZX matches reach back across blocks, up to the window: the folder in one piece.
        let folder = files.iter().map(|f| f.data).collect::<Vec<_>>().concat();
        return Ok(super::lzx::encode::compress(&folder, window_bits));
    }
    // The folder's bytes, cut into 32 KiB blocks across file boundaries.
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::with_capacity(BLOCK);
    for f in files {
        let mut d = f.data;
        while !d.is_empty() {
            let take = (BLOCK - cur.len()).min(d.len());
            cur.extend_from_slice(&d[..take]);
            d = &d[take..];
            if cur.len() == BLOCK {
                chunks.push(std::mem::replace(&mut cur, Vec::with_capacity(BLOCK)));
            }
        }
    }
    if !cur.is_empty() || chunks.is_empty() {
        chunks.push(cur);
    }
    let level = match compression {
        Compression::None => return Ok(chunks),
        Compression::MsZip(l) => l,
        // Compressed above, before the folder was cut into blocks.
        Compression::Lzx { .. } => return Ok(chunks),
    };
    let mut c = Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
        i32::from(level),
        -15,
        0,
    )));
    let mut out = Vec::with_capacity(chunks.len());
    let mut buf = vec![0u8; BLOCK + BLOCK / 2 + 1024];
    for chunk in &chunks {
        let mut block = Vec::with_capacity(chunk.len() / 2 + 16);
        block.extend_from_slice(b"CK");
        let mut input: &[u8] = chunk;
        loop {
            let (status, used, written) = compress(&mut c, input, &mut buf, TDEFLFlush::Sync);
            if status != TDEFLStatus::Okay {
                return Err(Error::malformed(format!(
                    "MSZIP compression failed ({status:?})"
                )));
            }
            block.extend_from_slice(&buf[..written]);
            input = &input[used..];
            if input.is_empty() && written < buf.len() {
                break;
            }
        }
        // Close the block's deflate stream: an empty final block with fixed Huffman codes.
        block.extend_from_slice(&[0x03, 0x00]);
        if block.len() > chunk.len() + 7 {
            // Stored instead: one final stored block. The compressor's history still holds
            // the chunk, as the decompressor's will.
            block.clear();
            block.extend_from_slice(b"CK");
            block.push(1);
            let n = chunk.len() as u16;
            block.extend_from_slice(&n.to_le_bytes());
            block.extend_from_slice(&(!n).to_le_bytes());
            block.extend_from_slice(chunk);
        }
        out.push(block);
    }
    Ok(out)
}

/// The DOS date and time of a cabinet file entry.
fn dos_datetime(unix_time: i64) -> Result<(u16, u16)> {
    // 2107-12-31 23:59:58, the last instant a DOS date and time can say.
    const LAST: i64 = 4_354_819_198;
    let t = unix_time.clamp(DOS_EPOCH_UNIX, LAST);
    let odt = time::OffsetDateTime::from_unix_timestamp(t)
        .map_err(|e| Error::invalid(format!("cabinet date {unix_time}: {e}")))?;
    let date = ((odt.year() - 1980) as u16) << 9
        | (u16::from(u8::from(odt.month()))) << 5
        | u16::from(odt.day());
    let time =
        u16::from(odt.hour()) << 11 | u16::from(odt.minute()) << 5 | u16::from(odt.second() / 2);
    Ok((date, time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::cabinet::Cabinet;

    fn sample() -> Vec<(String, Vec<u8>)> {
        let mut v = vec![
            ("a.txt".to_string(), b"hello ".repeat(20_000)),
            ("empty".to_string(), Vec::new()),
            ("b.bin".to_string(), vec![0u8, 1, 2, 3]),
        ];
        // Incompressible bytes, so some blocks are stored.
        v.push((
            "noise.bin".into(),
            crate::formats::cabinet::tests::noise(100_000, 0x1234_5678),
        ));
        v.push(("café.txt".into(), b"non-ASCII name".to_vec()));
        v
    }

    fn read_back(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        let cab = Cabinet::parse(bytes).unwrap();
        let mut got = Vec::new();
        cab.for_each_file(|f, data| {
            got.push((f.name.clone(), data.to_vec()));
            Ok(())
        })
        .unwrap();
        got
    }

    #[test]
    fn written_cabinets_read_back_and_are_deterministic() {
        let files = sample();
        let refs: Vec<NewFile<'_>> = files
            .iter()
            .map(|(n, d)| NewFile { name: n, data: d })
            .collect();
        for compression in [
            Compression::None,
            Compression::MsZip(1),
            Compression::MsZip(3),
            Compression::MsZip(10),
        ] {
            let one = write_cabinet(&refs, 1_000_000_000, compression).unwrap();
            let two = write_cabinet(&refs, 1_000_000_000, compression).unwrap();
            assert_eq!(one, two);
            assert_eq!(read_back(one.clone()), files, "{compression:?}");
            // The cab crate, a reader written by others, agrees.
            let mut c = cab::Cabinet::new(std::io::Cursor::new(one)).unwrap();
            for (name, data) in &files {
                let mut r = c.read_file(name).unwrap();
                let mut got = Vec::new();
                std::io::Read::read_to_end(&mut r, &mut got).unwrap();
                assert_eq!(&got, data, "{name} {compression:?}");
            }
        }
    }

    #[test]
    fn large_inputs_make_several_folders() {
        let big = vec![7u8; (FOLDER_BYTES as usize) + 10];
        let files = [
            NewFile {
                name: "big",
                data: &big,
            },
            NewFile {
                name: "small",
                data: b"x",
            },
        ];
        let bytes = write_cabinet(&files, 0, DEFAULT_COMPRESSION).unwrap();
        assert_eq!(u16::from_le_bytes([bytes[26], bytes[27]]), 2, "two folders");
        let got = read_back(bytes);
        assert_eq!(got[0].1, big);
        assert_eq!(got[1].1, b"x");
    }

    #[test]
    fn dates_are_clamped_to_what_a_cabinet_holds() {
        assert_eq!(dos_datetime(0).unwrap(), (0x21, 0)); // 1980-01-01 00:00:00
        let (d, _) = dos_datetime(i64::MAX).unwrap();
        assert_eq!(d >> 9, 127);
        assert!(write_cabinet(&[], 0, Compression::MsZip(11)).is_err());
    }
}
