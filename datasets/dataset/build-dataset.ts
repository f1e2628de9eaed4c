/**
 * Ingest: raster sources → a dataset directory of safetensors shards + `dataset.json`.
 *
 * Streaming by design: frames are read one time step at a time into a ring of the last
 * tIn + tOut frames; each completed window is copied into the current shard, and a shard is
 * written as soon as it is full. Memory is (tIn + tOut) frames + one shard, whatever the size
 * of the archive. Shards hold raw physical values (NaN = missing); the normalisation statistics
 * (training split only) are stored in dataset.json and applied by the training stage.
 *
 * Everything is written into `<out>.tmp-*` and renamed at the end, so an interrupted ingest never
 * leaves a half-written dataset under the final name.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AllMissingError, InvalidOptionError } from '../errors.js';
import { isoTime } from '../cf/time.js';
import { openStack, type FrameStack } from '../sources/stack.js';
import type { GridOptions, SourceSpec } from '../sources/source-spec.js';
import { writeSafetensorsFile, tempNameFor } from '../tensors/safetensors-file.js';
import { replaceDirectory } from '../io/replace-dir.js';
import { DATASET_FORMAT, DATASET_VERSION, type DatasetInfo, type ShardInfo } from './dataset-info.js';
import { StatsAccumulator } from './stats.js';
import { planWindows, SPLITS, type SplitName, type WindowOptions } from './windows.js';

export interface IngestProgress {
  /** Frames read so far and in total. */
  frame: number;
  frames: number;
  /** Samples written so far. */
  samples: number;
}

export interface BuildDatasetOptions {
  sources: SourceSpec[];
  grid?: GridOptions;
  window: WindowOptions;
  /** Names of the channels to predict. Default: every channel. */
  targetChannels?: string[];
  /** Output directory (replaced atomically when it exists). */
  out: string;
  /** Approximate maximum bytes per shard. Default 64 MiB. */
  shardBytes?: number;
  /** Stored in dataset.json as-is. */
  provenance?: Record<string, unknown>;
  /** Called after every frame. */
  onProgress?: (p: IngestProgress) => void;
  /** Checked between frames: ingest stops with the signal's reason. */
  signal?: AbortSignal;
}

/** Builds a dataset directory and returns its description. */
export async function buildDataset(options: BuildDatasetOptions): Promise<DatasetInfo> {
  const shardBytes = options.shardBytes ?? 64 * 1024 * 1024;
  if (!(shardBytes > 0)) throw new InvalidOptionError(`shardBytes must be positive, got ${shardBytes}`);
  const stack = await openStack(options.sources, options.grid);
  const tmp = tempNameFor(options.out);
  try {
    const info = await writeDataset(stack, options, tmp, shardBytes);
    await replaceDirectory(tmp, options.out);
    return info;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await stack.close();
  }
}


