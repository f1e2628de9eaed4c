/**
 * PNG quicklooks for people: for each lead time, the forecast beside the observation (when there
 * is one), on one colour scale with a colour bar, latitude/longitude tick labels and a title.
 * No coastlines (we ship no map data), but labelled axes so a reader can place the field.
 */
import { PNG } from 'pngjs';
import { drawText, GLYPH_H, textWidth } from './bitmap-font.js';

/** Viridis anchor colours (matplotlib), interpolated linearly. */
const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f].map(Math.round) as [number, number, number];
}

export interface QuicklookPanel {
  title: string;
  /** H × W values, north-up; NaN drawn grey. */
  values: Float32Array;
}

export interface QuicklookOptions {
  height: number;
  width: number;
  /** Row-centre y (north → south) and column-centre x coordinates for tick labels. */
  y: ArrayLike<number>;
  x: ArrayLike<number>;
  /** Rows of panels (e.g. one row per lead time: [forecast, observed]). */
  rows: QuicklookPanel[][];
  /** Heading above everything. */
  heading: string;
  /** Colour bar label (units). */
  units?: string;
  /** Label ticks as 60N / 20W (degrees) rather than plain coordinates. */
  geographic?: boolean;
  /** Value range; default: 2nd–98th percentile over all panels. */
  range?: [number, number];
}

function percentileRange(rows: QuicklookPanel[][]): [number, number] {
  const vals: number[] = [];
  for (const row of rows) for (const p of row) for (let i = 0; i < p.values.length; i += Math.max(1, Math.floor(p.values.length / 5000))) if (Number.isFinite(p.values[i])) vals.push(p.values[i]);
  if (!vals.length) return [0, 1];
  vals.sort((a, b) => a - b);
  const lo = vals[Math.floor(vals.length * 0.02)];
  const hi = vals[Math.min(vals.length - 1, Math.floor(vals.length * 0.98))];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function deg(v: number, pos: string, neg: string): string {
  const a = Math.abs(v);
  const t = Number.isInteger(a) ? a.toFixed(0) : a.toFixed(1);
  return v === 0 ? '0' : `${t}${v > 0 ? pos : neg}`;
}

/** Renders the quicklook and returns PNG bytes. */
export function renderQuicklook(o: QuicklookOptions): Buffer {
  const { height: H, width: W } = o;
  const cell = Math.max(1, Math.min(12, Math.floor(240 / Math.max(H, W))));
  const pw = W * cell;
  const ph = H * cell;
  const marginL = 46;
  const marginT = 26;
  const titleH = 14;
  const gap = 30;
  const cols = Math.max(...o.rows.map((r) => r.length));
  const barW = 70;
  const imgW = marginL + cols * (pw + gap) + barW;
  const imgH = marginT + o.rows.length * (ph + titleH + gap + 10) + 8;
  const png = new PNG({ width: imgW, height: imgH });
  png.data.fill(255);
  const set = (x: number, y: number, rgb: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= imgW || y >= imgH) return;
    const k = (y * imgW + x) * 4;
    png.data[k] = rgb[0]; png.data[k + 1] = rgb[1]; png.data[k + 2] = rgb[2]; png.data[k + 3] = 255;
  };
  const black: [number, number, number] = [0, 0, 0];
  const text = (s: string, x: number, y: number) => drawText(s, x, y, (px, py) => set(px, py, black));
  const [lo, hi] = o.range ?? percentileRange(o.rows);
  text(o.heading, 4, 6);
  for (const [ri, row] of o.rows.entries()) {
    const top = marginT + ri * (ph + titleH + gap + 10) + titleH;
    for (const [ci, panel] of row.entries()) {
      const left = marginL + ci * (pw + gap);
      text(panel.title, left, top - titleH + 2);
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
        const v = panel.values[i * W + j];
        const rgb: [number, number, number] = Number.isFinite(v) ? colour((v - lo) / (hi - lo)) : [200, 200, 200];
        for (let a = 0; a < cell; a++) for (let b = 0; b < cell; b++) set(left + j * cell + b, top + i * cell + a, rgb);
      }
      // frame and ticks: three per axis (first, middle, last cell centres)
      for (let x = left - 1; x <= left + pw; x++) { set(x, top - 1, black); set(x, top + ph, black); }
      for (let y = top - 1; y <= top + ph; y++) { set(left - 1, y, black); set(left + pw, y, black); }
      for (const i of [0, Math.floor(H / 2), H - 1]) {
        const yy = top + i * cell + Math.floor(cell / 2);
        for (let k = 1; k <= 3; k++) set(left - 1 - k, yy, black);
        if (ci === 0) { const s = o.geographic ? deg(o.y[i], 'N', 'S') : fmt(o.y[i]); text(s, left - 6 - textWidth(s), yy - 3); }
      }
      for (const j of [0, Math.floor(W / 2), W - 1]) {
        const xx = left + j * cell + Math.floor(cell / 2);
        for (let k = 1; k <= 3; k++) set(xx, top + ph + k, black);
        const s = o.geographic ? deg(o.x[j], 'E', 'W') : fmt(o.x[j]);
        text(s, Math.min(imgW - textWidth(s) - 1, Math.max(0, xx - Math.floor(textWidth(s) / 2))), top + ph + 5);
      }
    }
  }
  // colour bar
  const bx = marginL + cols * (pw + gap) + 4;
  const by = marginT + titleH;
  const bh = Math.max(60, Math.min(imgH - by - 20, ph));
  for (let y = 0; y < bh; y++) {
    const rgb = colour(1 - y / (bh - 1));
    for (let x = 0; x < 12; x++) set(bx + x, by + y, rgb);
  }
  text(fmt(hi), bx + 16, by);
  text(fmt((lo + hi) / 2), bx + 16, by + Math.floor(bh / 2) - 3);
  text(fmt(lo), bx + 16, by + bh - GLYPH_H);
  if (o.units) text(o.units, bx, by - titleH + 2);
  return PNG.sync.write(png);
}
