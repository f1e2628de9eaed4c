/** The training-loss curve as a small self-contained SVG (train and validation loss per epoch). */

export interface LossPoint {
  epoch: number;
  loss: number;
  valLoss?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders the curve; the y axis is logarithmic when the losses span more than a factor of 20. */
export function renderLossCurve(points: LossPoint[], title = 'training loss'): string {
  const W = 640;
  const H = 360;
  const m = { l: 64, r: 16, t: 36, b: 44 };
  const vals = points.flatMap((p) => [p.loss, p.valLoss ?? NaN]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = vals.length ? Math.min(...vals) : 1;
  const hi = vals.length ? Math.max(...vals) : 1;
  const log = hi / lo > 20;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const y0 = f(lo);
  const y1 = f(hi) > y0 ? f(hi) : y0 + 1;
  const e0 = points.length ? points[0].epoch : 0;
  const e1 = points.length > 1 ? points[points.length - 1].epoch : e0 + 1;
  const sx = (e: number) => m.l + ((e - e0) / (e1 - e0)) * (W - m.l - m.r);
  const sy = (v: number) => m.t + (1 - (f(v) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const path = (key: 'loss' | 'valLoss') =>
    points.filter((p) => Number.isFinite(p[key] as number) && (p[key] as number) > 0).map((p, i) => `${i ? 'L' : 'M'}${sx(p.epoch).toFixed(1)},${sy(p[key] as number).toFixed(1)}`).join(' ');
  const ticks = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
  const label = (t: number) => { const v = log ? 10 ** t : t; return v >= 100 ? v.toFixed(0) : v.toPrecision(3); };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>
<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>
${ticks.map((t) => { const y = m.t + (1 - (t - y0) / (y1 - y0)) * (H - m.t - m.b); return `<line x1="${m.l - 4}" y1="${y.toFixed(1)}" x2="${m.l}" y2="${y.toFixed(1)}" stroke="black"/><text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${label(t)}</text>`; }).join('\n')}
${points.map((p) => `<text x="${sx(p.epoch).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${p.epoch}</text>`).filter((_, i, a) => a.length <= 12 || i % Math.ceil(a.length / 12) === 0).join('\n')}
<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>
<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">loss${log ? ' (log scale)' : ''}</text>
<path d="${path('loss')}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<path d="${path('valLoss')}" fill="none" stroke="#ff7f0e" stroke-width="2" stroke-dasharray="6 3"/>
<text x="${W - m.r - 120}" y="${m.t + 10}" fill="#1f77b4">— train</text>
<text x="${W - m.r - 60}" y="${m.t + 10}" fill="#ff7f0e">- - val</text>
</svg>
`;
}
