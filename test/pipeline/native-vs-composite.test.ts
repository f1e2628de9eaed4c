/**
 * Issue 6's proof that the fused native layer trains like the composite TensorFlow.js layer:
 * the same config, seed and data trained both ways reaches the same validation loss (within
 * float noise: the fused kernels sum in another order), and both beat their first epoch.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../../models/native/convlstm-native.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { train } from '../../pipeline/stages/train.js';
import { tempDir } from '../helpers.js';
import { tinyDataset } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const native = nativeAvailable();

describe('fused native vs composite training', () => {
  it('has the native kernels built (npm ci builds them where a C++ compiler exists)', () => {
    expect(native.reason).toBeTruthy();
    expect(native.ok, native.reason).toBe(true);
  });

  it('reaches the same validation loss from the same seed', async () => {
    const losses: Record<string, number[]> = {};
    for (const backend of ['native', 'cpu'] as const) {
      const loaded = await tinyDataset(join(tmp.path, backend), {
        config: { backend, train: { epochs: 4, batchSize: 4, learningRate: 0.01 }, model: { kind: 'convlstm', hiddenDim: 6, numLayers: 2, kernelSize: [3, 3] } },
      });
      const { dataset } = await ingest(loaded);
      const r = await train(loaded, dataset, { log: () => {} });
      expect(r.backend.endsWith(backend === 'native' ? '/native' : '/composite')).toBe(true);
      losses[backend] = r.history.map((h) => h.valLoss);
    }
    expect(losses.native.length).toBe(4);
    for (let e = 0; e < 4; e++) expect(Math.abs(losses.native[e] - losses.cpu[e]) / losses.cpu[e]).toBeLessThan(1e-3);
    expect(losses.native[3]).toBeLessThan(losses.native[0]);
  });
});
