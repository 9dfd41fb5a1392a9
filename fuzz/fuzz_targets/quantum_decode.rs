//! Any bytes as the data of a Quantum folder: the first byte picks the window (2^10 to 2^21),
//! the second how many bytes each block decodes to; the rest is cut into data blocks of up to
//! 3,000 bytes, wrapped in a cabinet of one Quantum folder and one file, and decoded by msikit's
//! Quantum decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msikit::formats::cabinet::Cabinet;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let window_bits = 10 + u16::from(data[0]) % 12;
    let per_block: u16 = if data[1] & 1 == 0 { 32768 } else { 1 + u16::from(data[1]) * 100 };
    let blocks: Vec<&[u8]> = data[2..].chunks(3000).take(60).collect();
    if blocks.is_empty() {
        return;
    }
    let folder_at = 36 + 8;
    let name = b"f\0";
    let data_at = folder_at + 16 + name.len();
    let mut cab = Vec::new();
    let body: usize = blocks.iter().map(|b| 8 + b.len()).sum();
    let total = data_at + body;
    cab.extend_from_slice(b"MSCF");
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&(total as u32).to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&(folder_at as u32).to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&[3, 1]);
    cab.extend_from_slice(&1u16.to_le_bytes()); // folders
    cab.extend_from_slice(&1u16.to_le_bytes()); // files
    cab.extend_from_slice(&[0; 6]); // flags, set id, index
    cab.extend_from_slice(&(data_at as u32).to_le_bytes());
    cab.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    cab.extend_from_slice(&(2 | (window_bits << 8) | (4 << 4)).to_le_bytes());
    let size = u32::from(per_block) * blocks.len() as u32;
    cab.extend_from_slice(&size.to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&0u16.to_le_bytes());
    cab.extend_from_slice(&[0; 6]);
    cab.extend_from_slice(name);
    for b in &blocks {
        cab.extend_from_slice(&0u32.to_le_bytes()); // no checksum
        cab.extend_from_slice(&(b.len() as u16).to_le_bytes());
        cab.extend_from_slice(&per_block.to_le_bytes());
        cab.extend_from_slice(b);
    }
    if let Ok(cab) = Cabinet::parse(cab) {
        let _ = cab.for_each_file_chunked(|_| Ok(()));
    }
});
