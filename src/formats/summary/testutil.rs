//! Test-only builder of `\x05SummaryInformation` streams.

use super::FMTID_SUMMARY_INFORMATION;

/// A value to write.
pub enum V {
    Empty,
    Null,
    I2(i16),
    I4(i32),
    /// A string written with its terminating NUL.
    Str(&'static str),
    /// The exact bytes of an LPSTR (the length word is their length).
    Bytes(Vec<u8>),
    FileTime(u64),
    /// Any type word followed by these bytes.
    Raw(u32, Vec<u8>),
}

pub struct Builder {
    props: Vec<(u32, V)>,
}

impl Builder {
    pub fn new() -> Self {
        Builder { props: Vec::new() }
    }

    pub(crate) fn prop(mut self, pid: u32, v: V) -> Self {
        self.props.push((pid, v));
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let n = self.props.len();
        let mut table = Vec::new();
        let mut values = Vec::new();
        for (pid, v) in &self.props {
            let off = (8 + 8 * n + values.len()) as u32;
            table.extend_from_slice(&pid.to_le_bytes());
            table.extend_from_slice(&off.to_le_bytes());
            match v {
                V::Empty => values.extend_from_slice(&0u32.to_le_bytes()),
                V::Null => values.extend_from_slice(&1u32.to_le_bytes()),
                V::I2(x) => {
                    values.extend_from_slice(&2u32.to_le_bytes());
                    values.extend_from_slice(&x.to_le_bytes());
                    values.extend_from_slice(&[0, 0]);
                }
                V::I4(x) => {
                    values.extend_from_slice(&3u32.to_le_bytes());
                    values.extend_from_slice(&x.to_le_bytes());
                }
                V::Str(s) => {
                    let mut b = s.as_bytes().to_vec();
                    b.push(0);
                    lpstr(&mut values, &b);
                }
                V::Bytes(b) => lpstr(&mut values, b),
                V::FileTime(t) => {
                    values.extend_from_slice(&64u32.to_le_bytes());
                    values.extend_from_slice(&t.to_le_bytes());
                }
                V::Raw(vt, b) => {
                    values.extend_from_slice(&vt.to_le_bytes());
                    values.extend_from_slice(b);
                }
            }
        }
        let size = (8 + table.len() + values.len()) as u32;
        let mut out = Vec::new();
        out.extend_from_slice(&0xFFFEu16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0x0002_0005u32.to_le_bytes());
        out.extend_from_slice(&[0u8; 16]);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&FMTID_SUMMARY_INFORMATION);
        out.extend_from_slice(&48u32.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&table);
        out.extend_from_slice(&values);
        out
    }

    /// Absolute position in a built stream of the value of the `index`-th property.
    pub(crate) fn value_offset(stream: &[u8], index: usize) -> usize {
        let at = 48 + 8 + index * 8 + 4;
        let off = u32::from_le_bytes([stream[at], stream[at + 1], stream[at + 2], stream[at + 3]]);
        48 + off as usize
    }
}

fn lpstr(values: &mut Vec<u8>, b: &[u8]) {
    values.extend_from_slice(&30u32.to_le_bytes());
    values.extend_from_slice(&(b.len() as u32).to_le_bytes());
    values.extend_from_slice(b);
    while !values.len().is_multiple_of(4) {
        values.push(0);
    }
}
