//! LZX as cabinet folders hold it: msikit's own decoder (the compressor is in [`encode`]).
//!
//! The format (Microsoft's "LZX DELTA" specification, [MS-PATCH], less the DELTA parts; the
//! cabinet variant is the one libmspack and cabextract read):
//! * The folder is one stream; each CFDATA block holds one *frame*, the code for the next
//!   32 KiB of output (the folder's last may be shorter). Frames end on a 16-bit boundary of the
//!   stream, so each block's data is decoded from its own first byte, while everything else
//!   (window, trees, repeated offsets, the block in progress) carries on.
//! * Bits come from 16-bit little-endian words, each read from its top bit down.
//! * The stream opens with one bit: when set, E8 call translation is on and a 32-bit
//!   translation size follows (the high 16 bits first).
//! * Then blocks, each a 3-bit type (1 verbatim, 2 aligned offset, 3 uncompressed) and a 24-bit
//!   count of output bytes. A block may span frames; a match may not cross the end of its block
//!   or of its frame.
//! * Verbatim blocks carry a main tree (256 literals, then 8 match headers per position slot)
//!   and a length tree (249 symbols), each as path lengths coded by a 20-symbol *pretree* and
//!   given as changes (mod 17) from the lengths of the previous block. Aligned-offset blocks
//!   first carry an 8-symbol aligned tree (3 bits per length), used for the low 3 bits of long
//!   offsets. Uncompressed blocks are aligned (1 to 16 bits of padding), give the three repeated
//!   offsets as 32-bit little-endian words, then the bytes, then a pad byte if their count is odd;
//!   bits are then read again in 16-bit words counted from the byte after (so after an odd block
//!   and its pad the words start on odd bytes of the CFDATA; the corpus cabinet from chef needs it).
//! * A match header is `slot * 8 + length_header`: a length header of 7 takes a length-tree
//!   symbol more; slots 0 to 2 reuse the three most recent offsets; higher slots have a base and
//!   0 to 17 extra bits.
//! * Codes are canonical Huffman codes of at most 16 bits; a tree must be complete or, for the
//!   length tree only, empty (libmspack refuses anything else).
//!
//! Why not the `lzxd` crate: it copies every match byte by byte (40-60% of the time extracting
//! a 2 GiB LZX folder was in that copy, which left msikit slower than msiextract), it cannot tell
//! a match that reaches back before the folder's first byte (it reads zeros there, where
//! cabextract stops), and it mistranslates an E8 operand of 0.
//!
//! No input can make this code panic, index out of bounds or run without end: every frame
//! produces at most 32 KiB, every element at least one byte, and reading past the end of a
//! block's data gives zeros and is then reported as an error.

pub(super) mod encode;

/// Output bytes per frame (and so per CFDATA block).
pub(crate) const FRAME: usize = 32768;

/// E8 translation stops after this many bytes of output: 1 GiB (libmspack and cabextract stop
/// after 32768 frames of 32 KiB).
const E8_LIMIT: u64 = 0x4000_0000;

const PRETREE_SYMBOLS: usize = 20;
const LENGTH_SYMBOLS: usize = 249;
const ALIGNED_SYMBOLS: usize = 8;
/// 256 literals and 8 match headers for each of at most 50 position slots.
const MAIN_MAX: usize = 256 + 8 * 50;
/// A run of path lengths may go on past the end of the range it was coding (libmspack lets it,
/// into a margin of 64); so may msikit, into the same margin.
const RUN_MARGIN: usize = 64;
const MAX_CODE: u32 = 16;

/// Extra bits of each position slot: 0, 0, 0, 0, 1, 1, 2, 2, ... 16, 16, then 17.
const fn extra_bits(slot: usize) -> u32 {
    if slot < 4 {
        0
    } else if slot < 36 {
        (slot as u32 - 2) / 2
    } else {
        17
    }
}

/// Base offset (plus 2) of each position slot: each slot starts where the one before it ends.
const BASE: [u32; 51] = {
    let mut base = [0u32; 51];
    let mut i = 1;
    while i < 51 {
        base[i] = base[i - 1] + (1 << extra_bits(i - 1));
        i += 1;
    }
    base
};

const EXTRA: [u32; 51] = {
    let mut extra = [0u32; 51];
    let mut i = 0;
    while i < 51 {
        extra[i] = extra_bits(i);
        i += 1;
    }
    extra
};

/// How many position slots a window of 2^`bits` bytes has.
fn position_slots(bits: u8) -> usize {
    match bits {
        15 => 30,
        16 => 32,
        17 => 34,
        18 => 36,
        19 => 38,
        20 => 42,
        _ => 50,
    }
}

/// Reads one frame's data as bits: 16-bit little-endian words, top bit first. Past the end it
/// gives zeros, and [`overrun`](Bits::overrun) then says so.
struct Bits<'a> {
    data: &'a [u8],
    /// Where the next word is loaded from.
    next: usize,
    /// Where reading (re)started: words are counted from here. After an uncompressed block
    /// of odd size and its pad byte, this is an odd byte of the data.
    origin: usize,
    /// The bits loaded and not yet used, at the top.
    buf: u64,
    count: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], at: usize) -> Self {
        Bits {
            data,
            next: at,
            origin: at,
            buf: 0,
            count: 0,
        }
    }

    /// Loads words until at least 49 bits are ready: enough for a main code, a length code and
    /// 17 extra bits.
    #[inline(always)]
    fn refill(&mut self) {
        while self.count <= 48 {
            let lo = self.data.get(self.next).copied().unwrap_or(0);
            let hi = self.data.get(self.next + 1).copied().unwrap_or(0);
            let word = u64::from(u16::from_le_bytes([lo, hi]));
            self.buf |= word << (48 - self.count);
            self.count += 16;
            self.next += 2;
        }
    }

    /// The next `n` bits (1 to 32; the caller has refilled) without using them.
    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn skip(&mut self, n: u32) {
        self.buf <<= n;
        self.count -= n;
    }

    /// Reads `n` bits (0 to 32).
    #[inline(always)]
    fn read(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.count < n {
            self.refill();
        }
        let v = self.peek(n);
        self.skip(n);
        v
    }

    /// Bits used so far, counted from the start of the data.
    fn used(&self) -> usize {
        self.next * 8 - self.count as usize
    }

    /// Whether more bits were used than the data has.
    fn overrun(&self) -> bool {
        self.used() > self.data.len() * 8
    }

    /// Skips to the end of the current 16-bit word (counted from where reading started), a
    /// whole word when already at one (how an uncompressed block's header is padded), and
    /// gives the byte position reached.
    fn align(&mut self) -> usize {
        let used = self.used();
        let pad = 16 - ((used - self.origin * 8) % 16) as u32;
        let at = (used + pad as usize) / 8;
        self.restart(at);
        at
    }

    /// Continues reading bits at byte `at`.
    fn restart(&mut self, at: usize) {
        self.next = at;
        self.origin = at;
        self.buf = 0;
        self.count = 0;
    }
}

