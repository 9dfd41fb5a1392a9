//! Quantum decompression (cabinet compression type 2), written here from the format's published
//! description (David Stafford's Quantum, as cabextract and libmspack document and decode it).
//!
//! A Quantum stream is LZ77 over a window of 2^10 to 2^21 bytes, its symbols coded by an
//! adaptive arithmetic coder with 16-bit registers (H, L and the code value C) read from an
//! MSB-first bit stream:
//! * Seven adaptive models: a selector (7 symbols), four literal models (64 symbols each: bytes
//!   0x00-0x3F, 0x40-0x7F, 0x80-0xBF, 0xC0-0xFF), the position slots of 3-byte matches (at most
//!   24), of 4-byte matches (at most 36) and of longer matches (2 x window bits), and the length
//!   slots of longer matches (27).
//! * A model keeps its symbols with cumulative frequencies, highest first; each decoded symbol
//!   adds 8 to its own and every earlier cumulative frequency. Past 3800 in total, the model is
//!   rescaled: halved (each kept above the next), or every 50th time turned back into plain
//!   frequencies, halved, sorted in decreasing order (a stable selection sort) and summed again.
//! * Selector 0-3: a literal from model 0-3. Selector 4: a 3-byte match; 5: a 4-byte match; 6: a
//!   match of 5 to 257 bytes from the length slots. Offsets are a position slot and its extra
//!   bits, read straight from the bit stream (bases 0, 1, 2, 3, 4, 6, 8, 12...; 0, 0, 0, 0, 1,
//!   1, 2, 2... extra bits), plus 1.
//! * Output comes in frames of 32 KiB, one per CFDATA block. A frame starts by loading C with
//!   16 bits (H = 0xFFFF, L = 0); after its last byte the bit stream is aligned to a byte and
//!   bytes are skipped up to a 0xFF. A cabinet's blocks do not hold that 0xFF: like libmspack,
//!   the reader adds one after every block's data, and the up to 4 zero bytes an encoder pads a
//!   block with are skipped on the way to it.
//!
//! Nothing here trusts the data: a match may not reach before the folder's first byte nor past
//! its frame, running out of data is an error, and every loop is bounded.

/// Output bytes of one frame.
const FRAME: u32 = 32768;

/// Position slot bases and extra bits (offsets), and length slot bases and extra bits (matches
/// of selector 6).
const POSITION_BASE: [u32; 42] = position_base();
const EXTRA_BITS: [u8; 42] = extra_bits();
const LENGTH_BASE: [u32; 27] = length_base();
const LENGTH_EXTRA: [u8; 27] = length_extra();

const fn extra_bits() -> [u8; 42] {
    let mut e = [0u8; 42];
    let mut i = 2;
    while i < 42 {
        e[i] = (i / 2 - 1) as u8;
        i += 1;
    }
    e
}

const fn position_base() -> [u32; 42] {
    let e = extra_bits();
    let mut b = [0u32; 42];
    let mut i = 1;
    while i < 42 {
        b[i] = b[i - 1] + (1 << e[i - 1]);
        i += 1;
    }
    b
}

const fn length_extra() -> [u8; 27] {
    let mut e = [0u8; 27];
    let mut i = 6;
    while i < 26 {
        e[i] = ((i - 6) / 4 + 1) as u8;
        i += 1;
    }
    e
}

const fn length_base() -> [u32; 27] {
    let e = length_extra();
    let mut b = [0u32; 27];
    let mut i = 1;
    while i < 27 {
        b[i] = b[i - 1] + (1 << e[i - 1]);
        i += 1;
    }
    b
}

/// An adaptive model: `entries` symbols, each with its cumulative frequency, and one more entry
/// whose cumulative frequency stays 0.
#[derive(Clone)]
struct Model {
    cumfreq: Vec<u16>,
    sym: Vec<u16>,
    shifts_left: u32,
}

impl Model {
    fn new(start: u16, entries: usize) -> Model {
        Model {
            cumfreq: (0..=entries).map(|i| (entries - i) as u16).collect(),
            sym: (0..=entries).map(|i| start + i as u16).collect(),
            shifts_left: 4,
        }
    }

    fn entries(&self) -> usize {
        self.cumfreq.len() - 1
    }

    fn rescale(&mut self) {
        let n = self.entries();
        self.shifts_left -= 1;
        if self.shifts_left > 0 {
            for i in (0..n).rev() {
                self.cumfreq[i] >>= 1;
                if self.cumfreq[i] <= self.cumfreq[i + 1] {
                    self.cumfreq[i] = self.cumfreq[i + 1] + 1;
                }
            }
            return;
        }
        self.shifts_left = 50;
        for i in 0..n {
            let f = self.cumfreq[i]
                .wrapping_sub(self.cumfreq[i + 1])
                .wrapping_add(1);
            self.cumfreq[i] = f >> 1;
        }
        // A selection sort by decreasing frequency, swapping as it goes (the order of equal
        // frequencies is part of the format).
        for i in 0..n.saturating_sub(1) {
            for j in i + 1..n {
                if self.cumfreq[i] < self.cumfreq[j] {
                    self.cumfreq.swap(i, j);
                    self.sym.swap(i, j);
                }
            }
        }
        for i in (0..n).rev() {
            self.cumfreq[i] = self.cumfreq[i].wrapping_add(self.cumfreq[i + 1]);
        }
    }
}

