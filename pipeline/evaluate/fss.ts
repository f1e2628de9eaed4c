/**
 * Fractions skill score (Roberts & Lean 2008) as pysteps computes it (`pysteps.verification.
 * spatialscores.fss_init/accum/compute`): binarise forecast and observation at a threshold
 * (missing values count as below it), average each over an n×n window (zero-padded edges, via a
 * summed-area table), and FSS = 1 − Σ(Pf − Po)² / (ΣPf² + ΣPo²), accumulated over fields.
 */

/** Running sums of one (threshold, window) pair. */
export interface FssAccum {
  sumDiff2: number;
  sumF2: number;
  sumO2: number;
}

function fractions(field: Float32Array, offset: number, h: number, w: number, thr: number, n: number, out: Float64Array): void {
  // Summed-area table with a zero border: sat[(i+1)*(w+1)+(j+1)] = count of exceedances in [0..i]x[0..j].
  const W1 = w + 1;
  const sat = new Float64Array((h + 1) * W1);
  for (let i = 0; i < h; i++) {
    let row = 0;
    for (let j = 0; j < w; j++) {
      const v = field[offset + i * w + j];
      row += v >= thr ? 1 : 0; // NaN >= thr is false: missing counts as below
      sat[(i + 1) * W1 + j + 1] = sat[i * W1 + j + 1] + row;
    }
  }
  const r = Math.floor(n / 2);
  const area = n * n;
  for (let i = 0; i < h; i++) {
    const i0 = Math.max(0, i - r);
    const i1 = Math.min(h, i - r + n);
    for (let j = 0; j < w; j++) {
      const j0 = Math.max(0, j - r);
      const j1 = Math.min(w, j - r + n);
      out[i * w + j] = (sat[i1 * W1 + j1] - sat[i0 * W1 + j1] - sat[i1 * W1 + j0] + sat[i0 * W1 + j0]) / area;
    }
  }
}

/** Adds one forecast/observation field pair (each h×w at the given offsets) to `acc`. */
export function fssAccumulate(acc: FssAccum, f: Float32Array, fOff: number, o: Float32Array, oOff: number, h: number, w: number, thr: number, n: number): void {
  const pf = new Float64Array(h * w);
  const po = new Float64Array(h * w);
  fractions(f, fOff, h, w, thr, n, pf);
  fractions(o, oOff, h, w, thr, n, po);
  for (let k = 0; k < pf.length; k++) {
    acc.sumDiff2 += (pf[k] - po[k]) ** 2;
    acc.sumF2 += pf[k] * pf[k];
    acc.sumO2 += po[k] * po[k];
  }
}

/** FSS of the accumulated fields; NaN when neither field ever exceeded the threshold. */
export function fssCompute(acc: FssAccum): number {
  const denom = acc.sumF2 + acc.sumO2;
  return denom > 0 ? 1 - acc.sumDiff2 / denom : NaN;
}
