/**
 * The predict stage: the latest `tIn` observations (or those ending at a chosen issue time) →
 * forecast grids for `tOut` lead times, de-normalised, NaN where the inputs have no data, valid
 * times from the input time axis → GeoTIFF/NetCDF/PNG + run.json (see outputs/write-forecast.ts).
 * The checkpoint must fit the inputs (channels, grid, CRS) — checked before anything is read
 * beyond coordinates. Missing input steps fail with MissingInputError (a scheduler retries later)
 * and nothing is written.
 */
import { join } from 'node:path';
import { openStack } from '../../datasets/sources/stack.js';
import { isoTime } from '../../datasets/cf/time.js';
import { selectBackend, type BackendChoice } from '../../models/backend.js';
import { fromConfigAndWeights, type ModelConfig } from '../../models/factory.js';
import { resolvePath, type LoadedConfig } from '../config/load-config.js';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { checkCompatible } from '../checkpoint/compatibility.js';
import { MetricsAccumulator, type ChannelMetrics } from '../evaluate/metrics.js';
import { writeForecast, type WrittenForecast } from '../outputs/write-forecast.js';
import { forecastWindows } from '../train/inference.js';
import { MissingInputError } from '../errors.js';
import { resolveSources } from './resolve-sources.js';
import { checkpointsDirOf } from './train.js';

