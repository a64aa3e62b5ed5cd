//! What the byte scanners share of the 128-bit vector unit every Lambda CPU has: on arm64,
//! NEON's stand-in for SSE2's `movemask` (one bit a lane of a compare's result). x86_64 has
//! the instruction itself (`_mm_movemask_epi8`).

/// One bit a lane of `lanes` (each all ones or all zeros, as a compare leaves them): lane `j`
/// is bit `j`. NEON has no movemask, so one weighted bit a lane is folded by pairwise sums.
#[cfg(target_arch = "aarch64")]
#[inline]
pub(crate) fn movemask(lanes: std::arch::aarch64::uint8x16_t) -> u16 {
    use std::arch::aarch64::*;
    const BITS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    // SAFETY: NEON is part of the aarch64 baseline; the load reads exactly the 16 bytes of
    // `BITS`.
    unsafe {
        let weighted = vandq_u8(lanes, vld1q_u8(BITS.as_ptr()));
        let folded = vpaddq_u8(vpaddq_u8(vpaddq_u8(weighted, weighted), vdupq_n_u8(0)), vdupq_n_u8(0));
        vgetq_lane_u16(vreinterpretq_u16_u8(folded), 0)
    }
}
