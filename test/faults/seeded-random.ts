// The fault suite's random choices come from one seeded generator (FAULT_SEED), so a failure
// reproduces with the same seed.

/** mulberry32: small and fast; plenty for picking kill points, payloads and 429s. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const FAULT_SEED = Number(process.env.FAULT_SEED ?? 20250301);