/// A canonical Huffman code as a lookup table over the next `table_bits` bits, with the codes
/// longer than that decoded by length.
struct Huffman {
    table_bits: u32,
    /// For each value of the next `table_bits` bits: symbol << 5 | code length, or 0 when the
    /// code is longer.
    table: Vec<u16>,
    /// How many codes have each length, the first code of each length, and where each length's
    /// symbols start in `sorted`.
    count: [u32; 17],
    first: [u32; 17],
    start: [u32; 17],
    sorted: Vec<u16>,
    /// No symbol has a code: decoding anything is an error.
    empty: bool,
}

impl Huffman {
    fn new(table_bits: u32, symbols: usize) -> Self {
        Huffman {
            table_bits,
            table: vec![0; 1 << table_bits],
            count: [0; 17],
            first: [0; 17],
            start: [0; 17],
            sorted: vec![0; symbols],
            empty: true,
        }
    }

    /// Builds the code from path lengths (0 = no code). An incomplete or over-full set of
    /// lengths is an error; all zeros gives an empty code.
    fn build(&mut self, lens: &[u8], what: &str) -> Result<(), String> {
        self.count = [0; 17];
        for &l in lens {
            if u32::from(l) > MAX_CODE {
                return Err(format!("the {what} has a path length of {l}"));
            }
            self.count[usize::from(l)] += 1;
        }
        self.count[0] = 0;
        if self.count.iter().all(|&c| c == 0) {
            self.table.fill(0);
            self.empty = true;
            return Ok(());
        }
        let mut left: i64 = 1;
        for len in 1..=16 {
            left = (left << 1) - i64::from(self.count[len]);
            if left < 0 {
                return Err(format!("the {what}'s path lengths are over-subscribed"));
            }
        }
        if left != 0 {
            return Err(format!("the {what}'s path lengths leave codes unused"));
        }
        self.empty = false;
        let mut code = 0u32;
        let mut at = 0u32;
        for len in 1..=16 {
            self.first[len] = code;
            self.start[len] = at;
            code = (code + self.count[len]) << 1;
            at += self.count[len];
        }
        let mut next = self.start;
        for (sym, &l) in lens.iter().enumerate() {
            if l != 0 {
                let slot = &mut next[usize::from(l)];
                self.sorted[*slot as usize] = sym as u16;
                *slot += 1;
            }
        }
        self.table.fill(0);
        let tb = self.table_bits;
        for len in 1..=tb.min(MAX_CODE) {
            let l = len as usize;
            for j in 0..self.count[l] {
                let sym = self.sorted[(self.start[l] + j) as usize];
                let code = self.first[l] + j;
                let from = (code << (tb - len)) as usize;
                let entry = (sym << 5) | len as u16;
                self.table[from..from + (1 << (tb - len))].fill(entry);
            }
        }
        Ok(())
    }

    /// Decodes one symbol; the caller has refilled (at least 16 bits are ready).
    #[inline(always)]
    fn decode(&self, bits: &mut Bits) -> Result<usize, String> {
        let entry = self.table[bits.peek(self.table_bits) as usize];
        if entry != 0 {
            bits.skip(u32::from(entry & 31));
            return Ok(usize::from(entry >> 5));
        }
        self.decode_long(bits)
    }

    #[cold]
    fn decode_long(&self, bits: &mut Bits) -> Result<usize, String> {
        if self.empty {
            return Err("a symbol is read from an empty Huffman tree".into());
        }
        let next16 = bits.peek(16);
        for len in self.table_bits + 1..=MAX_CODE {
            let l = len as usize;
            let code = next16 >> (16 - len);
            let k = code.wrapping_sub(self.first[l]);
            if k < self.count[l] {
                bits.skip(len);
                return Ok(usize::from(self.sorted[(self.start[l] + k) as usize]));
            }
        }
        // A complete code always matches; this is here so that no path can panic.
        Err("no Huffman code matches the next bits".into())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Verbatim,
    Aligned,
    Uncompressed,
}

/// The LZX decoder of one folder.
pub(super) struct Lzx {
    window: Vec<u8>,
    /// Where the next byte goes in `window`.
    pos: usize,
    /// Bytes decoded before the current frame.
    total: u64,
    /// Where the current frame starts in `window`.
    frame_at: usize,
    slots: usize,
    /// The three most recent match offsets.
    r: [u32; 3],
    main_lens: Vec<u8>,
    length_lens: Vec<u8>,
    main: Huffman,
    length: Huffman,
    aligned: Huffman,
    pretree: Huffman,
    kind: Option<Kind>,
    /// Output bytes left in the current block.
    remaining: u32,
    /// The current block is uncompressed and of odd size.
    odd: bool,
    /// An uncompressed block of odd size has ended; its pad byte is still to be skipped.
    pad: bool,
    started: bool,
    /// The E8 translation size, when translation is on.
    e8: Option<i32>,
    /// A frame with its E8 calls translated (the window keeps them untranslated).
    out: Vec<u8>,
}

impl Lzx {
    /// A decoder for a window of 2^`window_bits` bytes (15 to 21).
    pub(super) fn new(window_bits: u8) -> Result<Self, String> {
        if !(15..=21).contains(&window_bits) {
            return Err(format!(
                "LZX window 2^{window_bits} is not one of 2^15 to 2^21"
            ));
        }
        let slots = position_slots(window_bits);
        Ok(Lzx {
            window: vec![0; 1 << window_bits],
            pos: 0,
            total: 0,
            frame_at: 0,
            slots,
            r: [1, 1, 1],
            main_lens: vec![0; MAIN_MAX + RUN_MARGIN],
            length_lens: vec![0; LENGTH_SYMBOLS + RUN_MARGIN],
            main: Huffman::new(12, MAIN_MAX),
            length: Huffman::new(10, LENGTH_SYMBOLS),
            aligned: Huffman::new(7, ALIGNED_SYMBOLS),
            pretree: Huffman::new(8, PRETREE_SYMBOLS),
            kind: None,
            remaining: 0,
            odd: false,
            pad: false,
            started: false,
            e8: None,
            out: Vec::new(),
        })
    }