async function writeDataset(stack: FrameStack, o: BuildDatasetOptions, dir: string, shardBytes: number): Promise<DatasetInfo> {
  const plan = planWindows(stack.timesMs, o.window);
  const { tIn, tOut } = { tIn: o.window.tIn, tOut: o.window.tOut };
  const names = stack.channels.map((c) => c.name);
  const targets = o.targetChannels ?? names;
  const targetIdx = targets.map((t) => {
    const i = names.indexOf(t);
    if (i < 0) throw new InvalidOptionError(`target channel '${t}' is not a channel`, { expected: `one of ${names.join(', ')}` });
    return i;
  });
  if (!targetIdx.length) throw new InvalidOptionError('targetChannels is empty');
  await mkdir(dir, { recursive: true });
  const C = names.length;
  const Co = targetIdx.length;
  const H = stack.height;
  const W = stack.width;
  const plane = H * W;
  const frameLen = C * plane;
  const L = tIn + tOut;
  const ring = Array.from({ length: L }, () => new Float32Array(frameLen));
  const sampleIn = tIn * frameLen;
  const sampleOut = tOut * Co * plane;
  const capacity = Math.max(1, Math.floor(shardBytes / ((sampleIn + sampleOut + 1) * 4)));
  let inBuf = new Float32Array(capacity * sampleIn);
  let outBuf = new Float32Array(capacity * sampleOut);
  let startBuf = new Int32Array(capacity);
  let filled = 0;
  let current: SplitName | null = null;
  const shards: Record<SplitName, ShardInfo[]> = { train: [], val: [], test: [] };
  const stats = new StatsAccumulator(C, plane);
  let written = 0;

  const flush = async () => {
    if (!filled || !current) return;
    const file = `${current}-${String(shards[current].length).padStart(5, '0')}.safetensors`;
    const bytes = await writeSafetensorsFile(
      join(dir, file),
      {
        inputs: { dtype: 'F32', shape: [filled, tIn, C, H, W], data: inBuf.subarray(0, filled * sampleIn) },
        targets: { dtype: 'F32', shape: [filled, tOut, Co, H, W], data: outBuf.subarray(0, filled * sampleOut) },
        start: { dtype: 'I32', shape: [filled], data: startBuf.subarray(0, filled) },
      },
      { split: current, channels: names.join(','), target_channels: targets.join(','), layout: 'B,T,C,H,W' },
    );
    shards[current].push({ file, samples: filled, bytes });
    written += filled;
    filled = 0;
  };

  // Windows ending at frame t, in start order.
  const byEnd = new Map<number, typeof plan.windows>();
  for (const w of plan.windows) {
    const end = w.start + L - 1;
    byEnd.set(end, [...(byEnd.get(end) ?? []), w]);
  }
  const lastNeeded = Math.max(plan.bounds.train[1] - 1, ...plan.windows.map((w) => w.start + L - 1));
  const [trainLo, trainHi] = plan.bounds.train;
  for (let t = 0; t <= lastNeeded; t++) {
    o.signal?.throwIfAborted();
    const frame = ring[t % L];
    await stack.readFrame(t, frame);
    for (let c = 0; c < C; c++) {
      const part = frame.subarray(c * plane, (c + 1) * plane);
      if (!part.some((v) => v === v)) {
        throw new AllMissingError(`every value is missing at ${isoTime(stack.timesMs[t])}`, {
          file: stack.sources[c].label,
          variable: names[c],
          expected: 'at least one valid value per time step (check _FillValue/valid_range or the crop box)',
        });
      }
    }
    if (t >= trainLo && t < trainHi) stats.add(frame);
    for (const w of byEnd.get(t) ?? []) {
      if (w.split !== current || filled === capacity) {
        await flush();
        current = w.split;
      }
      for (let k = 0; k < tIn; k++) inBuf.set(ring[(w.start + k) % L], filled * sampleIn + k * frameLen);
      for (let k = 0; k < tOut; k++) {
        const src = ring[(w.start + tIn + k) % L];
        for (const [j, c] of targetIdx.entries()) {
          outBuf.set(src.subarray(c * plane, (c + 1) * plane), filled * sampleOut + (k * Co + j) * plane);
        }
      }
      startBuf[filled++] = w.start;
    }
    o.onProgress?.({ frame: t + 1, frames: lastNeeded + 1, samples: written + filled });
  }
  await flush();
  inBuf = outBuf = new Float32Array(0);
  startBuf = new Int32Array(0);

  const clim = 'climatology.safetensors';
  await writeSafetensorsFile(join(dir, clim), { mean: { dtype: 'F32', shape: [C, H, W], data: stats.climatology() } }, { channels: names.join(',') });
  const info: DatasetInfo = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    createdAt: new Date().toISOString(),
    provenance: o.provenance ?? {},
    sources: stack.sources.map((s, i) => ({
      label: s.label,
      files: o.sources[i].files,
      variable: s.channel.source?.split(':').pop() ?? s.channel.name,
      name: s.channel.name,
    })),
    channels: stack.channels,
    targetChannels: targets,
    grid: {
      height: H,
      width: W,
      y: Array.from(stack.axes.y),
      x: Array.from(stack.axes.x),
      crs: stack.axes.crs,
      geotransform: stack.axes.geotransform,
      geographic: stack.axes.geographic,
    },
    times: stack.timesMs.map(isoTime),
    timeStepHours: plan.stepMs / 3_600_000,
    window: { tIn, tOut, stride: o.window.stride ?? 1, split: o.window.split ?? { train: 0.7, val: 0.15, test: 0.15 } },
    splits: Object.fromEntries(
      SPLITS.map((s) => [s, { frames: plan.bounds[s], samples: shards[s].reduce((a, x) => a + x.samples, 0), shards: shards[s] }]),
    ) as DatasetInfo['splits'],
    normalization: stats.result(),
    skippedWindows: plan.skippedGaps,
    climatology: clim,
  };
  await writeFile(join(dir, 'dataset.json'), JSON.stringify(info, null, 1));
  return info;
}
