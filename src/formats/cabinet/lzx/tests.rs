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