    /// Decodes one frame (one CFDATA block's data) to exactly `uncompressed` bytes.
    pub(super) fn decode(&mut self, data: &[u8], uncompressed: usize) -> Result<&[u8], String> {
        if uncompressed > FRAME {
            return Err(format!(
                "an LZX frame decodes to at most {FRAME} bytes, not {uncompressed}"
            ));
        }
        if uncompressed == 0 {
            return Ok(&[]);
        }
        if self.pos == self.window.len() {
            self.pos = 0;
        }
        if self.pos + uncompressed > self.window.len() {
            return Err(format!(
                "a frame of {uncompressed} bytes at output offset {} does not fit the window: \
                 only the last frame of a folder may be shorter than {FRAME} bytes",
                self.total
            ));
        }
        let mut bits = Bits::new(data, 0);
        if !self.started {
            self.started = true;
            bits.refill();
            if bits.read(1) == 1 {
                let high = bits.read(16);
                let low = bits.read(16);
                self.e8 = Some(((high << 16) | low) as i32);
            }
        }
        let start = self.pos;
        self.frame_at = start;
        let end = start + uncompressed;
        while self.pos < end {
            if self.remaining == 0 {
                self.next_block(&mut bits)?;
                continue;
            }
            let run_end = end.min(self.pos + self.remaining as usize);
            let before = self.pos;
            match self.kind {
                Some(Kind::Verbatim) => self.decode_run::<false>(&mut bits, run_end)?,
                Some(Kind::Aligned) => self.decode_run::<true>(&mut bits, run_end)?,
                Some(Kind::Uncompressed) => self.copy_stored(&mut bits, run_end)?,
                None => return Err("LZX data decoded before any block header".into()),
            }
            self.remaining -= (self.pos - before) as u32;
            if self.kind == Some(Kind::Uncompressed) && self.remaining == 0 {
                // Odd-sized: a pad byte follows, here or at the start of the next frame.
                self.pad = self.odd;
            }
        }
        if bits.overrun() {
            return Err("LZX data runs past the end of its block".into());
        }
        if self.pad && self.remaining == 0 && bits.used() / 8 < data.len() {
            // The pad byte ends this block's data.
            self.pad = false;
        }
        let at = self.total;
        self.total += uncompressed as u64;
        let frame = &self.window[start..end];
        match self.e8 {
            Some(size) if at < E8_LIMIT && uncompressed > 10 => {
                self.out.clear();
                self.out.extend_from_slice(frame);
                e8_translate(&mut self.out, at as i32, size);
                Ok(&self.out)
            }
            _ => Ok(frame),
        }
    }

    /// Reads the next block's header (and trees, or repeated offsets).
    fn next_block(&mut self, bits: &mut Bits) -> Result<(), String> {
        if self.pad {
            self.pad = false;
            bits.restart(bits.used() / 8 + 1);
        }
        if bits.overrun() {
            return Err("LZX data runs past the end of its block".into());
        }
        bits.refill();
        let kind = bits.read(3);
        let size = (bits.read(16) << 8) | bits.read(8);
        self.odd = false;
        self.kind = Some(match kind {
            1 | 2 => {
                if kind == 2 {
                    let mut lens = [0u8; ALIGNED_SYMBOLS];
                    for l in &mut lens {
                        *l = bits.read(3) as u8;
                    }
                    self.aligned.build(&lens, "aligned offset tree")?;
                    if self.aligned.empty {
                        return Err("the aligned offset tree has no codes".into());
                    }
                }
                let main_len = 256 + 8 * self.slots;
                let mut lens = std::mem::take(&mut self.main_lens);
                let read = self
                    .read_lengths(bits, &mut lens, 0, 256)
                    .and_then(|()| self.read_lengths(bits, &mut lens, 256, main_len));
                self.main_lens = lens;
                read?;
                self.main.build(&self.main_lens[..main_len], "main tree")?;
                if self.main.empty {
                    return Err("the main tree has no codes".into());
                }
                let mut lens = std::mem::take(&mut self.length_lens);
                let read = self.read_lengths(bits, &mut lens, 0, LENGTH_SYMBOLS);
                self.length_lens = lens;
                read?;
                // The length tree may be empty: then no match may need it.
                self.length
                    .build(&self.length_lens[..LENGTH_SYMBOLS], "length tree")?;
                if kind == 1 {
                    Kind::Verbatim
                } else {
                    Kind::Aligned
                }
            }
            3 => {
                let at = bits.align();
                let Some(r) = bits.data.get(at..at + 12) else {
                    return Err("an uncompressed LZX block's header is cut off".into());
                };
                for (i, v) in r.chunks_exact(4).enumerate() {
                    self.r[i] = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                }
                bits.restart(at + 12);
                self.odd = size % 2 == 1;
                Kind::Uncompressed
            }
            k => return Err(format!("LZX block type {k} is not 1, 2 or 3")),
        });
        self.remaining = size;
        if bits.overrun() {
            return Err("LZX data runs past the end of its block".into());
        }
        Ok(())
    }

