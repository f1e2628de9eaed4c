/** Maps the config's model section and the dataset's shape onto the models' createModel options. */
import type { ModelOptions } from '../../models/factory.js';
import type { DatasetInfo } from '../../datasets/dataset/dataset-info.js';
import { ConfigError } from '../errors.js';
import type { GridcastConfig } from '../config/schema.js';

/** Channel layout the model sees. */
export interface ModelShape {
  channels: string[];
  targets: string[];
  tIn: number;
  tOut: number;
}

export function shapeOf(info: DatasetInfo): ModelShape {
  return { channels: info.channels.map((c) => c.name), targets: info.targetChannels, tIn: info.window.tIn, tOut: info.window.tOut };
}

/** createModel options for `config.model` on data of `shape`. */
export function modelOptionsFor(config: GridcastConfig, shape: ModelShape, file = '<config>'): ModelOptions {
  const m = config.model;
  const targetChannels = shape.targets.map((t) => shape.channels.indexOf(t));
  const hidden = Array.isArray(m.hiddenDim) ? m.hiddenDim : Array(m.numLayers).fill(m.hiddenDim);
  if (hidden.length !== m.numLayers) throw new ConfigError(`model.hiddenDim has ${hidden.length} entries for ${m.numLayers} layers`, { file });
  if (m.kind === 'convlstm' || m.kind === 'encoder-decoder') {
    if (m.kind === 'convlstm' && shape.tOut > shape.tIn) {
      throw new ConfigError(`model.kind 'convlstm' slices the last tOut=${shape.tOut} of tIn=${shape.tIn} steps, so it needs tOut <= tIn`, {
        file,
        expected: "data.tOut <= data.tIn, or model.kind: 'encoder-decoder'",
      });
    }
    return {
      kind: 'convlstm-forecaster',
      inputDim: shape.channels.length,
      outputDim: shape.targets.length,
      outputLen: shape.tOut,
      hiddenDim: hidden,
      kernelSize: m.kernelSize as [number, number] | [number, number][],
      numLayers: m.numLayers,
      head: m.kind === 'convlstm' ? 'slice-project' : 'encoder-decoder',
      returnAllLayers: m.returnAllLayers,
      residual: m.residual,
      targetChannels,
      seed: config.seed,
    } as ModelOptions;
  }
  return {
    kind: 'sequence-grid',
    cell: m.kind,
    inputLen: shape.tIn,
    inputSize: shape.channels.length,
    outLen: shape.tOut,
    outSize: shape.targets.length,
    hiddenDim: hidden[0],
    nLayers: m.numLayers,
    dropout: m.dropout,
    targetFeatures: targetChannels,
    seed: config.seed,
  };
}
