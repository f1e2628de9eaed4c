/**
 * gridcast models: the seed's ConvLSTM (cell and stack), forecasters built on it, the seed's
 * RNN/LSTM/GRU sequence models, masked losses, weights as named arrays (with the PyTorch layout
 * mapping) and backend selection. TensorFlow.js only — no file formats, no file system.
 *
 * ```ts
 * import { selectBackend, createModel, maskedMse } from 'gridcast/models';
 * await selectBackend('auto');
 * const model = createModel({ kind: 'convlstm-forecaster', inputDim: 2, outputDim: 2, hiddenDim: 16, outputLen: 3 });
 * const y = model.predict(x);   // [B, T_in, 2, H, W] → [B, 3, 2, H, W]
 * ```
 */
export * from './errors.js';
export type { NamedWeights, WeightArray } from './weights.js';
export { ConvLSTMCell, type ConvLSTMCellOptions, type ConvLSTMCellConfig } from './convlstm/cell.js';
export { ConvLSTM, resolveConvLSTMOptions, type ConvLSTMOptions, type ConvLSTMConfig, type ConvLSTMOutput, type LayerState } from './convlstm/convlstm.js';
export {
  registerConvLstmImpl, preferConvLstmImpl, convLstmImplNames, selectConvLstmImpl,
  type ConvLstmLayerImpl, type ConvLstmLayerResult,
} from './convlstm/layer-impl.js';
export { compositeConvLstmImpl, ensureCompositeConvLstmImpl } from './convlstm/composite-impl.js';
export { convLSTMWeightsFromTorch, convLSTMWeightsToTorch, inferConvLSTMConfigFromTorch, torchConvLSTMShapes } from './convlstm/torch-mapping.js';
export { registerModelGradients } from './gradients.js';
export { selectBackend, setNativeLoader, wasmBinaryDir, BACKEND_CHOICES, type BackendChoice, type BackendSelection, type SelectBackendOptions, type NativeLoader } from './backend.js';
export { registerWasmTrainingKernels } from './wasm-kernels.js';
export { maskedMse, maskedMae, clipByGlobalNorm, sanitizeInput, validMask } from './losses.js';
export { createAdamOptimizer, adamImplementation } from './optimizers.js';
export type { ForecastModel, ForwardOptions } from './model.js';
export { createModel, fromConfigAndWeights, MODEL_KINDS, type ModelConfig, type ModelOptions } from './factory.js';
export { ConvLSTMForecaster, resolveForecasterOptions, type ConvLSTMForecasterOptions, type ConvLSTMForecasterConfig } from './forecasters/convlstm-forecaster.js';
export { SequenceForecaster, resolveSequenceOptions, type SequenceForecasterOptions, type SequenceForecasterConfig } from './sequence/sequence-forecaster.js';
export { RecurrentStack, type CellType, type RecurrentState, type RecurrentStackOptions } from './sequence/recurrent.js';
export { GridSequenceModel, type GridSequenceConfig, type GridSequenceOptions } from './sequence/grid-sequence-model.js';
export { registerCpuTrainingKernels } from './cpu-kernels.js';
export { forecasterFromTorch, type TorchForecasterOptions } from './forecasters/from-torch.js';