    /// Reads path lengths `first..last` of `lens` as changes coded with a pretree read first.
    fn read_lengths(
        &mut self,
        bits: &mut Bits,
        lens: &mut [u8],
        first: usize,
        last: usize,
    ) -> Result<(), String> {
        let mut pre = [0u8; PRETREE_SYMBOLS];
        for l in &mut pre {
            *l = bits.read(4) as u8;
        }
        self.pretree.build(&pre, "pretree")?;
        let mut x = first;
        while x < last {
            bits.refill();
            if bits.overrun() {
                return Err("LZX data runs past the end of its block in a tree".into());
            }
            let code = self.pretree.decode(bits)?;
            let (run, value) = match code {
                17 => (4 + bits.read(4) as usize, 0),
                18 => (20 + bits.read(5) as usize, 0),
                19 => {
                    let run = 4 + bits.read(1) as usize;
                    let z = self.pretree.decode(bits)?;
                    if z > 16 {
                        return Err(format!("pretree code {z} where a length change must be"));
                    }
                    (run, changed(lens[x], z))
                }
                z => (1, changed(lens[x], z)),
            };
            let Some(dst) = lens.get_mut(x..x + run) else {
                return Err("a run of path lengths goes past the end of its tree".into());
            };
            dst.fill(value);
            x += run;
        }
        Ok(())
    }

    /// Decodes literals and matches of a verbatim (`ALIGNED` false) or aligned offset block
    /// until the window reaches `run_end`.
    fn decode_run<const ALIGNED: bool>(
        &mut self,
        bits: &mut Bits,
        run_end: usize,
    ) -> Result<(), String> {
        let mut pos = self.pos;
        // Window position p holds folder output offset `behind + p` (frames start no further
        // into the window than the output so far).
        let behind = self.total - self.frame_at as u64;
        let result = loop {
            if pos >= run_end {
                break Ok(());
            }
            bits.refill();
            let sym = match self.main.decode(bits) {
                Ok(s) => s,
                Err(e) => break Err(e),
            };
            if sym < 256 {
                self.window[pos] = sym as u8;
                pos += 1;
                continue;
            }
            let header = sym - 256;
            let mut len = header & 7;
            if len == 7 {
                match self.length.decode(bits) {
                    Ok(extra) => len += extra,
                    Err(_) if self.length.empty => {
                        break Err("a match needs the length tree, which is empty".into())
                    }
                    Err(e) => break Err(e),
                }
            }
            len += 2;
            let slot = header >> 3;
            let offset = match slot {
                0 => self.r[0],
                1 => {
                    self.r.swap(0, 1);
                    self.r[0]
                }
                2 => {
                    self.r.swap(0, 2);
                    self.r[0]
                }
                _ => {
                    bits.refill();
                    let extra = EXTRA[slot];
                    let footer = if ALIGNED && extra >= 3 {
                        let high = bits.read(extra - 3) << 3;
                        match self.aligned.decode(bits) {
                            Ok(low) => high + low as u32,
                            Err(e) => break Err(e),
                        }
                    } else {
                        bits.read(extra)
                    };
                    let offset = BASE[slot] + footer - 2;
                    self.r = [offset, self.r[0], self.r[1]];
                    offset
                }
            };
            if len > run_end - pos {
                break Err(format!(
                    "a match of {len} bytes runs past the end of its block or frame"
                ));
            }
            let offset = offset as usize;
            let output = behind + pos as u64;
            if offset == 0 || offset as u64 > output || offset > self.window.len() {
                break Err(format!(
                    "a match reaches {offset} bytes back, before the folder's first byte or \
                     outside the window"
                ));
            }
            copy_match(&mut self.window, pos, offset, len);
            pos += len;
        };
        self.pos = pos;
        result
    }

    /// Copies an uncompressed block's bytes until the window reaches `run_end`.
    fn copy_stored(&mut self, bits: &mut Bits, run_end: usize) -> Result<(), String> {
        let at = bits.used() / 8;
        let n = run_end - self.pos;
        let Some(src) = bits.data.get(at..at + n) else {
            return Err(format!(
                "an uncompressed LZX block needs {n} bytes here, the data has {}",
                bits.data.len().saturating_sub(at)
            ));
        };
        self.window[self.pos..run_end].copy_from_slice(src);
        self.pos = run_end;
        bits.restart(at + n);
        Ok(())
    }
}

/// A path length changed by a pretree code `z` (0 to 16): `(old - z) mod 17`.
fn changed(old: u8, z: usize) -> u8 {
    ((usize::from(old) + 17 - z) % 17) as u8
}

/// Copies `len` bytes from `offset` bytes back (1 to the window size; before position 0 means
/// from the window's end) to `pos`, as if byte by byte: an offset shorter than the length
/// repeats the bytes it reaches. `pos + len` is within the window.
fn copy_match(window: &mut [u8], pos: usize, offset: usize, len: usize) {
    if offset <= pos {
        repeat(window, pos - offset, pos, len);
    } else {
        // From the end of the window (output of an earlier pass), then from its start.
        let src = window.len() + pos - offset;
        let first = (window.len() - src).min(len);
        // The source lies after the destination: a forward copy never reads a byte it wrote.
        window.copy_within(src..src + first, pos);
        if first < len {
            repeat(window, 0, pos + first, len - first);
        }
    }
}

/// Copies `len` bytes from `src` to `dst` (`src < dst`) as if byte by byte, in as few block
/// copies as the overlap allows: each copy doubles the span of repeated bytes behind `dst`.
#[inline]
fn repeat(window: &mut [u8], src: usize, dst: usize, len: usize) {
    let distance = dst - src;
    if distance >= len {
        window.copy_within(src..src + len, dst);
    } else if distance == 1 {
        let b = window[src];
        window[dst..dst + len].fill(b);
    } else {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(dst + done - src);
            window.copy_within(src..src + n, dst + done);
            done += n;
        }
    }
}

