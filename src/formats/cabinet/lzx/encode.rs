//! An LZX compressor for the cabinets msikit writes (the `cab` crate writes no LZX).
//!
//! Plain and predictable rather than smallest: greedy parsing over hash chains (the longest
//! match among the most recent candidates, the three repeated offsets tried first), one verbatim
//! block per 32 KiB frame with main and length trees fitted to that frame, and a stored block
//! whenever the frame would not shrink. No E8 translation. The same bytes always give the same
//! output. Every frame ends on a 16-bit boundary, which is where each CFDATA block ends.
//!
//! What it writes is read back by cabextract, 7-Zip and msiextract in the tests
//! (tests/authoring.rs), not only by msikit's own decoder.

use super::{position_slots, BASE, EXTRA, FRAME, LENGTH_SYMBOLS};

/// Shortest match worth coding, and the longest LZX can code.
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 257;
/// Hash chain candidates looked at per position.
const DEPTH: usize = 24;
const HASH_BITS: u32 = 16;
const NONE: u32 = u32::MAX;

/// Writes bits into 16-bit little-endian words, top bit first.
#[derive(Default)]
pub(super) struct BitWriter {
    pub out: Vec<u8>,
    acc: u32,
    pub n: u32,
}

impl BitWriter {
    pub(super) fn put(&mut self, v: u32, bits: u32) {
        if bits == 0 {
            return;
        }
        // At most 32 bits at a time, in pieces that keep the accumulator below 32 bits.
        if bits > 16 {
            self.put(v >> 16, bits - 16);
            self.put(v & 0xFFFF, 16);
            return;
        }
        self.acc = (self.acc << bits) | (v & ((1 << bits) - 1));
        self.n += bits;
        if self.n >= 16 {
            self.n -= 16;
            let word = (self.acc >> self.n) as u16;
            self.out.extend_from_slice(&word.to_le_bytes());
            self.acc &= (1 << self.n) - 1;
        }
    }

    /// Pads to the end of the word (nothing when at one).
    pub(super) fn flush(&mut self) {
        if self.n > 0 {
            self.put(0, 16 - self.n);
        }
    }
}

/// Canonical codes for path lengths, as (code, length); (0, 0) for a symbol without a code.
pub(super) fn codes(lens: &[u8]) -> Vec<(u32, u32)> {
    let mut count = [0u32; 17];
    for &l in lens {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 17];
    let mut code = 0;
    for len in 1..=16 {
        next[len] = code;
        code = (code + count[len]) << 1;
    }
    lens.iter()
        .map(|&l| {
            if l == 0 {
                return (0, 0);
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            (c, u32::from(l))
        })
        .collect()
}

/// Huffman path lengths for `freq`, none longer than `limit`, forming a complete code: at
/// least two symbols get one (decoders refuse a code of one symbol). Too-long codes are cured
/// by halving the frequencies and building again.
fn code_lengths(freq: &[u32], limit: u8) -> Vec<u8> {
    let mut f = freq.to_vec();
    let mut used = f.iter().filter(|&&x| x > 0).count();
    for x in f.iter_mut() {
        if used >= 2 {
            break;
        }
        if *x == 0 {
            *x = 1;
            used += 1;
        }
    }
    loop {
        let lens = huffman(&f);
        if lens.iter().all(|&l| l <= limit) {
            return lens;
        }
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = x.div_ceil(2);
        }
    }
}

/// Path lengths of a Huffman code for the nonzero frequencies (ties broken by node number, so
/// the result never varies).
fn huffman(freq: &[u32]) -> Vec<u8> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut parent: Vec<usize> = vec![usize::MAX; freq.len()];
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = freq
        .iter()
        .enumerate()
        .filter(|(_, &f)| f > 0)
        .map(|(s, &f)| Reverse((u64::from(f), s)))
        .collect();
    while heap.len() > 1 {
        let (Some(Reverse((wa, a))), Some(Reverse((wb, b)))) = (heap.pop(), heap.pop()) else {
            break;
        };
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        heap.push(Reverse((wa + wb, node)));
    }
    // Depths: parents are numbered after their children, so walk down from the root.
    let mut depth = vec![0u8; parent.len()];
    for n in (0..parent.len()).rev() {
        if parent[n] != usize::MAX {
            depth[n] = depth[parent[n]].saturating_add(1);
        }
    }
    (0..freq.len())
        .map(|s| if freq[s] > 0 { depth[s] } else { 0 })
        .collect()
}