/// The models, by role.
const SELECTOR: usize = 0;
const MATCH3: usize = 5;
const MATCH4: usize = 6;
const MATCH_LONG: usize = 7;
const LENGTH: usize = 8;

/// The decoder of one Quantum folder, fed one block at a time.
pub(super) struct Quantum {
    window: Vec<u8>,
    pos: usize,
    /// Bytes decoded since the start of the folder (to refuse matches reaching before it).
    total: u64,
    frame_left: u32,
    header_read: bool,
    h: u16,
    l: u16,
    c: u16,
    models: Vec<Model>,
    /// Input not yet read: the rest of the blocks given so far, each followed by 0xFF.
    input: Vec<u8>,
    /// The next bit to read in `input`.
    bit: usize,
    /// Zero bits read past the end of `input` during this block.
    past_end: usize,
    /// Output decoded past what the last block asked for.
    carry: Vec<u8>,
    out: Vec<u8>,
}

impl Quantum {
    pub(super) fn new(window_bits: u8) -> Result<Quantum, String> {
        if !(10..=21).contains(&window_bits) {
            return Err(format!(
                "Quantum window 2^{window_bits} is not one of 2^10 to 2^21"
            ));
        }
        let slots = usize::from(window_bits) * 2;
        Ok(Quantum {
            window: vec![0; 1 << window_bits],
            pos: 0,
            total: 0,
            frame_left: FRAME,
            header_read: false,
            h: 0,
            l: 0,
            c: 0,
            models: vec![
                Model::new(0, 7),
                Model::new(0, 64),
                Model::new(64, 64),
                Model::new(128, 64),
                Model::new(192, 64),
                Model::new(0, slots.min(24)),
                Model::new(0, slots.min(36)),
                Model::new(0, slots),
                Model::new(0, 27),
            ],
            input: Vec::new(),
            bit: 0,
            past_end: 0,
            carry: Vec::new(),
            out: Vec::new(),
        })
    }

    /// Decodes the next block (`data`) to exactly `uncompressed` bytes.
    pub(super) fn decode(&mut self, data: &[u8], uncompressed: usize) -> Result<&[u8], String> {
        if uncompressed > FRAME as usize {
            return Err(format!(
                "a Quantum block decodes to at most {FRAME} bytes, not {uncompressed}"
            ));
        }
        if self.bit >= self.input.len() * 8 {
            // Everything read, or zeros read past the end (the previous block's data ran out).
            self.input.clear();
            self.bit = 0;
        } else {
            self.input.drain(..self.bit / 8);
            self.bit %= 8;
        }
        self.input.extend_from_slice(data);
        self.input.push(0xFF);
        self.past_end = 0;
        self.out.clear();
        let from_carry = self.carry.len().min(uncompressed);
        self.out.extend(self.carry.drain(..from_carry));
        while self.out.len() < uncompressed {
            self.symbol_or_match()?;
        }
        self.carry.extend_from_slice(&self.out[uncompressed..]);
        self.out.truncate(uncompressed);
        Ok(&self.out)
    }

