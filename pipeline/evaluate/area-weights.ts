/**
 * Latitude weights as WeatherBench 2 computes them: each row's weight is proportional to its cell
 * area, sin(φ_upper) − sin(φ_lower) with the cell edges halfway between row centres (clipped to
 * ±90°), normalised to mean 1. Projected grids get uniform weights.
 */
export function latitudeWeights(lat: ArrayLike<number>, geographic: boolean): Float64Array {
  const n = lat.length;
  const w = new Float64Array(n).fill(1);
  if (!geographic || n < 2) return w;
  const rad = Math.PI / 180;
  const half = Math.abs(lat[1] - lat[0]) / 2;
  for (let i = 0; i < n; i++) {
    const up = Math.min(90, Math.max(-90, Math.max(lat[i] + half, lat[i] - half)));
    const lo = Math.min(90, Math.max(-90, Math.min(lat[i] + half, lat[i] - half)));
    w[i] = Math.sin(up * rad) - Math.sin(lo * rad);
  }
  const mean = w.reduce((a, b) => a + b, 0) / n;
  for (let i = 0; i < n; i++) w[i] /= mean;
  return w;
}
