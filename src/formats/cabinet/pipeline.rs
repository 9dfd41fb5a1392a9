//! The threaded pipeline: a folder's blocks decoded on a thread of their own, a few blocks ahead
//! of the callback that takes the files' bytes on the caller's thread.

use super::data::{self, BLOCK_MAX};
use super::{CabFile, Compression, FileChunk, FolderUnit};
use crate::error::{Error, Result};

/// Where the data blocks of a folder come from: one cabinet, or the volumes of a set.
pub(super) trait BlockSource {
    fn next_block(&mut self) -> Result<Option<data::Block<'_>>>;
    /// How many blocks have been read.
    fn read_count(&self) -> usize;
}

impl BlockSource for data::Blocks<'_> {
    fn next_block(&mut self) -> Result<Option<data::Block<'_>>> {
        data::Blocks::next_block(self)
    }
    fn read_count(&self) -> usize {
        usize::from(data::Blocks::read_count(self))
    }
}

/// A piece of a folder's output as the decoder gives it: a [`FileChunk`] whose file is borrowed
/// for as long as the cabinet (`'m`) and whose bytes only for the call (`'d`).
pub(super) enum Piece<'m, 'd> {
    Begin(&'m CabFile),
    Data(&'m CabFile, &'d [u8]),
    End(&'m CabFile),
}

/// What a decoder hands its pieces to.
pub(super) type Sink<'m, 's> = dyn FnMut(Piece<'m, '_>) -> Result<()> + 's;

/// Decoded bytes go from the decoding thread to the caller in batches of about this many bytes
/// (a batch is sent once it holds this much, so it holds at most one block more)...
pub(super) const BATCH_BYTES: usize = 128 * 1024;
/// ... or of this many pieces (many small files).
pub(super) const BATCH_PIECES: usize = 4096;
/// Full batches waiting for the caller. With the one being filled, the one being handed out and
/// those given back for reuse, about five batches (under 1 MiB) exist at most.
pub(super) const BATCHES_QUEUED: usize = 2;

/// One piece of a [`Batch`]: `Data` gives the range of the batch's bytes.
pub(super) enum Op<'m> {
    Begin(&'m CabFile),
    Data(&'m CabFile, std::ops::Range<usize>),
    End(&'m CabFile),
}

/// Pieces of decoded output, their bytes copied into one buffer.
pub(super) struct Batch<'m> {
    ops: Vec<Op<'m>>,
    bytes: Vec<u8>,
    /// On the last batch: how decoding ended.
    end: Option<Result<()>>,
}

impl<'m> Batch<'m> {
    fn new() -> Self {
        Batch {
            ops: Vec::new(),
            bytes: Vec::with_capacity(BATCH_BYTES + BLOCK_MAX),
            end: None,
        }
    }

    fn push(&mut self, piece: Piece<'m, '_>) {
        self.ops.push(match piece {
            Piece::Begin(m) => Op::Begin(m),
            Piece::Data(m, d) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(d);
                Op::Data(m, start..self.bytes.len())
            }
            Piece::End(m) => Op::End(m),
        });
    }

    fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH_BYTES || self.ops.len() >= BATCH_PIECES
    }
}

/// The files of each folder, in the order their bytes lie in it. A file whose folder index is
/// out of range is left out (the callers refuse such cabinets before decoding).
pub(super) fn files_by_folder(files: &[CabFile], folders: usize) -> Vec<Vec<&CabFile>> {
    let mut by_folder: Vec<Vec<&CabFile>> = vec![Vec::new(); folders];
    for file in files {
        if let Some(v) = by_folder.get_mut(usize::from(file.folder)) {
            v.push(file);
        }
    }
    for members in &mut by_folder {
        members.sort_by_key(|m| (m.offset, m.index));
    }
    by_folder
}

/// Runs `decode` on a thread of its own and hands the pieces it gives to `f` on this one, in
/// the same order, so that decoding the next blocks overlaps with what `f` does with the last
/// ones (writing files, mostly). Memory stays bounded: the decoder waits when
/// [`BATCHES_QUEUED`] batches are waiting for `f`.
///
/// `f` sees exactly the pieces it would see were everything done on one thread: an error from
/// `f` stops decoding and is returned (the decoder may have read a few blocks ahead, to no
/// effect); an error from `decode` is returned after `f` has had every piece given before it.
pub(super) fn pipelined<'m>(
    decode: impl FnOnce(&mut Sink<'m, '_>) -> Result<()> + Send,
    f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
) -> Result<()> {
    use std::sync::mpsc;
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch<'m>>(BATCHES_QUEUED);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch<'m>>();
    std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            let mut batch = Batch::new();
            let mut stopped = false;
            let result = decode(&mut |piece| {
                batch.push(piece);
                if batch.is_full() {
                    let next = empty_rx.try_recv().unwrap_or_else(|_| Batch::new());
                    if full_tx.send(std::mem::replace(&mut batch, next)).is_err() {
                        // The caller has stopped (its callback failed): so does decoding.
                        stopped = true;
                        return Err(Error::malformed("extraction stopped"));
                    }
                }
                Ok(())
            });
            if !stopped {
                batch.end = Some(result);
                // When this fails the caller has stopped, and has its own error.
                let _ = full_tx.send(batch);
            }
        });
        let mut outcome = None;
        'batches: while let Ok(mut batch) = full_rx.recv() {
            for op in &batch.ops {
                let r = match op {
                    Op::Begin(m) => f(FileChunk::Begin(m)),
                    Op::Data(m, range) => f(FileChunk::Data(m, &batch.bytes[range.clone()])),
                    Op::End(m) => f(FileChunk::End(m)),
                };
                if let Err(e) = r {
                    outcome = Some(Err(e));
                    break 'batches;
                }
            }
            if let Some(end) = batch.end.take() {
                outcome = Some(end);
                break;
            }
            batch.ops.clear();
            batch.bytes.clear();
            // When this fails the decoder has finished; the batch is not needed.
            let _ = empty_tx.send(batch);
        }
        // Unblocks a decoder waiting to send, which then stops.
        drop(full_rx);
        // A panic while decoding (a bug) is the caller's panic, not an error.
        if let Err(panic) = decoder.join() {
            std::panic::resume_unwind(panic);
        }
        outcome.unwrap_or_else(|| Err(Error::malformed("decoding ended without a result")))
    })
}

