import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../../datasets/tensors/safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../../datasets/tensors/safetensors-file.js';
import { isGridcastError } from '../../../datasets/errors.js';
import { debianPython, repoRoot, run, tempDir } from '../../helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('safetensors codec', () => {
  const tensors = {
    x: { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4.5, NaN, -6]) },
    idx: { dtype: 'I32' as const, shape: [3], data: Int32Array.from([7, -8, 9]) },
    b: { dtype: 'U8' as const, shape: [1], data: Uint8Array.from([255]) },
    d: { dtype: 'F64' as const, shape: [], data: Float64Array.from([Math.PI]) },
  };

  it('round-trips tensors and metadata, data area 8-byte aligned', () => {
    const bytes = encodeSafetensors(tensors, { split: 'train', note: 'é' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ split: 'train', note: 'é' });
    expect(back.x.shape).toEqual([2, 3]);
    expect(Array.from(back.x.data as Float32Array)).toEqual([1, 2, 3, 4.5, NaN, -6]);
    expect(Array.from(back.idx.data as Int32Array)).toEqual([7, -8, 9]);
    expect(back.d.shape).toEqual([]);
    expect((back.d.data as Float64Array)[0]).toBe(Math.PI);
  });

  it('writes files that an independent reader following the reference rules accepts', async () => {
    const path = join(tmp.path, 'a.safetensors');
    await writeSafetensorsFile(path, tensors, { k: 'v' });
    const out = JSON.parse(run(debianPython, [join(repoRoot, 'scripts', 'read_safetensors.py'), path]));
    expect(out.metadata).toEqual({ k: 'v' });
    expect(out.tensors.x).toEqual({ dtype: 'F32', shape: [2, 3], values: [1, 2, 3, 4.5, null, -6] });
    expect(out.tensors.idx.values).toEqual([7, -8, 9]);
    expect(out.tensors.d.values).toEqual([Math.PI]);
    const back = await readSafetensorsFile(path);
    expect(Array.from(back.tensors.idx.data as Int32Array)).toEqual([7, -8, 9]);
    expect(readdirSync(tmp.path).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reads a file written by numpy following the format (unaligned offsets, other key order)', () => {
    const path = join(tmp.path, 'py.safetensors');
    const script = `
import json, struct, numpy as np
a = np.arange(5, dtype='<i2'); b = np.linspace(0, 1, 6, dtype='<f4').reshape(2, 3)
h = {"a": {"dtype": "I16", "shape": [5], "data_offsets": [0, 10]}, "b": {"dtype": "F32", "shape": [2, 3], "data_offsets": [10, 34]}, "__metadata__": {"by": "numpy"}}
hb = json.dumps(h).encode()
open(${JSON.stringify(path)}, 'wb').write(struct.pack('<Q', len(hb)) + hb + a.tobytes() + b.tobytes())`;
    run(debianPython, ['-c', script]);
    const { tensors: t, metadata } = decodeSafetensors(readFileSync(path));
    expect(metadata.by).toBe('numpy');
    expect(Array.from(t.a.data as Int16Array)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(t.b.data as Float32Array).map((v) => +v.toFixed(5))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('rejects malformed files with TensorFileError', () => {
    const good = encodeSafetensors(tensors);
    const cases: Uint8Array[] = [
      good.subarray(0, 5),
      good.subarray(0, good.length - 1),
      (() => { const b = Uint8Array.from(good); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(),
      (() => { const b = Uint8Array.from(good); b[8] = 0x5b; return b; })(),
      Uint8Array.from([...good, 0]),
    ];
    for (const c of cases) {
      let err: unknown;
      try { decodeSafetensors(c, 'bad.safetensors'); } catch (e) { err = e; }
      expect(isGridcastError(err, 'TensorFile')).toBe(true);
    }
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [4], data: new Float32Array(3) } })).toThrow(/holds 4 values/);
  });

  it('leaves no file behind when a write fails', async () => {
    const path = join(tmp.path, 'no-dir', 'x.safetensors');
    await expect(writeSafetensorsFile(path, tensors)).rejects.toThrow();
    writeFileSync(join(tmp.path, 'keep'), '');
    expect(readdirSync(tmp.path).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