/// Undoes the E8 call translation on one frame that starts at output position `at`: each 0xE8
/// byte more than 10 bytes before the end is followed by a 32-bit operand; an operand `a` with
/// `-position <= a < size` was made absolute by the compressor and is made relative again
/// (`a - position` when `a >= 0`, else `a + size`). The 4 operand bytes are skipped either way.
pub(crate) fn e8_translate(buf: &mut [u8], at: i32, size: i32) {
    let end = buf.len().saturating_sub(10);
    let mut i = 0;
    while i < end {
        // Most bytes are not 0xE8: memchr skips them many at a time.
        match memchr::memchr(0xE8, &buf[i..end]) {
            Some(k) => i += k,
            None => break,
        }
        let pos = at.wrapping_add(i as i32);
        let abs = i32::from_le_bytes([buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4]]);
        if abs >= pos.wrapping_neg() && abs < size {
            let rel = if abs >= 0 {
                abs.wrapping_sub(pos)
            } else {
                abs.wrapping_add(size)
            };
            buf[i + 1..i + 5].copy_from_slice(&rel.to_le_bytes());
        }
        i += 5;
    }
}

#[cfg(test)]
mod tests {
    //! The decoder against streams written by a small LZX encoder made for these tests (no
    //! tool here writes LZX). The corpus's real LZX cabinets are checked against cabextract in
    //! tests/cabinet_oracle.rs.

    use super::encode::{codes, BitWriter};
    use super::*;
    use crate::formats::cabinet::tests::XorShift;

    #[derive(Clone, Copy, Debug)]
    enum Tok {
        Lit(u8),
        /// A match of `len` bytes from `offset` back.
        Match(usize, usize),
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Block {
        Verbatim,
        Aligned,
    }

    /// Trees the encoder uses: `Full` gives every symbol a code; `Sparse` only literals and the
    /// first 8 position slots, with an empty length tree (so matches of at most 8 bytes).
    #[derive(Clone, Copy, PartialEq)]
    enum Trees {
        Full,
        Sparse,
    }

    /// A small LZX encoder: the caller says which tokens go into which block; frames are cut
    /// every 32 KiB of output (no token may cross a frame's end).
    struct Encoder {
        w: BitWriter,
        slots: usize,
        main_prev: Vec<u8>,
        length_prev: Vec<u8>,
        r: [usize; 3],
        /// Output so far, and the frames cut.
        at: usize,
        frames: Vec<(Vec<u8>, usize)>,
        frame_start: usize,
        started: bool,
    }

    impl Encoder {
        fn new(window_bits: u8, e8: Option<u32>) -> Self {
            let mut w = BitWriter::default();
            match e8 {
                Some(size) => {
                    w.put(1, 1);
                    w.put(size >> 16, 16);
                    w.put(size & 0xFFFF, 16);
                }
                None => w.put(0, 1),
            }
            let slots = position_slots(window_bits);
            Encoder {
                w,
                slots,
                main_prev: vec![0; 256 + 8 * slots],
                length_prev: vec![0; LENGTH_SYMBOLS],
                r: [1, 1, 1],
                at: 0,
                frames: Vec::new(),
                frame_start: 0,
                started: true,
            }
        }

        fn lengths(&mut self, lens: &[u8], prev: &[u8]) {
            // Pretree: 12 codes of 4 bits, 8 of 5.
            let pre: Vec<u8> = (0..20).map(|i| if i < 12 { 4 } else { 5 }).collect();
            for &l in &pre {
                self.w.put(u32::from(l), 4);
            }
            let pc = codes(&pre);
            let mut i = 0;
            while i < lens.len() {
                let z = (usize::from(prev[i]) + 17 - usize::from(lens[i])) % 17;
                let same = lens[i..].iter().take_while(|&&l| l == lens[i]).count();
                if lens[i] == 0 && same >= 20 {
                    let run = same.min(51);
                    self.w.put(pc[18].0, pc[18].1);
                    self.w.put((run - 20) as u32, 5);
                    i += run;
                } else if lens[i] == 0 && same >= 4 {
                    let run = same.min(19);
                    self.w.put(pc[17].0, pc[17].1);
                    self.w.put((run - 4) as u32, 4);
                    i += run;
                } else if same >= 4 && prev[i..i + 4].iter().all(|&p| p == prev[i]) {
                    // Code 19 applies one change, worked out from the first old length, to the
                    // whole run: usable when the old lengths agree too.
                    let run = if same >= 5 && prev[i + 4] == prev[i] {
                        5
                    } else {
                        4
                    };
                    self.w.put(pc[19].0, pc[19].1);
                    self.w.put((run - 4) as u32, 1);
                    self.w.put(pc[z].0, pc[z].1);
                    i += run;
                } else {
                    self.w.put(pc[z].0, pc[z].1);
                    i += 1;
                }
            }
        }

        fn main_lens(&self, trees: Trees) -> Vec<u8> {
            let n = 256 + 8 * self.slots;
            (0..n)
                .map(|s| match (trees, s) {
                    (_, 0..=255) => 9,
                    // 16 match symbols of 8 bits, the rest of 9 (the full main tree has 496
                    // to 656 symbols: only window 2^15's 496 make a complete tree this way).
                    (Trees::Full, _) if s < 272 => 8,
                    (Trees::Full, _) => 9,
                    (Trees::Sparse, _) if s < 256 + 64 => 7,
                    (Trees::Sparse, _) => 0,
                })
                .collect()
        }