/// Decodes the folder numbered `index` up to the end of its last file (`members`, sorted by
/// offset), handing out its files' bytes.
pub(super) fn stream_members<'m>(
    index: usize,
    compression: Compression,
    blocks: &mut dyn BlockSource,
    members: &[&'m CabFile],
    f: &mut dyn FnMut(Piece<'m, '_>) -> Result<()>,
) -> Result<()> {
    // Empty files need no data (cabextract does not read any for them either).
    let needed = members
        .iter()
        .filter(|m| m.size > 0)
        .map(|m| u64::from(m.offset) + u64::from(m.size))
        .max()
        .unwrap_or(0);
    let mut decoder = data::Decoder::new(compression)
        .map_err(|m| Error::malformed(format!("folder {index}: {m}")))?;
    let mut pos = 0u64;
    let mut next = 0usize;
    let mut active: Vec<&'m CabFile> = Vec::new();
    while pos < needed {
        let Some(block) = blocks.next_block()? else {
            let short = members
                .iter()
                .find(|m| u64::from(m.offset) + u64::from(m.size) > pos)
                .map(|m| m.name.as_str())
                .unwrap_or("?");
            return Err(Error::malformed(format!(
                "folder {index}: its {} data blocks decode to {pos} bytes, but file '{short}' \
                 needs bytes up to {needed}",
                blocks.read_count()
            )));
        };
        let (number, offset) = (block.number, block.offset);
        let out = decoder
            .decode(block.data, block.uncompressed)
            .map_err(|m| {
                Error::malformed(format!(
                    "folder {index}: data block {number} at offset {offset}: {m}"
                ))
            })?;
        let end = pos + out.len() as u64;
        while let Some(&m) = members.get(next) {
            if u64::from(m.offset) >= end {
                break;
            }
            f(Piece::Begin(m))?;
            active.push(m);
            next += 1;
        }
        let mut i = 0;
        while i < active.len() {
            let m = active[i];
            let (start, stop) = (u64::from(m.offset), u64::from(m.offset) + u64::from(m.size));
            let (a, b) = (start.max(pos), stop.min(end));
            if a < b {
                f(Piece::Data(m, &out[(a - pos) as usize..(b - pos) as usize]))?;
            }
            if stop <= end {
                f(Piece::End(m))?;
                active.remove(i);
            } else {
                i += 1;
            }
        }
        pos = end;
    }
    // Left: empty files at or past the end of the last non-empty one.
    for &m in &members[next..] {
        f(Piece::Begin(m))?;
        f(Piece::End(m))?;
    }
    Ok(())
}

/// The error for a [`FolderUnit`] whose folder is not among the `count` there are.
pub(super) fn missing_folder(folder: usize, count: usize) -> Error {
    Error::malformed(format!(
        "folder {folder} does not exist (there are {count})"
    ))
}

