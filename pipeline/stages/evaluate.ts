/**
 * The evaluate stage: a checkpoint on the dataset's test split → metrics per channel and lead
 * time (see evaluate/metrics.ts), against persistence (the last input frame) and the training
 * climatology. Written as `<out>/evaluation.json`; `formatEvaluation` renders the table.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Dataset } from '../../datasets/dataset/open-dataset.js';
import type { SplitName } from '../../datasets/dataset/windows.js';
import { selectBackend, type BackendChoice } from '../../models/backend.js';
import { fromConfigAndWeights, type ModelConfig } from '../../models/factory.js';
import { resolvePath, type LoadedConfig } from '../config/load-config.js';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { checkCompatible } from '../checkpoint/compatibility.js';
import { MetricsAccumulator, type ChannelMetrics } from '../evaluate/metrics.js';
import { forecastWindows } from '../train/inference.js';
import { MissingInputError } from '../errors.js';

export interface EvaluationReport {
  checkpoint: string;
  split: SplitName;
  samples: number;
  backend: string;
  seconds: number;
  channels: ChannelMetrics[];
  /** Per channel: mean over lead times of RMSE and of the skill against persistence. */
  summary: { channel: string; rmse: number; persistenceRmse: number; skillVsPersistence: number; skillVsClimatology: number }[];
}

export interface EvaluateOptions {
  split?: SplitName;
  /** Where to write the JSON; default `<out>/evaluation.json`; null to skip writing. */
  outFile?: string | null;
  log?: (line: string) => void;
}

/** Scores `checkpointDir` on the dataset's test split. */
export async function evaluate(loaded: LoadedConfig, ds: Dataset, checkpointDir: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const split = options.split ?? 'test';
  const ck = await loadCheckpoint(checkpointDir);
  const info = ds.info;
  checkCompatible(ck.config.data, { channels: info.channels.map((c) => c.name), height: info.grid.height, width: info.grid.width, geotransform: info.grid.geotransform, crs: info.grid.crs, tIn: info.window.tIn, tOut: info.window.tOut }, { checkpoint: checkpointDir, data: ds.dir });
  if (!info.splits[split].samples) {
    throw new MissingInputError(`the ${split} split has no samples`, { file: ds.dir, expected: `a larger split.${split} fraction or more time steps` });
  }
  const t0 = performance.now();
  const selection = await selectBackend(loaded.config.backend as BackendChoice, { log: options.log });
  const model = fromConfigAndWeights(ck.config.model as unknown as ModelConfig, ck.weights);
  try {
    const [tIn, C, H, W] = ds.inputShape;
    const [tOut, Co] = ds.targetShape;
    const plane = H * W;
    const targetIdx = info.targetChannels.map((t) => info.channels.findIndex((c) => c.name === t));
    const inNorm = { mean: ck.config.data.normalization.mean, std: ck.config.data.normalization.std };
    const outNorm = { mean: targetIdx.map((i) => inNorm.mean[i]), std: targetIdx.map((i) => inNorm.std[i]) };
    const climAll = await ds.climatology();
    const clim = new Float32Array(Co * plane);
    targetIdx.forEach((ci, k) => clim.set(climAll.subarray(ci * plane, (ci + 1) * plane), k * plane));
    const acc = new MetricsAccumulator({
      channels: info.targetChannels.map((name) => ({ name, units: info.channels.find((c) => c.name === name)?.units })),
      tOut, height: H, width: W, lat: info.grid.y, geographic: info.grid.geographic, climatology: clim,
      thresholds: loaded.config.evaluate.thresholds,
    });
    for (let s = 0; s < info.splits[split].shards.length; s++) {
      const b = await ds.readShard(split, s);
      const fc = forecastWindows(model, b.inputs, b.count, { tIn, C, H, W, tOut, Co }, inNorm, outNorm, targetIdx, loaded.config.train.batchSize);
      const persistence = new Float32Array(b.count * Co * plane);
      for (let n = 0; n < b.count; n++) {
        const last = (n * tIn + tIn - 1) * C * plane;
        targetIdx.forEach((ci, k) => persistence.set(b.inputs.subarray(last + ci * plane, last + (ci + 1) * plane), (n * Co + k) * plane));
      }
      acc.add(fc, b.targets, persistence, b.count);
    }
    const channels = acc.result();
    const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
    const report: EvaluationReport = {
      checkpoint: checkpointDir,
      split,
      samples: info.splits[split].samples,
      backend: `${selection.backend}/${selection.convLstmImpl}`,
      seconds: (performance.now() - t0) / 1000,
      channels,
      summary: channels.map((ch) => ({
        channel: ch.channel,
        rmse: mean(ch.leads.map((l) => l.rmse)),
        persistenceRmse: mean(ch.leads.map((l) => l.persistenceRmse)),
        skillVsPersistence: mean(ch.leads.map((l) => l.skillVsPersistence)),
        skillVsClimatology: mean(ch.leads.map((l) => l.skillVsClimatology)),
      })),
    };
    const outFile = options.outFile === undefined ? join(resolvePath(loaded, loaded.config.out), 'evaluation.json') : options.outFile;
    if (outFile) {
      await mkdir(dirname(outFile), { recursive: true });
      await writeFile(outFile, JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1));
    }
    return report;
  } finally {
    model.dispose();
  }
}

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/** The report as a text table: one row per channel and lead time. */
export function formatEvaluation(r: EvaluationReport, stepHours?: number): string {
  const rows = [['channel', 'lead', 'RMSE', 'wRMSE', 'MAE', 'bias', 'ACC', 'RMSE pers.', 'skill vs pers.', 'skill vs clim.']];
  for (const ch of r.channels) {
    for (const l of ch.leads) {
      rows.push([ch.channel, stepHours ? `+${l.lead * stepHours}h` : String(l.lead), f(l.rmse), f(l.weightedRmse), f(l.mae), f(l.bias), f(l.acc), f(l.persistenceRmse), f(l.skillVsPersistence), f(l.skillVsClimatology)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const cats = r.channels.flatMap((ch) => ch.leads.flatMap((l) => (l.categorical ?? []).map((c) => `${ch.channel} lead ${l.lead} >= ${c.threshold}: POD ${f(c.pod)} FAR ${f(c.far)} CSI ${f(c.csi)} FSS ${Object.entries(c.fss).map(([w, v]) => `${w}x${w} ${f(v)}`).join(', ')}`)));
  return [...lines, ...(cats.length ? ['', ...cats] : [])].join('\n');
}
