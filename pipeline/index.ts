/**
 * gridcast pipeline: the stages as plain functions of a validated config — ingest, train,
 * evaluate, predict — the embedded runner, checkpoints, the PyTorch import and the demo. No queue
 * knowledge: workers/ wraps these.
 *
 * ```ts
 * import { loadConfig, runPipeline } from 'gridcast/pipeline';
 * const r = await runPipeline(await loadConfig('run.yaml'));
 * console.log(r.evaluation.summary, r.forecast.files);
 * ```
 */
export * from './errors.js';
export { loadConfig, validateConfig, resolvePath, type LoadedConfig } from './config/load-config.js';
export { configSchema, type GridcastConfig, type SourceConfig } from './config/schema.js';
export { ingest, datasetDirOf, type IngestOptions, type IngestResult } from './stages/ingest.js';
export { train, checkpointsDirOf, type TrainOptions, type TrainResult, type TrainEvent } from './stages/train.js';
export { evaluate, formatEvaluation, type EvaluationReport, type EvaluateOptions } from './stages/evaluate.js';
export { predict, type PredictOptions, type PredictResult } from './stages/predict.js';
export { runPipeline, type RunOptions, type RunResult } from './run.js';
export { prepareDemo, type DemoOptions } from './demo.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint, type CheckpointConfig } from './checkpoint/checkpoint.js';
export { checkCompatible } from './checkpoint/compatibility.js';
export { importTorchCheckpoint, type TorchImportOptions, type TorchImportResult } from './convert/torch-checkpoint.js';
export { dataSectionFromDataset, dataSectionFromValues } from './convert/data-section.js';
export { MetricsAccumulator, type ChannelMetrics, type LeadMetrics } from './evaluate/metrics.js';
