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
mod tests;
