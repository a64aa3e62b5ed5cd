//! Sixteen bytes of cue text sorted into the classes the fast WebVTT lane needs, one bit per
//! byte (bit i is byte i), with the 128-bit vector unit every Lambda CPU has: SSE2 on x86_64,
//! NEON on arm64. Other targets take the scalar loop, which is also the tests' reference.

/// Bit masks over a 16-byte block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Classes {
    pub newline: u16,
    /// Bytes ≤ 0x20: what separates words (the same rule as the stats' word count).
    pub space: u16,
    /// Bytes the fast lane leaves to the full parser: control bytes other than `\n` (tabs, CR,
    /// form feeds), markup (`<`) and entities (`&`).
    pub special: u16,
    pub question: u16,
    pub colon: u16,
}

#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn classify(block: &[u8; 16]) -> Classes {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { classify_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_sse2(block: &[u8; 16]) -> Classes {
    use std::arch::x86_64::*;
    // SAFETY: an unaligned load of exactly the 16 bytes `block` borrows.
    let v = unsafe { _mm_loadu_si128(block.as_ptr().cast()) };
    let mask = |m: __m128i| _mm_movemask_epi8(m) as u16;
    let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
    // Unsigned v ≤ c ⇔ min(v, c) == v (SSE2 compares are signed, which would misread UTF-8).
    let at_most = |c: u8| _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(c as i8)), v);
    let newline = eq(b'\n');
    let control = _mm_andnot_si128(newline, at_most(0x1F));
    let special = _mm_or_si128(control, _mm_or_si128(eq(b'<'), eq(b'&')));
    Classes {
        newline: mask(newline),
        space: mask(at_most(0x20)),
        special: mask(special),
        question: mask(eq(b'?')),
        colon: mask(eq(b':')),
    }
}

#[cfg(target_arch = "aarch64")]
#[inline]
pub(crate) fn classify(block: &[u8; 16]) -> Classes {
    // SAFETY: NEON is part of the aarch64 baseline.
    unsafe { classify_neon(block) }
}

#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
fn classify_neon(block: &[u8; 16]) -> Classes {
    use std::arch::aarch64::*;
    const BITS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    // SAFETY: loads of exactly the 16 bytes `block` and `BITS` hold.
    let (v, bits) = unsafe { (vld1q_u8(block.as_ptr()), vld1q_u8(BITS.as_ptr())) };
    // NEON has no movemask: keep one weighted bit per lane and add each half's lanes.
    let mask = |m: uint8x16_t| {
        let w = vandq_u8(m, bits);
        u16::from(vaddv_u8(vget_low_u8(w))) | (u16::from(vaddv_u8(vget_high_u8(w))) << 8)
    };
    let eq = |c: u8| vceqq_u8(v, vdupq_n_u8(c));
    let newline = eq(b'\n');
    let control = vbicq_u8(vcleq_u8(v, vdupq_n_u8(0x1F)), newline);
    let special = vorrq_u8(control, vorrq_u8(eq(b'<'), eq(b'&')));
    Classes {
        newline: mask(newline),
        space: mask(vcleq_u8(v, vdupq_n_u8(0x20))),
        special: mask(special),
        question: mask(eq(b'?')),
        colon: mask(eq(b':')),
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline]
pub(crate) fn classify(block: &[u8; 16]) -> Classes {
    classify_scalar(block)
}

#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
pub(crate) fn classify_scalar(block: &[u8; 16]) -> Classes {
    let mut c = Classes { newline: 0, space: 0, special: 0, question: 0, colon: 0 };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u16 << i;
        let set = |m: &mut u16, on: bool| *m |= if on { bit } else { 0 };
        set(&mut c.newline, b == b'\n');
        set(&mut c.space, b <= 0x20);
        set(&mut c.special, (b < 0x20 && b != b'\n') || b == b'<' || b == b'&');
        set(&mut c.question, b == b'?');
        set(&mut c.colon, b == b':');
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_classes_match_the_scalar_reference() {
        let mut rng = fastrand::Rng::with_seed(16);
        let alphabet = b"\n\r\t\x0c\x00 ?:<&aZ~\x7f\x80\xa0\xc3\xe2\xff";
        for _ in 0..20_000 {
            let mut block = [0u8; 16];
            for b in &mut block {
                // Mostly the bytes that matter, sometimes any byte at all.
                *b = if rng.bool() { *rng.choice(alphabet).unwrap() } else { rng.u8(..) };
            }
            assert_eq!(classify(&block), classify_scalar(&block), "{block:?}");
        }
        let every: Vec<u8> = (0..=255).collect();
        for block in every.chunks_exact(16) {
            let block: &[u8; 16] = block.try_into().unwrap();
            assert_eq!(classify(block), classify_scalar(block), "{block:?}");
        }
    }
}
