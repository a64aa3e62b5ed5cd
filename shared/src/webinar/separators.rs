//! Where a CSV's commas, line ends and quotes are, 64 bytes at a time: one bit per byte, found
//! with the 128-bit vector unit every Lambda CPU has (SSE2 on x86_64, NEON on arm64); other
//! targets take the scalar loop, which is also the tests' reference. The attendee report's
//! rows are split by walking these bits: a 10 MB report has about a million cells, and looking
//! for each cell's end byte by byte was a third of reading it. Commas and the bytes that end a
//! plain row (a line feed, or a quote that hands the row to the CSV reader) come as two masks:
//! a row's commas are taken up to its end without reading each byte again to learn which it was.

/// A block's separators: bit `i` of `commas` when byte `i` is a comma; of `ends` when it is a
/// line feed or a double quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bits {
    pub(super) commas: u64,
    pub(super) ends: u64,
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn separators_in(block: &[u8; 64]) -> Bits {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { separators_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn separators_sse2(block: &[u8; 64]) -> Bits {
    use std::arch::x86_64::*;
    let (comma, newline, quote) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b'"' as i8));
    let mut bits = Bits { commas: 0, ends: 0 };
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: an unaligned load of exactly the 16 bytes `chunk` borrows.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        let ends = _mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, quote));
        bits.commas |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) as u16) << (16 * i);
        bits.ends |= u64::from(_mm_movemask_epi8(ends) as u16) << (16 * i);
    }
    bits
}

#[cfg(target_arch = "aarch64")]
#[inline]
fn separators_in(block: &[u8; 64]) -> Bits {
    // SAFETY: NEON is part of the aarch64 baseline.
    unsafe { separators_neon(block) }
}

#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
fn separators_neon(block: &[u8; 64]) -> Bits {
    use std::arch::aarch64::*;
    const BITS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    // SAFETY: loads of exactly the 64 bytes `block` and the 16 `BITS` hold.
    let (bits, v) = unsafe { (vld1q_u8(BITS.as_ptr()), vld1q_u8_x4(block.as_ptr())) };
    let commas = |v: uint8x16_t| vandq_u8(vceqq_u8(v, vdupq_n_u8(b',')), bits);
    let ends = |v: uint8x16_t| vandq_u8(vorrq_u8(vceqq_u8(v, vdupq_n_u8(b'\n')), vceqq_u8(v, vdupq_n_u8(b'"'))), bits);
    // NEON has no movemask: one weighted bit per lane, then pairwise sums fold 64 lanes into
    // 8 bytes, byte k holding lanes 8k..8k+8; both masks in one vector, commas in the low half.
    let (ca, cb) = (vpaddq_u8(commas(v.0), commas(v.1)), vpaddq_u8(commas(v.2), commas(v.3)));
    let (ea, eb) = (vpaddq_u8(ends(v.0), ends(v.1)), vpaddq_u8(ends(v.2), ends(v.3)));
    let folded = vreinterpretq_u64_u8(vpaddq_u8(vpaddq_u8(ca, cb), vpaddq_u8(ea, eb)));
    Bits { commas: vgetq_lane_u64(folded, 0), ends: vgetq_lane_u64(folded, 1) }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline]
fn separators_in(block: &[u8; 64]) -> Bits {
    separators_scalar(block)
}

#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
fn separators_scalar(block: &[u8; 64]) -> Bits {
    block.iter().enumerate().fold(Bits { commas: 0, ends: 0 }, |bits, (i, &b)| Bits {
        commas: bits.commas | (u64::from(b == b',') << i),
        ends: bits.ends | (u64::from(matches!(b, b'\n' | b'"')) << i),
    })
}

/// The separators of a text, found in order: a cursor over one 64-byte block's bits at a time.
pub(super) struct Separators<'a> {
    text: &'a [u8],
    /// Where the block in `bits` starts (a multiple of 64), or `usize::MAX` before the first.
    block: usize,
    bits: Bits,
}

impl<'a> Separators<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        Self { text, block: usize::MAX, bits: Bits { commas: 0, ends: 0 } }
    }

    fn load(&mut self, block: usize) {
        self.block = block;
        self.bits = match self.text.get(block..block + 64) {
            Some(full) => separators_in(full.try_into().expect("64 bytes")),
            None => {
                // The text's last partial block, padded with bytes that separate nothing.
                let mut padded = [0u8; 64];
                let rest = &self.text[block.min(self.text.len())..];
                padded[..rest.len()].copy_from_slice(rest);
                separators_in(&padded)
            }
        };
    }

    /// The separators in the 64-byte block holding `at`, from `at` on: the block's start and
    /// its bits (bit `i` for byte `block + i`); `None` past the end of the text. A caller walks
    /// the bits, then asks again from the next block.
    #[inline]
    pub(super) fn block_from(&mut self, at: usize) -> Option<(usize, Bits)> {
        if at >= self.text.len() {
            return None;
        }
        let block = at & !63;
        if block != self.block {
            self.load(block);
        }
        let from = !0u64 << (at - block);
        Some((block, Bits { commas: self.bits.commas & from, ends: self.bits.ends & from }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first separator at `at` or after it, by walking the blocks as the report's reader does.
    fn next_from(cursor: &mut Separators<'_>, mut at: usize) -> Option<usize> {
        loop {
            let (block, Bits { commas, ends }) = cursor.block_from(at)?;
            let bits = commas | ends;
            if bits != 0 {
                return Some(block + bits.trailing_zeros() as usize);
            }
            at = block + 64;
        }
    }

    #[test]
    fn vector_bits_match_the_scalar_reference() {
        let mut rng = fastrand::Rng::with_seed(64);
        let alphabet = b",\n\"\r\t a0\x00\x80\xac\xe2\xff";
        for _ in 0..20_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                *b = if rng.bool() { *rng.choice(alphabet).unwrap() } else { rng.u8(..) };
            }
            assert_eq!(separators_in(&block), separators_scalar(&block), "{block:?}");
        }
        let every: Vec<u8> = (0..=255).collect();
        for block in every.chunks_exact(64) {
            let block: &[u8; 64] = block.try_into().unwrap();
            assert_eq!(separators_in(block), separators_scalar(block), "{block:?}");
        }
    }

    #[test]
    fn the_cursor_finds_every_separator_in_order() {
        let mut rng = fastrand::Rng::with_seed(7);
        for len in [0, 1, 63, 64, 65, 127, 128, 129, 500] {
            let text: Vec<u8> = (0..len).map(|_| *rng.choice(b"ab,\n\"x".as_slice()).unwrap()).collect();
            let expected: Vec<usize> = text.iter().enumerate().filter(|(_, b)| matches!(b, b',' | b'\n' | b'"')).map(|(i, _)| i).collect();
            let mut found = Vec::new();
            let mut cursor = Separators::new(&text);
            let mut at = 0;
            while let Some(i) = next_from(&mut cursor, at) {
                found.push(i);
                at = i + 1;
            }
            assert_eq!(found, expected, "{len}");
            // Starting anywhere, the first one at or after it; and going back to an earlier block.
            for start in (0..len).rev().step_by(17) {
                assert_eq!(next_from(&mut cursor, start), expected.iter().copied().find(|&i| i >= start), "{len} from {start}");
            }
        }
    }
}
