// Seeded shuffles, so that a run's arm order can be replayed (`--seed`).

/** mulberry32: a tiny, well-mixed 32-bit PRNG returning floats in [0, 1). */
export function createRng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle into a new array. */
export function shuffle(items, rng) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Arm order for each round: a seeded shuffle per round, and every second round is the mirror
 * of the one before (ABBA), so that no arm keeps a fixed position relative to a slow drift.
 */
export function roundOrders({ arms, rounds, seed }) {
  const rng = createRng(seed);
  const orders = [];
  for (let r = 0; r < rounds; r++) {
    orders.push(r % 2 === 1 ? [...orders[r - 1]].reverse() : shuffle(arms, rng));
  }
  return orders;
}