        fn length_lens(trees: Trees) -> Vec<u8> {
            (0..LENGTH_SYMBOLS)
                .map(|s| match trees {
                    Trees::Full if s < 7 => 7,
                    Trees::Full => 8,
                    Trees::Sparse => 0,
                })
                .collect()
        }

        /// The slot and footer for a match offset, the repeated offsets updated as the decoder
        /// will.
        fn slot(&mut self, offset: usize) -> (usize, u32) {
            if let Some(i) = self.r.iter().position(|&r| r == offset) {
                self.r.swap(0, i);
                return (i, 0);
            }
            let formatted = (offset + 2) as u32;
            let slot = (3..self.slots)
                .rev()
                .find(|&s| BASE[s] <= formatted)
                .expect("offset fits the window");
            self.r = [offset, self.r[0], self.r[1]];
            (slot, formatted - BASE[slot])
        }

        fn block(&mut self, kind: Block, trees: Trees, toks: &[Tok]) {
            let size: usize = toks
                .iter()
                .map(|t| match t {
                    Tok::Lit(_) => 1,
                    Tok::Match(l, _) => *l,
                })
                .sum();
            self.w.put(if kind == Block::Aligned { 2 } else { 1 }, 3);
            self.w.put((size >> 8) as u32, 16);
            self.w.put((size & 0xFF) as u32, 8);
            if kind == Block::Aligned {
                for _ in 0..8 {
                    self.w.put(3, 3);
                }
            }
            let main = self.main_lens(trees);
            let prev = self.main_prev.clone();
            self.lengths(&main[..256], &prev[..256]);
            self.lengths(&main[256..], &prev[256..]);
            self.main_prev = main.clone();
            let length = Self::length_lens(trees);
            let prev = self.length_prev.clone();
            self.lengths(&length, &prev);
            self.length_prev = length.clone();
            let (mc, lc, ac) = (codes(&main), codes(&length), codes(&[3; 8]));
            for &t in toks {
                match t {
                    Tok::Lit(b) => {
                        let (c, l) = mc[usize::from(b)];
                        self.w.put(c, l);
                        self.advance(1);
                    }
                    Tok::Match(len, offset) => {
                        let (slot, footer) = self.slot(offset);
                        let header = (len - 2).min(7);
                        let (c, l) = mc[256 + slot * 8 + header];
                        self.w.put(c, l);
                        if header == 7 {
                            let (c, l) = lc[len - 9];
                            self.w.put(c, l);
                        }
                        let extra = EXTRA[slot];
                        if slot >= 3 {
                            if kind == Block::Aligned && extra >= 3 {
                                self.w.put(footer >> 3, extra - 3);
                                let (c, l) = ac[(footer & 7) as usize];
                                self.w.put(c, l);
                            } else {
                                self.w.put(footer, extra);
                            }
                        }
                        self.advance(len);
                    }
                }
            }
        }

        /// An uncompressed block; `bytes` may run across frames.
        fn stored(&mut self, bytes: &[u8]) {
            self.w.put(3, 3);
            self.w.put((bytes.len() >> 8) as u32, 16);
            self.w.put((bytes.len() & 0xFF) as u32, 8);
            if self.w.n == 0 {
                self.w.put(0, 16);
            } else {
                self.w.flush();
            }
            for r in self.r {
                self.w.out.extend_from_slice(&(r as u32).to_le_bytes());
            }
            for &b in bytes {
                self.w.out.push(b);
                self.advance(1);
            }
            if bytes.len() % 2 == 1 {
                self.w.out.push(0);
            }
        }

        fn advance(&mut self, n: usize) {
            self.at += n;
            assert!(
                self.at - self.frame_start <= FRAME,
                "a token crosses a frame"
            );
            if self.at - self.frame_start == FRAME {
                self.cut();
            }
        }

        fn cut(&mut self) {
            self.w.flush();
            let data = std::mem::take(&mut self.w.out);
            self.frames.push((data, self.at - self.frame_start));
            self.frame_start = self.at;
        }

        fn finish(mut self) -> Vec<(Vec<u8>, usize)> {
            assert!(self.started);
            if self.at > self.frame_start {
                self.cut();
            }
            self.frames
        }
    }

    /// What the tokens decode to, byte by byte.
    fn expand(toks: &[Tok], out: &mut Vec<u8>) {
        for &t in toks {
            match t {
                Tok::Lit(b) => out.push(b),
                Tok::Match(len, offset) => {
                    for _ in 0..len {
                        out.push(out[out.len() - offset]);
                    }
                }
            }
        }
    }

    fn decode_all(window_bits: u8, frames: &[(Vec<u8>, usize)]) -> Result<Vec<u8>, String> {
        let mut lzx = Lzx::new(window_bits)?;
        let mut out = Vec::new();
        for (data, n) in frames {
            out.extend_from_slice(lzx.decode(data, *n)?);
        }
        Ok(out)
    }

    /// Tokens making `n` bytes: literals and matches of every kind (short overlapping ones,
    /// long ones, far ones, repeated offsets), none reaching before the first byte or crossing
    /// a frame's end (the first byte of the frame is at `at`).
    fn tokens(rng: &mut XorShift, at: usize, n: usize, max_offset: usize) -> Vec<Tok> {
        let mut toks = Vec::new();
        let mut made = 0;
        let mut recent = vec![1usize, 1, 1];
        while made < n {
            let pos = at + made;
            let room = n - made;
            let pick = rng.next() % 10;
            if pos == 0 || room < 2 || pick < 3 {
                toks.push(Tok::Lit(rng.next() as u8));
                made += 1;
                continue;
            }
            let len = 2 + (rng.next() as usize % 256).min(room - 2);
            let offset = match pick {
                3 => 1,
                4 => 1 + rng.next() as usize % 4,
                5 => recent[rng.next() as usize % 3],
                6 => 1 + rng.next() as usize % 100,
                _ => 1 + rng.next() as usize % max_offset,
            }
            .min(pos)
            .max(1);
            recent = vec![offset, recent[0], recent[1]];
            toks.push(Tok::Match(len, offset));
            made += len;
        }
        toks
    }