/// Decodes `units` in order, each by `stream`, on a thread of their own (see [`pipelined`]),
/// handing the pieces to `f`: the one decoding loop of a cabinet and of a set.
pub(super) fn decode_units<'m>(
    units: &[FolderUnit<'m>],
    stream: impl Fn(&FolderUnit<'m>, &mut Sink<'m, '_>) -> Result<()> + Sync,
    f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
) -> Result<()> {
    pipelined(
        |sink| {
            for unit in units {
                stream(unit, sink)?;
            }
            Ok(())
        },
        f,
    )
}

#[cfg(test)]
mod pipeline_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn files(n: usize) -> Vec<CabFile> {
        (0..n)
            .map(|index| CabFile {
                name: format!("f{index}"),
                raw_name: Vec::new(),
                size: 0,
                folder: 0,
                offset: 0,
                date_time: (0, 0),
                attributes: 0,
                name_is_utf8: false,
                index,
            })
            .collect()
    }

    /// What a callback saw: (kind, file index, bytes).
    type Seen = Vec<(char, usize, Vec<u8>)>;

    /// A decoder that gives each file a Begin, `pieces` Data pieces of 1 byte to a block (piece
    /// `j` of file `i` is bytes of value `i + j`), an End, then `end`; `made` counts the pieces
    /// given.
    fn decoder<'m>(
        files: &'m [CabFile],
        pieces: usize,
        end: Result<()>,
        made: &'m AtomicUsize,
    ) -> impl FnOnce(&mut Sink<'m, '_>) -> Result<()> + Send + 'm {
        move |sink| {
            let mut buf = vec![0u8; BLOCK_MAX];
            for m in files {
                made.fetch_add(1, Ordering::Relaxed);
                sink(Piece::Begin(m))?;
                for j in 0..pieces {
                    let len = (j * 7919) % BLOCK_MAX + 1;
                    buf[..len].fill((m.index + j) as u8);
                    made.fetch_add(1, Ordering::Relaxed);
                    sink(Piece::Data(m, &buf[..len]))?;
                }
                made.fetch_add(1, Ordering::Relaxed);
                sink(Piece::End(m))?;
            }
            end
        }
    }

    fn record(seen: &mut Seen, c: FileChunk<'_>) {
        seen.push(match c {
            FileChunk::Begin(m) => ('b', m.index, Vec::new()),
            FileChunk::Data(m, d) => ('d', m.index, d.to_vec()),
            FileChunk::End(m) => ('e', m.index, Vec::new()),
        });
    }

    /// The same decoder run on one thread, for comparison.
    fn serial(files: &[CabFile], pieces: usize) -> Seen {
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let run = decoder(files, pieces, Ok(()), &made);
        run(&mut |p| {
            record(
                &mut seen,
                match p {
                    Piece::Begin(m) => FileChunk::Begin(m),
                    Piece::Data(m, d) => FileChunk::Data(m, d),
                    Piece::End(m) => FileChunk::End(m),
                },
            );
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn pieces_arrive_in_order_across_many_batches() {
        // 40 files of 30 pieces (~20 MB) fill many batches; 5,000 empty files many more.
        for (n, pieces) in [(40, 30), (5000, 0), (1, 0)] {
            let fs = files(n);
            let made = AtomicUsize::new(0);
            let mut seen = Seen::new();
            pipelined(decoder(&fs, pieces, Ok(()), &made), &mut |c| {
                record(&mut seen, c);
                Ok(())
            })
            .unwrap();
            assert!(seen == serial(&fs, pieces), "{n} files of {pieces} pieces");
        }
    }

    #[test]
    fn a_callback_error_stops_decoding_and_is_returned() {
        let fs = files(200);
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let r = pipelined(decoder(&fs, 30, Ok(()), &made), &mut |c| {
            record(&mut seen, c);
            if seen.len() == 100 {
                return Err(Error::refused("disk full"));
            }
            Ok(())
        });
        assert_eq!(r.unwrap_err().to_string(), "disk full");
        assert!(seen[..] == serial(&fs, 30)[..100]);
        // The decoder ran ahead by a few batches at most, not through all 6,400 pieces.
        assert!(made.load(Ordering::Relaxed) < 1000, "{made:?}");
    }

    #[test]
    fn a_decoding_error_comes_after_every_piece_before_it() {
        let fs = files(50);
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let r = pipelined(
            decoder(&fs, 20, Err(Error::malformed("bad block")), &made),
            &mut |c| {
                record(&mut seen, c);
                Ok(())
            },
        );
        assert_eq!(r.unwrap_err().to_string(), "bad block");
        assert!(seen == serial(&fs, 20));
    }
}