    fn read_bits(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = match self.input.get(self.bit / 8) {
                Some(&b) => b,
                None => {
                    // libmspack pads the end of the input with two zero bytes.
                    self.past_end += 1;
                    if self.past_end > 16 {
                        return Err("the Quantum data ends before the block's output".into());
                    }
                    0
                }
            };
            v = (v << 1) | u32::from((byte >> (7 - self.bit % 8)) & 1);
            self.bit += 1;
        }
        Ok(v)
    }

    fn symbol(&mut self, m: usize) -> Result<u16, String> {
        let (h, l, c) = (u32::from(self.h), u32::from(self.l), u32::from(self.c));
        let model = &mut self.models[m];
        let n = model.entries();
        let total = u32::from(model.cumfreq[0]);
        if total == 0 {
            return Err("a Quantum model has no frequencies".into());
        }
        let range = (h.wrapping_sub(l) & 0xFFFF) + 1;
        let target = ((c.wrapping_sub(l).wrapping_add(1))
            .wrapping_mul(total)
            .wrapping_sub(1)
            / range)
            & 0xFFFF;
        let mut i = 1;
        while i < n && u32::from(model.cumfreq[i]) > target {
            i += 1;
        }
        let sym = model.sym[i - 1];
        let range = h.wrapping_sub(l).wrapping_add(1);
        let hi = u32::from(model.cumfreq[i - 1]).wrapping_mul(range) / total;
        let lo = u32::from(model.cumfreq[i]).wrapping_mul(range) / total;
        let mut h = l.wrapping_add(hi).wrapping_sub(1) as u16;
        let mut l = l.wrapping_add(lo) as u16;
        for f in &mut model.cumfreq[..i] {
            *f = f.wrapping_add(8);
        }
        if model.cumfreq[0] > 3800 {
            model.rescale();
        }
        let mut c = self.c;
        for _ in 0..64 {
            if (l & 0x8000) != (h & 0x8000) {
                if (l & 0x4000) != 0 && (h & 0x4000) == 0 {
                    c ^= 0x4000;
                    l &= 0x3FFF;
                    h |= 0x4000;
                } else {
                    self.h = h;
                    self.l = l;
                    self.c = c;
                    return Ok(sym);
                }
            }
            l <<= 1;
            h = (h << 1) | 1;
            c = (c << 1) | self.read_bits(1)? as u16;
        }
        Err("the Quantum arithmetic coder does not settle".into())
    }

    fn put(&mut self, b: u8) {
        self.window[self.pos] = b;
        self.pos = (self.pos + 1) & (self.window.len() - 1);
        self.out.push(b);
        self.total += 1;
    }

    /// Decodes one literal or match, then ends the frame when it is complete.
    fn symbol_or_match(&mut self) -> Result<(), String> {
        if !self.header_read {
            self.h = 0xFFFF;
            self.l = 0;
            self.c = self.read_bits(16)? as u16;
            self.header_read = true;
        }
        let selector = self.symbol(SELECTOR)?;
        if selector < 4 {
            let b = self.symbol(1 + usize::from(selector))?;
            self.put(b as u8);
            self.frame_left -= 1;
        } else {
            let (length, slot_model) = match selector {
                4 => (3, MATCH3),
                5 => (4, MATCH4),
                6 => {
                    let s = usize::from(self.symbol(LENGTH)?);
                    let extra = self.read_bits(u32::from(LENGTH_EXTRA[s]))?;
                    (LENGTH_BASE[s] + extra + 5, MATCH_LONG)
                }
                _ => return Err(format!("Quantum selector {selector} does not exist")),
            };
            let s = usize::from(self.symbol(slot_model)?);
            let extra = self.read_bits(u32::from(EXTRA_BITS[s]))?;
            let offset = POSITION_BASE[s] + extra + 1;
            if u64::from(offset) > self.total || offset as usize > self.window.len() {
                return Err(format!(
                    "a Quantum match refers {offset} bytes back, before the start of the data"
                ));
            }
            if length > self.frame_left {
                return Err("a Quantum match runs past the end of its frame".into());
            }
            let mask = self.window.len() - 1;
            let mut from = self.pos.wrapping_sub(offset as usize) & mask;
            for _ in 0..length {
                let b = self.window[from];
                from = (from + 1) & mask;
                self.put(b);
            }
            self.frame_left -= length;
        }
        if self.frame_left == 0 {
            // Align to a byte, then skip to the 0xFF that ends the block.
            self.bit = self.bit.div_ceil(8) * 8;
            loop {
                let Some(&b) = self.input.get(self.bit / 8) else {
                    return Err("a Quantum frame is not followed by the end of its block".into());
                };
                self.bit += 8;
                if b == 0xFF {
                    break;
                }
            }
            self.header_read = false;
            self.frame_left = FRAME;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_tables_are_the_formats() {
        assert_eq!(
            &POSITION_BASE[..12],
            &[0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48]
        );
        assert_eq!(POSITION_BASE[41], 1_572_864);
        assert_eq!(EXTRA_BITS[41], 19);
        // The largest offset of a 2^21 window is the window.
        assert_eq!(POSITION_BASE[41] + (1 << EXTRA_BITS[41]), 1 << 21);
        assert_eq!(
            LENGTH_BASE,
            [
                0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 18, 22, 26, 30, 38, 46, 54, 62, 78, 94, 110,
                126, 158, 190, 222, 254
            ]
        );
        assert_eq!(LENGTH_EXTRA[26], 0);
        assert_eq!(LENGTH_EXTRA[25], 5);
    }

    #[test]
    fn any_bytes_end_in_output_or_an_error() {
        let mut seed = 0x1234_5678u32;
        for round in 0..2000 {
            let mut q = Quantum::new(10 + (round % 12) as u8).unwrap();
            // Short blocks as well, so that the coder reads past the end of the data.
            let most = if round % 2 == 0 { 3000 } else { 12 };
            for _ in 0..6 {
                let data: Vec<u8> = (0..(seed % most) as usize)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        seed as u8
                    })
                    .collect();
                let want = if round % 3 == 0 {
                    1 + seed % 40
                } else {
                    1 + seed % FRAME
                };
                match q.decode(&data, want as usize) {
                    Ok(out) => assert!(!out.is_empty()),
                    Err(e) => {
                        assert!(!e.is_empty());
                        break;
                    }
                }
            }
        }
    }
}
