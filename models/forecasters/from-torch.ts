/**
 * Import of the seed's PyTorch ConvLSTM into a grid forecaster: the state dict
 * (`cell_list.{i}.conv.weight/bias`) becomes the forecaster's encoder; the parts PyTorch's model
 * does not have (the head, a decoder) keep their seeded initialisation. Pure: arrays in, model out.
 *
 * ```ts
 * const model = forecasterFromTorch(stateDict, { outputDim: 2, outputLen: 3 });
 * // model.encoder gives exactly the PyTorch ConvLSTM's outputs; the head is new (train it)
 * ```
 */
import { convLSTMWeightsFromTorch, inferConvLSTMConfigFromTorch } from '../convlstm/torch-mapping.js';
import type { NamedWeights } from '../weights.js';
import { ConvLSTMForecaster, type ConvLSTMForecasterOptions } from './convlstm-forecaster.js';

/** Forecaster options except what the state dict determines (input channels, hidden sizes, kernels, layers, bias). */
export type TorchForecasterOptions = Omit<ConvLSTMForecasterOptions, 'inputDim' | 'hiddenDim' | 'kernelSize' | 'numLayers' | 'bias'>;

/** Builds a ConvLSTMForecaster whose encoder carries the PyTorch ConvLSTM's weights (checked by name and shape). */
export function forecasterFromTorch(stateDict: NamedWeights, options: TorchForecasterOptions): ConvLSTMForecaster {
  const enc = inferConvLSTMConfigFromTorch(stateDict);
  const model = new ConvLSTMForecaster({ ...options, inputDim: enc.inputDim, hiddenDim: enc.hiddenDim, kernelSize: enc.kernelSize, numLayers: enc.numLayers, bias: enc.bias });
  try {
    model.setWeights({ ...model.getWeights(), ...convLSTMWeightsFromTorch(stateDict, enc, 'encoder.') });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
