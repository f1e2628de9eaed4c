/** Loads the PyTorch golden files written by test/fixtures/torch/make_golden.py. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NamedWeights } from '../../models/index.js';

export const goldenDir = resolve(import.meta.dirname, '..', 'fixtures', 'torch', 'golden');

export interface GoldenCase {
  case: string;
  config: { input_dim: number; hidden_dim: number | number[]; kernel_size: number[] | number[][]; num_layers: number; bias: boolean; return_all_layers: boolean };
  tensors: NamedWeights;
}

export function goldenCases(): string[] {
  return readdirSync(goldenDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadGolden(name: string): GoldenCase {
  const doc = JSON.parse(readFileSync(join(goldenDir, `${name}.json`), 'utf8')) as {
    case: string; config: GoldenCase['config']; tensors: Record<string, { shape: number[]; base64: string }>;
  };
  const tensors: NamedWeights = {};
  for (const [k, t] of Object.entries(doc.tensors)) {
    const buf = Buffer.from(t.base64, 'base64');
    const data = new Float32Array(buf.byteLength / 4);
    new Uint8Array(data.buffer).set(buf);
    tensors[k] = { shape: t.shape, data };
  }
  return { case: doc.case, config: doc.config, tensors };
}