    #[test]
    fn verbatim_and_aligned_blocks_decode_byte_for_byte() {
        // Window 2^15: five frames, so the window wraps and matches reach across its end.
        for kind in [Block::Verbatim, Block::Aligned] {
            let mut rng = XorShift(7);
            let mut enc = Encoder::new(15, None);
            let mut want = Vec::new();
            for frame in 0..5 {
                // Two blocks a frame, the second running on into the next frame.
                let n = if frame == 4 { 1000 } else { FRAME };
                let toks = tokens(&mut rng, frame * FRAME, n, 32_000);
                let cut = toks.len() / 3;
                enc.block(kind, Trees::Full, &toks[..cut]);
                enc.block(kind, Trees::Full, &toks[cut..]);
                expand(&toks, &mut want);
            }
            let frames = enc.finish();
            assert_eq!(frames.len(), 5);
            let got = decode_all(15, &frames).expect("decodes");
            assert_eq!(got.len(), want.len());
            assert!(got == want, "{:?} block output differs", kind as u8);
        }
    }

    #[test]
    fn a_block_runs_on_across_frames() {
        let mut rng = XorShift(11);
        let mut enc = Encoder::new(15, None);
        let mut want = Vec::new();
        let mut all = Vec::new();
        for frame in 0..3 {
            let toks = tokens(&mut rng, frame * FRAME, FRAME, 20_000);
            expand(&toks, &mut want);
            all.extend(toks);
        }
        enc.block(Block::Verbatim, Trees::Full, &all);
        let frames = enc.finish();
        assert_eq!(decode_all(15, &frames).expect("decodes"), want);
    }

    #[test]
    fn uncompressed_blocks_pad_bytes_and_realignment() {
        // An odd-sized stored block shifts the word grid by its pad byte; the next block's
        // header is then counted from there (the chef corpus cabinet depends on this).
        let mut enc = Encoder::new(16, None);
        let mut want = Vec::new();
        let lits: Vec<Tok> = b"hello, LZX".iter().map(|&b| Tok::Lit(b)).collect();
        enc.block(Block::Verbatim, Trees::Sparse, &lits);
        expand(&lits, &mut want);
        let stored: Vec<u8> = (0..33u8).collect();
        enc.stored(&stored);
        want.extend_from_slice(&stored);
        let stored2: Vec<u8> = (0..45_001u32).map(|i| (i * 7 % 251) as u8).collect();
        // Crosses the first frame's end: its bytes go on in the next CFDATA.
        enc.stored(&stored2);
        want.extend_from_slice(&stored2);
        let toks = [Tok::Lit(1), Tok::Match(8, 2), Tok::Match(5, 13)];
        enc.block(Block::Verbatim, Trees::Sparse, &toks);
        expand(&toks, &mut want);
        let frames = enc.finish();
        assert_eq!(frames.len(), 2);
        assert_eq!(decode_all(16, &frames).expect("decodes"), want);
    }

    #[test]
    fn e8_translation_is_on_when_the_header_says() {
        let mut body = [0x90u8; 40];
        body[5] = 0xE8;
        body[6..10].copy_from_slice(&1000i32.to_le_bytes()); // absolute 1000 at position 5
        let toks: Vec<Tok> = body.iter().map(|&b| Tok::Lit(b)).collect();
        for (e8, want) in [(Some(1_000_000), 1000 - 5), (None, 1000)] {
            let mut enc = Encoder::new(15, e8);
            enc.block(Block::Verbatim, Trees::Sparse, &toks);
            let got = decode_all(15, &enc.finish()).expect("decodes");
            assert_eq!(i32::from_le_bytes([got[6], got[7], got[8], got[9]]), want);
        }
    }

    fn error_of(frames: &[(Vec<u8>, usize)], bits: u8) -> String {
        decode_all(bits, frames).expect_err("must be refused")
    }

    #[test]
    fn bad_streams_are_errors() {
        // A match before the folder's first byte (libarchive's lzx_invalid_history case).
        let mut enc = Encoder::new(15, None);
        enc.block(
            Block::Verbatim,
            Trees::Sparse,
            &[Tok::Lit(1), Tok::Lit(2), Tok::Match(4, 7)],
        );
        assert!(error_of(&enc.finish(), 15).contains("before the folder's first byte"));

        // Trees change from block to block (lengths are coded as changes)...
        let mut enc = Encoder::new(15, None);
        enc.block(Block::Verbatim, Trees::Full, &[Tok::Lit(1)]);
        enc.block(Block::Verbatim, Trees::Sparse, &[Tok::Lit(1), Tok::Lit(2)]);
        let mut frames = enc.finish();
        let good = decode_all(15, &frames).expect("decodes");
        assert_eq!(good, [1, 1, 2]);
        // ...and a frame that says it is longer than its blocks reads on into the padding.
        frames[0].1 += 40;
        let e = error_of(&frames, 15);
        assert!(e.contains("block type 0"), "{e}");

        // A match that needs the length tree when it is empty (the encoder writes no length
        // code for it).
        let mut enc = Encoder::new(15, None);
        enc.block(
            Block::Verbatim,
            Trees::Sparse,
            &[Tok::Lit(1), Tok::Match(12, 1)],
        );
        let e = error_of(&enc.finish(), 15);
        assert!(e.contains("length tree, which is empty"), "{e}");

        // A match running over its block's end.
        let mut enc = Encoder::new(15, None);
        enc.block(
            Block::Verbatim,
            Trees::Full,
            &[Tok::Lit(1), Tok::Match(30, 1)],
        );
        let mut frames = enc.finish();
        let data = &mut frames[0].0;
        // Block size (24 bits after the E8 bit and the 3-bit type): 31 becomes 20.
        let mut bits = Bits::new(data, 0);
        bits.refill();
        assert_eq!(bits.read(1), 0);
        assert_eq!(bits.read(3), 1);
        assert_eq!((bits.read(16) << 8) | bits.read(8), 31);
        let word = u16::from_le_bytes([data[2], data[3]]);
        let fixed = (word & !0x1FF0) | (20 << 4);
        data[2..4].copy_from_slice(&fixed.to_le_bytes());
        frames[0].1 = 20;
        let e = error_of(&frames, 15);
        assert!(e.contains("runs past the end of its block"), "{e}");

        // Cut-off data.
        let mut enc = Encoder::new(15, None);
        enc.stored(&[5; 100]);
        let mut frames = enc.finish();
        frames[0].0.truncate(50);
        assert!(error_of(&frames, 15).contains("uncompressed LZX block needs"));

        // Block type 0, and windows outside 2^15..2^21.
        let e = error_of(&[(vec![0, 0, 0, 0], 10)], 15);
        assert!(e.contains("block type 0"), "{e}");
        assert!(Lzx::new(22).is_err() && Lzx::new(14).is_err());
        // A frame longer than 32 KiB.
        assert!(error_of(&[(vec![0; 4], FRAME + 1)], 15).contains("at most"));
    }

