/**
 * One factory for every model kind, so the pipeline can rebuild a model from its saved config
 * (and weights) without knowing the architectures.
 */
import { InvalidOptionError } from './errors.js';
import { ConvLSTMForecaster, type ConvLSTMForecasterConfig, type ConvLSTMForecasterOptions } from './forecasters/convlstm-forecaster.js';
import type { ForecastModel } from './model.js';
import { GridSequenceModel, type GridSequenceConfig, type GridSequenceOptions } from './sequence/grid-sequence-model.js';
import type { NamedWeights } from './weights.js';

/** Options accepted by createModel (defaults filled in). */
export type ModelOptions = (ConvLSTMForecasterOptions & { kind: 'convlstm-forecaster' }) | (GridSequenceOptions & { kind: 'sequence-grid' });
/** Resolved configs returned by getConfig. */
export type ModelConfig = ConvLSTMForecasterConfig | GridSequenceConfig;
/** Model kinds. */
export const MODEL_KINDS = ['convlstm-forecaster', 'sequence-grid'] as const;

/** Builds a fresh model of `config.kind` (weights initialised from `config.seed`). */
export function createModel(config: ModelOptions | ModelConfig): ForecastModel<ModelConfig> {
  switch (config.kind) {
    case 'convlstm-forecaster': return new ConvLSTMForecaster(config);
    case 'sequence-grid': return new GridSequenceModel(config);
    default:
      throw new InvalidOptionError(`unknown model kind ${JSON.stringify((config as { kind?: unknown }).kind)}`, { field: 'kind', expected: MODEL_KINDS.join(' | ') });
  }
}

/** Builds a model and loads its weights (names and shapes checked; nothing leaks on failure). */
export function fromConfigAndWeights(config: ModelOptions | ModelConfig, weights: NamedWeights): ForecastModel<ModelConfig> {
  const m = createModel(config);
  try {
    m.setWeights(weights);
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}
