/**
 * models/ imports TensorFlow.js only: nothing of ours outside models/, no file system, no file
 * formats (the one-way dependency rule of DESIGN.md, checked on the source). models/native/ (the
 * N-API addon's loader) is checked by its own tests.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', 'models');
const allowed = [/^@tensorflow\/tfjs-(core|backend-cpu|backend-wasm|node|node-gpu)$/, /^node:(module|path)$/];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'native' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('models/ dependencies', () => {
  it('imports only TensorFlow.js, node:module/node:path and files inside models/', () => {
    const bad: string[] = [];
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('.')) {
          const target = resolve(file, '..', spec);
          if (relative(root, target).startsWith('..')) bad.push(`${relative(root, file)} → ${spec}`);
          if (!spec.endsWith('.js')) bad.push(`${relative(root, file)} → ${spec} (relative imports end in .js)`);
        } else if (!allowed.some((re) => re.test(spec))) {
          bad.push(`${relative(root, file)} → ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
