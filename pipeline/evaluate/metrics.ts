/**
 * Verification metrics per channel and lead time, accumulated batch by batch so a test split of
 * any size is scored without holding it in memory:
 *  - RMSE, MAE, bias (forecast − observed) over valid cells;
 *  - latitude-weighted RMSE (WeatherBench 2) and anomaly correlation (ACC) against the training
 *    climatology, both area-weighted;
 *  - skill scores 1 − MSE/MSE_ref against persistence (the last input frame) and climatology;
 *  - for channels with thresholds: POD, FAR, CSI and the fractions skill score (pysteps).
 * A cell counts where both forecast and observation are finite.
 */
import { latitudeWeights } from './area-weights.js';
import { fssAccumulate, fssCompute, type FssAccum } from './fss.js';

export interface ThresholdSpec {
  /** Channel name. */
  channel: string;
  /** Thresholds in the channel's units (event = value >= threshold). */
  thresholds: number[];
  /** FSS window sizes in cells. Default [1, 3, 5]. */
  windows?: number[];
}

export interface LeadMetrics {
  lead: number;
  count: number;
  rmse: number;
  mae: number;
  bias: number;
  weightedRmse: number;
  acc: number;
  persistenceRmse: number;
  climatologyRmse: number;
  /** 1 − MSE/MSE_persistence (> 0: better than persistence). */
  skillVsPersistence: number;
  /** 1 − MSE/MSE_climatology. */
  skillVsClimatology: number;
  categorical?: { threshold: number; pod: number; far: number; csi: number; fss: Record<string, number> }[];
}

export interface ChannelMetrics {
  channel: string;
  units?: string;
  leads: LeadMetrics[];
}

interface Sums {
  n: number; se: number; ae: number; e: number;
  wse: number; wn: number;
  afo: number; aff: number; aoo: number;
  pse: number; pn: number; cse: number; cn: number;
  cat: { hits: number; misses: number; fa: number; fss: FssAccum[] }[];
}

const newSums = (nThr: number, nWin: number): Sums => ({
  n: 0, se: 0, ae: 0, e: 0, wse: 0, wn: 0, afo: 0, aff: 0, aoo: 0, pse: 0, pn: 0, cse: 0, cn: 0,
  cat: Array.from({ length: nThr }, () => ({ hits: 0, misses: 0, fa: 0, fss: Array.from({ length: nWin }, () => ({ sumDiff2: 0, sumF2: 0, sumO2: 0 })) })),
});

export interface MetricsSetup {
  channels: { name: string; units?: string }[];
  tOut: number;
  height: number;
  width: number;
  /** Row-centre latitudes (north to south) for area weights. */
  lat: ArrayLike<number>;
  geographic: boolean;
  /** Training climatology of the target channels (Co, H, W). */
  climatology: Float32Array;
  thresholds?: ThresholdSpec[];
}

/** Accumulates metrics over batches of forecasts. */
export class MetricsAccumulator {
  private readonly sums: Sums[][];
  private readonly weights: Float64Array;
  private readonly thr: (ThresholdSpec & { windows: number[] }) [];

  constructor(private readonly s: MetricsSetup) {
    this.weights = latitudeWeights(s.lat, s.geographic);
    this.thr = s.channels.map((c) => {
      const t = s.thresholds?.find((x) => x.channel === c.name);
      return { channel: c.name, thresholds: t?.thresholds ?? [], windows: t?.windows ?? [1, 3, 5] };
    });
    this.sums = s.channels.map((_, c) => Array.from({ length: s.tOut }, () => newSums(this.thr[c].thresholds.length, this.thr[c].windows.length)));
  }

  /**
   * Adds a batch: forecasts and observations (N, tOut, Co, H, W) and persistence (N, Co, H, W),
   * all in physical units.
   */
  add(forecast: Float32Array, observed: Float32Array, persistence: Float32Array, count: number): void {
    const { tOut, height: H, width: W, climatology } = this.s;
    const Co = this.s.channels.length;
    const plane = H * W;
    for (let b = 0; b < count; b++) {
      for (let k = 0; k < tOut; k++) {
        for (let c = 0; c < Co; c++) {
          const off = ((b * tOut + k) * Co + c) * plane;
          const pOff = (b * Co + c) * plane;
          const cOff = c * plane;
          const s = this.sums[c][k];
          for (let i = 0; i < H; i++) {
            const wgt = this.weights[i];
            for (let j = 0; j < W; j++) {
              const q = i * W + j;
              const f = forecast[off + q];
              const o = observed[off + q];
              if (!(Number.isFinite(f) && Number.isFinite(o))) continue;
              const e = f - o;
              s.n++; s.se += e * e; s.ae += Math.abs(e); s.e += e;
              s.wse += wgt * e * e; s.wn += wgt;
              const p = persistence[pOff + q];
              if (Number.isFinite(p)) { s.pse += (p - o) ** 2; s.pn++; }
              const cl = climatology[cOff + q];
              if (Number.isFinite(cl)) {
                s.cse += (cl - o) ** 2; s.cn++;
                const af = f - cl;
                const ao = o - cl;
                s.afo += wgt * af * ao; s.aff += wgt * af * af; s.aoo += wgt * ao * ao;
              }
            }
          }
          const t = this.thr[c];
          for (const [ti, thr] of t.thresholds.entries()) {
            const cat = s.cat[ti];
            for (let q = 0; q < plane; q++) {
              const f = forecast[off + q];
              const o = observed[off + q];
              if (!(Number.isFinite(f) && Number.isFinite(o))) continue;
              const fe = f >= thr;
              const oe = o >= thr;
              if (fe && oe) cat.hits++;
              else if (oe) cat.misses++;
              else if (fe) cat.fa++;
            }
            for (const [wi, win] of t.windows.entries()) fssAccumulate(cat.fss[wi], forecast, off, observed, off, H, W, thr, win);
          }
        }
      }
    }
  }

  /** Metrics per channel and lead time (lead 1 = first forecast step). */
  result(): ChannelMetrics[] {
    const div = (a: number, b: number) => (b > 0 ? a / b : NaN);
    return this.s.channels.map((ch, c) => ({
      channel: ch.name,
      units: ch.units,
      leads: this.sums[c].map((s, k): LeadMetrics => {
        const mse = div(s.se, s.n);
        const pm = div(s.pse, s.pn);
        const cm = div(s.cse, s.cn);
        const t = this.thr[c];
        const m: LeadMetrics = {
          lead: k + 1,
          count: s.n,
          rmse: Math.sqrt(mse),
          mae: div(s.ae, s.n),
          bias: div(s.e, s.n),
          weightedRmse: Math.sqrt(div(s.wse, s.wn)),
          acc: div(s.afo, Math.sqrt(s.aff * s.aoo)),
          persistenceRmse: Math.sqrt(pm),
          climatologyRmse: Math.sqrt(cm),
          skillVsPersistence: 1 - div(mse, pm),
          skillVsClimatology: 1 - div(mse, cm),
        };
        if (t.thresholds.length) {
          m.categorical = t.thresholds.map((thr, ti) => {
            const x = s.cat[ti];
            return {
              threshold: thr,
              pod: div(x.hits, x.hits + x.misses),
              far: div(x.fa, x.hits + x.fa),
              csi: div(x.hits, x.hits + x.misses + x.fa),
              fss: Object.fromEntries(t.windows.map((w, wi) => [String(w), fssCompute(x.fss[wi])])),
            };
          });
        }
        return m;
      }),
    }));
  }
}
