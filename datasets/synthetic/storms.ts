/**
 * Synthetic weather with a known answer: storm-like blobs that are advected by a constant wind,
 * grow and decay over their life, over several variables on a regular lat/lon grid with a land
 * mask of NaN on the sea-surface variable. Because the advection is known, a forecaster that
 * learns it must beat persistence clearly — that is what the demo and the tests check.
 *
 * Variables:
 *  - `precip` (mm/h): sum of Gaussian storms, amplitude following sin(π·age/life), radius growing.
 *  - `tcw` (kg m-2): large-scale moisture waves advected with the same wind, plus the storms.
 *  - `sst` (K): a meridional gradient with an advected anomaly; NaN over land.
 * The domain is periodic for the storms (they leave on one side and come back on the other), so
 * the statistics stay stationary over time.
 */
import { InvalidOptionError } from '../errors.js';
import type { ChannelInfo, Grid } from '../grid/types.js';
import { mulberry32, type Rng } from '../rng.js';

export interface SyntheticOptions {
  /** Number of time steps. Default 120. */
  times?: number;
  /** Rows (latitudes). Default 32. */
  height?: number;
  /** Columns (longitudes). Default 32. */
  width?: number;
  /** Cell size in degrees. Default 1. */
  resolution?: number;
  /** North-west cell centre [lat, lon]. Default [60, -20]. */
  origin?: [number, number];
  /** Hours between steps. Default 6. */
  stepHours?: number;
  /** First instant. Default '2024-01-01T00:00:00Z'. */
  start?: string;
  /** Advection in cells per step: u eastward, v northward. Default {u: 1, v: -0.5}. */
  advection?: { u: number; v: number };
  /** Storms alive at once. Default 5. */
  storms?: number;
  /** Seed of the generator. Default 1. */
  seed?: number;
}

export const SYNTHETIC_CHANNELS: ChannelInfo[] = [
  { name: 'precip', units: 'mm h-1', longName: 'precipitation rate' },
  { name: 'tcw', units: 'kg m-2', longName: 'total column water' },
  { name: 'sst', units: 'K', longName: 'sea surface temperature' },
];

interface Storm { x: number; y: number; age: number; life: number; amp: number; r0: number }

function newStorm(rng: Rng, w: number, h: number, age = 0): Storm {
  return { x: rng() * w, y: rng() * h, age, life: 12 + Math.floor(rng() * 12), amp: 4 + rng() * 8, r0: 1.5 + rng() * 1.5 };
}

/** Generates the synthetic Grid (values (T, 3, H, W), north-up, lon -180..180). */
export function generateStorms(options: SyntheticOptions = {}): Grid {
  const T = options.times ?? 120;
  const H = options.height ?? 32;
  const W = options.width ?? 32;
  const res = options.resolution ?? 1;
  const [lat0, lon0] = options.origin ?? [60, -20];
  const stepHours = options.stepHours ?? 6;
  const start = Date.parse(options.start ?? '2024-01-01T00:00:00Z');
  const adv = options.advection ?? { u: 1, v: -0.5 };
  const nStorms = options.storms ?? 5;
  for (const [k, v] of Object.entries({ times: T, height: H, width: W, storms: nStorms })) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`${k} must be a positive integer, got ${v}`);
  }
  if (!(res > 0) || !(stepHours > 0) || !Number.isFinite(start)) throw new InvalidOptionError('resolution and stepHours must be positive and start an ISO instant');
  const rng = mulberry32(options.seed ?? 1);
  const storms = Array.from({ length: nStorms }, () => newStorm(rng, W, H));
  for (const s of storms) s.age = Math.floor(rng() * s.life);
  const waves = Array.from({ length: 3 }, () => ({ kx: (1 + Math.floor(rng() * 2)) * 2 * Math.PI / W, ky: (1 + Math.floor(rng() * 2)) * 2 * Math.PI / H, ph: rng() * 2 * Math.PI, a: 3 + rng() * 3 }));
  // Land: an elliptical continent in the south-west quarter, fixed in time.
  const land = new Uint8Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const dy = (i - 0.75 * H) / (0.22 * H);
    const dx = (j - 0.25 * W) / (0.2 * W);
    land[i * W + j] = dx * dx + dy * dy < 1 ? 1 : 0;
  }
  const C = SYNTHETIC_CHANNELS.length;
  const plane = H * W;
  const values = new Float32Array(T * C * plane);
  const y = Float64Array.from({ length: H }, (_, i) => lat0 - i * res);
  const x = Float64Array.from({ length: W }, (_, j) => lon0 + j * res);
  const times: string[] = [];
  for (let t = 0; t < T; t++) {
    times.push(new Date(start + t * stepHours * 3_600_000).toISOString().replace('.000Z', 'Z'));
    const base = t * C * plane;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let p = 0;
        for (const s of storms) {
          const life = Math.sin((Math.PI * (s.age + 0.5)) / s.life);
          const r = s.r0 * (1 + (0.6 * s.age) / s.life);
          let dx = Math.abs(j - s.x);
          let dy = Math.abs(i - s.y);
          dx = Math.min(dx, W - dx);
          dy = Math.min(dy, H - dy);
          p += s.amp * life * Math.exp(-(dx * dx + dy * dy) / (2 * r * r));
        }
        // Waves move with the wind: phase uses positions traced back along the advection.
        const xb = j - adv.u * t;
        const yb = i + adv.v * t; // v is northward; rows grow southward
        let wave = 0;
        for (const w of waves) wave += w.a * Math.sin(w.kx * xb + w.ky * yb + w.ph);
        const k = i * W + j;
        values[base + k] = p;
        values[base + plane + k] = 25 + wave + 0.8 * p;
        values[base + 2 * plane + k] = land[k] ? NaN : 288 + 0.35 * (i - H / 2) + 0.3 * wave;
      }
    }
    for (const [n, s] of storms.entries()) {
      s.x = (((s.x + adv.u) % W) + W) % W;
      s.y = (((s.y - adv.v) % H) + H) % H;
      s.age++;
      if (s.age >= s.life) storms[n] = newStorm(rng, W, H);
    }
  }
  return {
    times,
    channels: SYNTHETIC_CHANNELS.map((c) => ({ ...c })),
    values,
    y,
    x,
    crs: { epsg: 4326 },
    geotransform: [lon0 - res / 2, res, 0, lat0 + res / 2, 0, -res],
    geographic: true,
  };
}
