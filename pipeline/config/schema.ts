/**
 * The configuration of a gridcast run, as a zod schema: one place that states every field, its
 * type, its default and its limits. Unknown keys are errors (with a suggestion for misspellings,
 * see load-config.ts). The README's config reference mirrors this file field by field.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const bbox = z.strictObject({ west: z.number(), south: z.number(), east: z.number(), north: z.number() });

export const sourceSchema = z.strictObject({
  /** A glob or a list of files/globs, relative to the config file. */
  files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Variable name; GeoTIFF bands are 'band_data' (default for GeoTIFF). */
  variable: z.string().min(1).optional(),
  /** Channel name; default the variable name. */
  name: z.string().min(1).optional(),
  /** Level selection for variables with an extra dimension. */
  level: z.strictObject({ dim: z.string().optional(), index: z.number().int().nonnegative().optional(), value: z.number().optional() }).optional(),
  /** strftime pattern giving each single-time file's time from its name. */
  timePattern: z.string().min(1).optional(),
  /** Times for files without any: first instant and step in hours. */
  times: z.strictObject({ start: z.string(), stepHours: z.number().positive() }).optional(),
});

export const dataSchema = z.strictObject({
  sources: z.array(sourceSchema).min(1),
  /** Output grid: longitude convention, crop, coarsening. */
  grid: z
    .strictObject({
      lon: z.enum(['-180..180', '0..360', 'keep']).default('-180..180'),
      bbox: bbox.optional(),
      coarsen: positiveInt.default(1),
      coarsenMethod: z.enum(['subsample', 'mean']).default('subsample'),
    })
    .default({ lon: '-180..180', coarsen: 1, coarsenMethod: 'subsample' }),
  /** Channels to forecast (names); default all. */
  targets: z.array(z.string().min(1)).min(1).optional(),
  /** Input steps per sample. */
  tIn: positiveInt,
  /** Forecast steps (lead times). */
  tOut: positiveInt,
  /** Step between window starts. */
  stride: positiveInt.default(1),
  split: z
    .strictObject({ train: z.number().min(0).max(1), val: z.number().min(0).max(1), test: z.number().min(0).max(1) })
    .default({ train: 0.7, val: 0.15, test: 0.15 }),
  /** Approximate shard size in MiB. */
  shardMB: z.number().positive().default(64),
});

export const modelSchema = z.strictObject({
  /** 'convlstm' (seed head: slice last steps, project), 'encoder-decoder' (roll-out), or a
   *  per-cell sequence baseline 'lstm' | 'gru' | 'rnn'. */
  kind: z.enum(['convlstm', 'encoder-decoder', 'lstm', 'gru', 'rnn']).default('convlstm'),
  /** Hidden channels, one value or one per layer. */
  hiddenDim: z.union([positiveInt, z.array(positiveInt).min(1)]).default(16),
  /** Kernel size [kh, kw] (odd), one pair or one per layer. */
  kernelSize: z.union([z.tuple([positiveInt, positiveInt]), z.array(z.tuple([positiveInt, positiveInt])).min(1)]).default([3, 3]),
  /** Stacked layers. */
  numLayers: positiveInt.default(2),
  /** Head reads every layer's output (multi-scale skip head) rather than the last layer's. */
  returnAllLayers: z.boolean().default(false),
  /** Predict the change from the last input frame. */
  residual: z.boolean().default(false),
  /** Dropout between layers (sequence models). */
  dropout: z.number().min(0).max(1).default(0),
});

export const trainSchema = z.strictObject({
  epochs: positiveInt.default(20),
  batchSize: positiveInt.default(8),
  learningRate: z.number().positive().default(2e-3),
  loss: z.enum(['mse', 'mae']).default('mse'),
  /** Clip gradients to this global norm (0 = off). */
  clipNorm: z.number().min(0).default(1),
  /** Stop after this many epochs without validation improvement (0 = off). */
  earlyStoppingPatience: z.number().int().min(0).default(5),
  schedule: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('constant') }),
      z.strictObject({ kind: z.literal('plateau'), factor: z.number().gt(0).lt(1).default(0.5), patience: z.number().int().min(0).default(2), minLr: z.number().min(0).default(1e-5) }),
      z.strictObject({ kind: z.literal('cosine'), warmupEpochs: z.number().int().min(0).default(1), minLr: z.number().min(0).default(1e-5) }),
    ])
    .default({ kind: 'plateau', factor: 0.5, patience: 2, minLr: 1e-5 }),
  /** Teacher forcing for the encoder–decoder roll-out: probability decays linearly from
   *  `start` to `end` over `decayEpochs` (OpenSTL's scheduled sampling). */
  scheduledSampling: z
    .strictObject({ start: z.number().min(0).max(1).default(1), end: z.number().min(0).max(1).default(0), decayEpochs: positiveInt.default(10) })
    .default({ start: 1, end: 0, decayEpochs: 10 }),
});

export const evaluateSchema = z.strictObject({
  /** Threshold scores (POD, FAR, CSI, FSS) for precipitation-like channels. */
  thresholds: z
    .array(z.strictObject({ channel: z.string(), thresholds: z.array(z.number()).min(1), windows: z.array(positiveInt).min(1).default([1, 3, 5]) }))
    .default([]),
});

export const predictSchema = z.strictObject({
  /** Sources of the latest observations; default: the data sources. */
  sources: z.array(sourceSchema).min(1).optional(),
  /** Output formats. */
  formats: z.array(z.enum(['geotiff', 'netcdf', 'png'])).min(1).default(['geotiff', 'png']),
  /** DEFLATE level of the GeoTIFFs. */
  compressionLevel: z.number().int().min(1).max(9).default(6),
});

export const configSchema = z.strictObject({
  /** Run name, used in output file names. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only').default('gridcast'),
  /** Output root for dataset, checkpoints and forecasts (relative to the config file). */
  out: z.string().min(1).default('out'),
  seed: z.number().int().nonnegative().default(42),
  /** Compute backend. */
  backend: z.enum(['auto', 'tensorflow', 'native', 'wasm', 'cpu']).default('auto'),
  data: dataSchema,
  model: modelSchema.default(modelSchema.parse({})),
  train: trainSchema.default(trainSchema.parse({})),
  evaluate: evaluateSchema.default(evaluateSchema.parse({})),
  predict: predictSchema.default(predictSchema.parse({})),
});

/** A validated configuration with defaults filled in (paths still as written). */
export type GridcastConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