    #[test]
    fn incomplete_and_oversubscribed_trees_are_refused() {
        let mut h = Huffman::new(8, 4);
        assert!(h.build(&[1, 2, 3, 3], "t").is_ok() && !h.empty);
        assert!(h.build(&[0, 0, 0, 0], "t").is_ok() && h.empty);
        let e = h.build(&[1, 2, 3, 0], "t").unwrap_err();
        assert!(e.contains("unused"), "{e}");
        let e = h.build(&[1, 1, 2, 0], "t").unwrap_err();
        assert!(e.contains("over-subscribed"), "{e}");
        // Codes longer than the table: decoded by length.
        let mut lens = vec![16u8; 2];
        lens.extend([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        let mut h = Huffman::new(8, lens.len());
        h.build(&lens, "t").expect("complete");
        let cs = codes(&lens);
        for (sym, &(c, l)) in cs.iter().enumerate() {
            let mut w = BitWriter::default();
            w.put(c, l);
            w.put(0, 32);
            let mut bits = Bits::new(&w.out, 0);
            bits.refill();
            assert_eq!(h.decode(&mut bits), Ok(sym));
            assert_eq!(bits.used(), l as usize);
        }
    }

    #[test]
    fn copies_match_a_byte_by_byte_copy() {
        let mut rng = XorShift(3);
        for _ in 0..2000 {
            let size = 64;
            let mut w: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            let pos = rng.next() as usize % size;
            let len = 1 + rng.next() as usize % (size - pos);
            let offset = 1 + rng.next() as usize % size;
            let mut want = w.clone();
            for i in 0..len {
                let src = (pos + i + size - offset) % size;
                want[pos + i] = want[src];
            }
            copy_match(&mut w, pos, offset, len);
            assert_eq!(w, want, "pos {pos} len {len} offset {offset}");
        }
    }

    #[test]
    fn mutated_streams_never_panic() {
        let mut rng = XorShift(99);
        let mut enc = Encoder::new(15, Some(12_345_678));
        let toks = tokens(&mut rng, 0, FRAME, 30_000);
        enc.block(Block::Aligned, Trees::Full, &toks);
        enc.stored(&[7; 301]);
        let rest: Vec<Tok> = (0..300).map(|i| Tok::Lit(i as u8)).collect();
        enc.block(Block::Verbatim, Trees::Sparse, &rest);
        let frames = enc.finish();
        assert_eq!(decode_all(15, &frames).expect("decodes").len(), FRAME + 601);
        for _ in 0..3000 {
            let mut frames = frames.clone();
            for _ in 0..1 + rng.next() % 4 {
                let f = rng.next() as usize % frames.len();
                let data = &mut frames[f].0;
                if data.is_empty() {
                    continue;
                }
                let i = rng.next() as usize % data.len();
                data[i] ^= 1 << (rng.next() % 8);
                if rng.next().is_multiple_of(8) {
                    data.truncate(i);
                }
            }
            let _ = decode_all(15, &frames);
        }
    }

    #[test]
    fn e8_translation_follows_the_format() {
        fn frame(operand: i32) -> Vec<u8> {
            let mut f = vec![0xE8];
            f.extend_from_slice(&operand.to_le_bytes());
            f.extend_from_slice(&[0u8; 11]);
            f
        }
        fn operand(f: &[u8]) -> i32 {
            i32::from_le_bytes([f[1], f[2], f[3], f[4]])
        }
        let size = 1_000_000;
        for (at, abs, want) in [
            (0, 0, 0), // lzxd gave `size` here
            (100, 0, -100),
            (100, 50, -50),
            (100, -10, size - 10),
            (100, -101, -101), // below -position: left alone
            (100, size, size), // not below the size: left alone
        ] {
            let mut f = frame(abs);
            e8_translate(&mut f, at, size);
            assert_eq!(operand(&f), want, "at {at}, operand {abs}");
        }
        // The last 10 bytes of a frame are never translated, and operand bytes are skipped.
        let mut f = vec![0u8; 6];
        f.extend_from_slice(&frame(5)[..5]);
        f.extend_from_slice(&[0u8; 5]);
        let before = f.clone();
        e8_translate(&mut f, 0, size);
        assert_eq!(f, before);
        let mut f = frame(0xE8);
        f[1] = 0xE8;
        e8_translate(&mut f, 10, size);
        assert_eq!(operand(&f), 0xE8 - 10);
    }
}