/// One coded element of a frame.
#[derive(Clone, Copy)]
struct Element {
    /// Main tree symbol: a literal, or 256 + slot * 8 + length header.
    main: u16,
    /// Length tree symbol + 1 (0: none).
    length: u16,
    /// Extra offset bits and their count.
    footer: u32,
    footer_bits: u8,
}

/// Finds matches over hash chains of 3-byte prefixes.
struct Matcher {
    head: Vec<u32>,
    prev: Vec<u32>,
    mask: usize,
    /// Every position before this one is in the chains.
    inserted: usize,
}

impl Matcher {
    fn new(window: usize) -> Self {
        Matcher {
            head: vec![NONE; 1 << HASH_BITS],
            prev: vec![NONE; window],
            mask: window - 1,
            inserted: 0,
        }
    }

    fn hash(data: &[u8], i: usize) -> usize {
        let v = u32::from(data[i]) | u32::from(data[i + 1]) << 8 | u32::from(data[i + 2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    }

    /// Puts the positions before `upto` into the chains.
    fn insert_upto(&mut self, data: &[u8], upto: usize) {
        let last = data.len().saturating_sub(MIN_MATCH - 1);
        while self.inserted < upto.min(last) {
            let i = self.inserted;
            let h = Self::hash(data, i);
            self.prev[i & self.mask] = self.head[h];
            self.head[h] = i as u32;
            self.inserted += 1;
        }
        self.inserted = self.inserted.max(upto);
    }

    /// The longest match for position `i` (at most `max_len` bytes, at most `max_offset`
    /// back), as (length, offset); length 0 when there is none of MIN_MATCH bytes.
    fn longest(&self, data: &[u8], i: usize, max_len: usize, max_offset: usize) -> (usize, usize) {
        let mut best = (0, 0);
        if max_len < MIN_MATCH || i + MIN_MATCH > data.len() {
            return best;
        }
        let mut cand = self.head[Self::hash(data, i)];
        let mut left = DEPTH;
        while cand != NONE && left > 0 {
            let c = cand as usize;
            if c >= i || i - c > max_offset {
                break;
            }
            let n = common(data, c, i, max_len);
            if n > best.0 {
                best = (n, i - c);
                if n == max_len {
                    break;
                }
            }
            let next = self.prev[c & self.mask];
            // A slot reused by a later position ends the chain.
            if next != NONE && next as usize >= c {
                break;
            }
            cand = next;
            left -= 1;
        }
        if best.0 < MIN_MATCH {
            (0, 0)
        } else {
            best
        }
    }
}

/// How many bytes from `a` and from `b` agree (`a < b`), at most `max`.
fn common(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    let max = max.min(data.len() - b);
    let (x, y) = (&data[a..a + max], &data[b..b + max]);
    let mut n = 0;
    while n + 8 <= max {
        let d = u64::from_le_bytes(x[n..n + 8].try_into().unwrap_or([0; 8]))
            ^ u64::from_le_bytes(y[n..n + 8].try_into().unwrap_or([0; 8]));
        if d != 0 {
            return n + (d.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && x[n] == y[n] {
        n += 1;
    }
    n
}

/// The folder's data as LZX with a window of 2^`window_bits` bytes (15 to 21): one CFDATA
/// payload per 32 KiB of `data` (at least one).
pub(crate) fn compress(data: &[u8], window_bits: u8) -> Vec<Vec<u8>> {
    let window = 1usize << window_bits;
    let slots = position_slots(window_bits);
    // The format lets an offset reach window - 3 bytes back.
    let max_offset = window - 3;
    let mut matcher = Matcher::new(window);
    let mut r = [1usize; 3];
    let mut main_prev = vec![0u8; 256 + 8 * slots];
    let mut length_prev = vec![0u8; LENGTH_SYMBOLS];
    let mut frames = Vec::new();
    let mut pos = 0;
    loop {
        let end = (pos + FRAME).min(data.len());
        let mut w = BitWriter::default();
        if pos == 0 {
            // No E8 translation.
            w.put(0, 1);
        }
        if end == pos {
            w.flush();
            frames.push(w.out);
            break;
        }
        let r_before = r;
        let elements = parse(data, pos, end, max_offset, &mut matcher, &mut r);
        let mut main_freq = vec![0u32; 256 + 8 * slots];
        let mut length_freq = vec![0u32; LENGTH_SYMBOLS];
        for e in &elements {
            main_freq[usize::from(e.main)] += 1;
            if e.length > 0 {
                length_freq[usize::from(e.length - 1)] += 1;
            }
        }
        let main = code_lengths(&main_freq, 16);
        let length = code_lengths(&length_freq, 16);
        let size = (end - pos) as u32;
        let mut v = BitWriter {
            out: Vec::with_capacity(FRAME + 1024),
            ..BitWriter::default()
        };
        if pos == 0 {
            v.put(0, 1);
        }
        v.put(1, 3);
        v.put(size, 24);
        write_lengths(&mut v, &main[..256], &main_prev[..256]);
        write_lengths(&mut v, &main[256..], &main_prev[256..]);
        write_lengths(&mut v, &length, &length_prev);
        let (mc, lc) = (codes(&main), codes(&length));
        for e in &elements {
            let (c, l) = mc[usize::from(e.main)];
            v.put(c, l);
            if e.length > 0 {
                let (c, l) = lc[usize::from(e.length - 1)];
                v.put(c, l);
            }
            v.put(e.footer, u32::from(e.footer_bits));
        }
        v.flush();
        if v.out.len() <= size as usize + 16 {
            main_prev = main;
            length_prev = length;
            frames.push(v.out);
        } else {
            // Stored: the trees stay as they were, the repeated offsets are the ones before
            // this frame (written into the block for the decoder to take).
            r = r_before;
            w.put(3, 3);
            w.put(size, 24);
            if w.n == 0 {
                w.put(0, 16);
            } else {
                w.flush();
            }
            for x in r {
                w.out.extend_from_slice(&(x as u32).to_le_bytes());
            }
            w.out.extend_from_slice(&data[pos..end]);
            if size % 2 == 1 {
                w.out.push(0);
            }
            frames.push(w.out);
        }
        pos = end;
        if pos == data.len() {
            break;
        }
    }
    frames
}

/// Greedy parse of `data[pos..end]` into elements, updating the repeated offsets `r` as the
/// decoder will.
fn parse(
    data: &[u8],
    mut pos: usize,
    end: usize,
    max_offset: usize,
    matcher: &mut Matcher,
    r: &mut [usize; 3],
) -> Vec<Element> {
    let mut out = Vec::with_capacity(FRAME);
    while pos < end {
        matcher.insert_upto(data, pos);
        // Matches may not run past the frame's end.
        let max_len = (end - pos).min(MAX_MATCH);
        let (mut len, mut offset) = matcher.longest(data, pos, max_len, max_offset);
        // A repeated offset as long as the best match costs no footer.
        let mut repeat = None;
        for (k, &ro) in r.iter().enumerate() {
            if ro <= pos && ro <= max_offset && max_len >= MIN_MATCH {
                let n = common(data, pos - ro, pos, max_len);
                if n >= MIN_MATCH && n >= len {
                    (len, offset, repeat) = (n, ro, Some(k));
                    break;
                }
            }
        }
        if len == 0 {
            out.push(Element {
                main: u16::from(data[pos]),
                length: 0,
                footer: 0,
                footer_bits: 0,
            });
            pos += 1;
            continue;
        }
        let (slot, footer, footer_bits) = match repeat {
            Some(k) => {
                r.swap(0, k);
                (k, 0, 0)
            }
            None => {
                let formatted = (offset + 2) as u32;
                let slot = BASE.partition_point(|&b| b <= formatted) - 1;
                *r = [offset, r[0], r[1]];
                (slot, formatted - BASE[slot], EXTRA[slot] as u8)
            }
        };
        let header = (len - 2).min(7);
        out.push(Element {
            main: (256 + slot * 8 + header) as u16,
            length: if header == 7 { (len - 9 + 1) as u16 } else { 0 },
            footer,
            footer_bits,
        });
        pos += len;
    }
    matcher.insert_upto(data, pos);
    out
}

/// Writes path lengths as changes from `prev`, coded with a pretree fitted to them: runs of 4
/// or more zeros as codes 17 and 18, every other length as code `(prev - new) mod 17`.
fn write_lengths(w: &mut BitWriter, lens: &[u8], prev: &[u8]) {
    let mut items: Vec<(usize, u32, u32)> = Vec::new();
    let mut i = 0;
    while i < lens.len() {
        if lens[i] == 0 {
            let run = lens[i..].iter().take_while(|&&l| l == 0).count();
            if run >= 20 {
                let n = run.min(51);
                items.push((18, n as u32 - 20, 5));
                i += n;
                continue;
            }
            if run >= 4 {
                let n = run.min(19);
                items.push((17, n as u32 - 4, 4));
                i += n;
                continue;
            }
        }
        let z = (usize::from(prev[i]) + 17 - usize::from(lens[i])) % 17;
        items.push((z, 0, 0));
        i += 1;
    }
    let mut freq = [0u32; 20];
    for &(code, _, _) in &items {
        freq[code] += 1;
    }
    // Pretree lengths are 4-bit fields.
    let pre = code_lengths(&freq, 15);
    for &l in &pre {
        w.put(u32::from(l), 4);
    }
    let pc = codes(&pre);
    for (code, extra, bits) in items {
        w.put(pc[code].0, pc[code].1);
        w.put(extra, bits);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Lzx;
    use super::*;
    use crate::formats::cabinet::tests::{noise, XorShift};

    fn decode(frames: &[Vec<u8>], len: usize, window_bits: u8) -> Vec<u8> {
        let mut lzx = Lzx::new(window_bits).expect("window");
        let mut out = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let n = (len - out.len()).min(FRAME);
            let got = lzx
                .decode(f, n)
                .unwrap_or_else(|e| panic!("frame {i}: {e}"));
            out.extend_from_slice(got);
        }
        out
    }

    /// Text-like bytes with repeats near and far, some noise, and runs.
    fn sample(len: usize, seed: u32) -> Vec<u8> {
        let mut r = XorShift(seed | 1);
        let mut rnd = move || r.next();
        let words: Vec<Vec<u8>> = (0..300)
            .map(|_| {
                (0..2 + rnd() % 9)
                    .map(|_| b'a' + (rnd() % 26) as u8)
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            match rnd() % 20 {
                0 => out.extend((0..rnd() % 64).map(|_| rnd() as u8)),
                1 => out.extend(std::iter::repeat_n(rnd() as u8, (rnd() % 600) as usize)),
                2 if out.len() > 70_000 => {
                    // A copy from far back (beyond a 2^15 or 2^16 window).
                    let from = (rnd() as usize) % (out.len() - 70_000);
                    let n = (rnd() % 400) as usize;
                    let piece = out[from..from + n].to_vec();
                    out.extend(piece);
                }
                _ => {
                    out.extend_from_slice(&words[(rnd() % 300) as usize]);
                    out.push(b' ');
                }
            }
        }
        out.truncate(len);
        out
    }

    #[test]
    fn round_trips_through_the_decoder_for_every_window() {
        let data = sample(300_001, 5);
        for bits in 15..=21 {
            let frames = compress(&data, bits);
            assert_eq!(frames.len(), data.len().div_ceil(FRAME));
            let packed: usize = frames.iter().map(Vec::len).sum();
            assert!(packed < data.len() / 2, "window {bits}: {packed} bytes");
            assert!(decode(&frames, data.len(), bits) == data, "window {bits}");
        }
    }

    #[test]
    fn incompressible_frames_are_stored_and_edge_sizes_work() {
        let noise = noise(100_000, 77);
        let mut data = sample(40_000, 9);
        data.extend_from_slice(&noise);
        data.extend(sample(50_003, 10));
        let frames = compress(&data, 16);
        assert!(frames.iter().any(|f| f.len() > FRAME), "a stored frame");
        assert!(frames.iter().all(|f| f.len() <= FRAME + 32));
        assert!(decode(&frames, data.len(), 16) == data);
        for len in [0, 1, 2, 3, 4, 10, FRAME - 1, FRAME, FRAME + 1] {
            let d = sample(len, len as u32 + 1);
            let frames = compress(&d, 15);
            assert_eq!(frames.len(), len.div_ceil(FRAME).max(1));
            assert!(decode(&frames, len, 15) == d, "length {len}");
        }
        let zeros = vec![0u8; 5 * FRAME + 17];
        let frames = compress(&zeros, 21);
        assert!(frames.iter().all(|f| f.len() < 200));
        assert!(decode(&frames, zeros.len(), 21) == zeros);
    }

    #[test]
    fn output_is_deterministic() {
        let data = sample(100_000, 3);
        assert_eq!(compress(&data, 17), compress(&data, 17));
    }

    #[test]
    fn code_lengths_are_complete_and_limited() {
        // Fibonacci frequencies make the deepest Huffman trees.
        let mut fib = vec![1u32, 1];
        while fib.len() < 40 {
            let n = fib[fib.len() - 1].saturating_add(fib[fib.len() - 2]);
            fib.push(n);
        }
        for (freq, limit) in [
            (fib.clone(), 16),
            (fib[..20].to_vec(), 15),
            (vec![0, 5, 0], 16),
        ] {
            let lens = code_lengths(&freq, limit);
            assert!(lens.iter().all(|&l| l <= limit));
            let kraft: f64 = lens
                .iter()
                .filter(|&&l| l > 0)
                .map(|&l| 0.5f64.powi(i32::from(l)))
                .sum();
            assert!((kraft - 1.0).abs() < 1e-12, "{lens:?}");
            assert!(lens.iter().filter(|&&l| l > 0).count() >= 2);
        }
    }
}