export interface PredictOptions {
  /** Checkpoint directory; default `<out>/checkpoints/best`. */
  checkpoint?: string;
  /** Issue time (ISO): the last input step. Default: the latest time step available. */
  at?: string;
  /** Issue the forecast tOut steps before the end, so the observations are known (a hindcast). */
  hindcast?: boolean;
  /** Output directory; default `<out>/forecasts/<name>_<issue time>`. */
  outDir?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface PredictResult extends WrittenForecast {
  issueTime: string;
  validTimes: string[];
  backend: string;
  seconds: number;
  /** Scores against the observations (hindcasts only). */
  metrics?: ChannelMetrics[];
}

/** Runs the predict stage for a loaded config. */
export async function predict(loaded: LoadedConfig, options: PredictOptions = {}): Promise<PredictResult> {
  const t0 = performance.now();
  const c = loaded.config;
  const ckDir = options.checkpoint ?? join(checkpointsDirOf(loaded), 'best');
  const ck = await loadCheckpoint(ckDir);
  const d = ck.config.data;
  const sources = await resolveSources(loaded, c.predict.sources ?? c.data.sources);
  const stack = await openStack(sources, c.data.grid);
  try {
    checkCompatible(d, { channels: stack.channels.map((ch) => ch.name), height: stack.height, width: stack.width, geotransform: stack.axes.geotransform, crs: stack.axes.crs }, { checkpoint: ckDir, data: 'the predict inputs' });
    const times = stack.timesMs;
    const step = d.timeStepHours * 3_600_000;
    let issue = times.length - 1;
    if (options.at) {
      const at = Date.parse(options.at);
      issue = times.indexOf(at);
      if (!Number.isFinite(at) || issue < 0) {
        throw new MissingInputError(`no input time step at ${options.at}`, { expected: `an issue time between ${isoTime(times[0])} and ${isoTime(times[times.length - 1])}` });
      }
    } else if (options.hindcast) issue = times.length - 1 - d.tOut;
    const first = issue - d.tIn + 1;
    if (first < 0) {
      throw new MissingInputError(`the inputs hold ${issue + 1} steps up to the issue time but the model needs tIn=${d.tIn}`, { expected: `${d.tIn} consecutive time steps` });
    }
    for (let k = first + 1; k <= issue; k++) {
      if (times[k] - times[k - 1] !== step) {
        throw new MissingInputError(`input steps are not consecutive: ${isoTime(times[k - 1])} then ${isoTime(times[k])}`, {
          expected: `${d.tIn} steps ${d.timeStepHours} h apart ending at ${isoTime(times[issue])} (the missing files may not be there yet)`,
        });
      }
    }
    const C = stack.channels.length;
    const plane = stack.height * stack.width;
    const inputs = new Float32Array(d.tIn * C * plane);
    for (let k = 0; k < d.tIn; k++) {
      options.signal?.throwIfAborted();
      await stack.readFrame(first + k, inputs, k * C * plane);
    }
    const targetIdx = d.targetChannels.map((t) => stack.channels.findIndex((ch) => ch.name === t));
    const Co = targetIdx.length;
    const validMs = Array.from({ length: d.tOut }, (_, k) => times[issue] + (k + 1) * step);
    let observed: Float32Array | undefined;
    if (validMs.every((v, k) => times[issue + 1 + k] === v)) {
      observed = new Float32Array(d.tOut * Co * plane);
      const frame = new Float32Array(C * plane);
      for (let k = 0; k < d.tOut; k++) {
        await stack.readFrame(issue + 1 + k, frame);
        targetIdx.forEach((ci, j) => observed!.set(frame.subarray(ci * plane, (ci + 1) * plane), (k * Co + j) * plane));
      }
    }
    const selection = await selectBackend(c.backend as BackendChoice, { log: options.log });
    const model = fromConfigAndWeights(ck.config.model as unknown as ModelConfig, ck.weights);
    let values: Float32Array;
    try {
      const inNorm = { mean: d.normalization.mean, std: d.normalization.std };
      const outNorm = { mean: targetIdx.map((i) => inNorm.mean[i]), std: targetIdx.map((i) => inNorm.std[i]) };
      values = forecastWindows(model, inputs, 1, { tIn: d.tIn, C, H: stack.height, W: stack.width, tOut: d.tOut, Co }, inNorm, outNorm, targetIdx);
    } finally {
      model.dispose();
    }
    let metrics: ChannelMetrics[] | undefined;
    if (observed) {
      const acc = new MetricsAccumulator({
        channels: d.targetChannels.map((name) => ({ name })), tOut: d.tOut, height: stack.height, width: stack.width,
        lat: stack.axes.y, geographic: stack.axes.geographic, climatology: new Float32Array(Co * plane).fill(NaN),
      });
      const persistence = new Float32Array(Co * plane);
      targetIdx.forEach((ci, j) => persistence.set(inputs.subarray(((d.tIn - 1) * C + ci) * plane, ((d.tIn - 1) * C + ci + 1) * plane), j * plane));
      acc.add(values, observed, persistence, 1);
      metrics = acc.result();
    }
    const issueTime = isoTime(times[issue]);
    const validTimes = validMs.map(isoTime);
    const stampText = issueTime.replace(/[-:]/g, '');
    const outDir = options.outDir ?? join(resolvePath(loaded, c.out), 'forecasts', `${c.name}_${stampText}`);
    const seconds = (performance.now() - t0) / 1000;
    const backend = `${selection.backend}/${selection.convLstmImpl}`;
    const written = await writeForecast(
      outDir,
      {
        name: c.name, issueTime, validTimes, leadHours: validMs.map((v) => (v - times[issue]) / 3_600_000),
        channels: d.targetChannels.map((t) => stack.channels.find((ch) => ch.name === t)!),
        values, observed, height: stack.height, width: stack.width, y: stack.axes.y, x: stack.axes.x,
        geographic: stack.axes.geographic, geotransform: stack.axes.geotransform, crs: stack.axes.crs,
      },
      {
        formats: c.predict.formats,
        compressionLevel: c.predict.compressionLevel,
        summary: {
          model: { checkpoint: ckDir, ...ck.config.model, trainedEpochs: ck.config.training.epoch, bestValLoss: ck.config.training.bestValLoss },
          inputs: { sources: sources.map((s) => ({ variable: s.variable, name: s.name, files: s.files.length })), first: isoTime(times[first]), last: issueTime },
          backend,
          timings: { seconds },
          metrics: metrics ?? null,
        },
      },
    );
    return { ...written, issueTime, validTimes, backend, seconds, metrics };
  } finally {
    await stack.close();
  }
}
