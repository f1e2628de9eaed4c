/**
 * The folders are the layers: workers → pipeline → (datasets, models). This test reads every
 * import of every source file and fails when a dependency points the wrong way.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'build') continue;
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...src.matchAll(re)].map((m) => m[1] ?? m[2]);
}

/** What each layer must never import (folders of ours by path prefix, packages by name). */
const RULES: Record<string, { folders: string[]; packages: RegExp }> = {
  datasets: { folders: ['models', 'pipeline', 'workers', 'bin'], packages: /^(@tensorflow\/|bullmq|ioredis)/ },
  models: { folders: ['datasets', 'pipeline', 'workers', 'bin'], packages: /^(node:fs|fs|node:fs\/promises|bullmq|ioredis|netcdfjs|h5wasm|geotiff)/ },
  pipeline: { folders: ['workers', 'bin'], packages: /^(bullmq|ioredis)/ },
  workers: { folders: ['bin'], packages: /^$/ },
};

describe('architecture', () => {
  for (const [layer, rule] of Object.entries(RULES)) {
    it(`${layer}/ imports nothing it must not`, () => {
      const root = join(repoRoot, layer);
      let all: string[] = [];
      try { all = files(root); } catch { return; }
      const bad: string[] = [];
      for (const f of all) {
        for (const spec of imports(f)) {
          if (spec.startsWith('.')) {
            const target = relative(repoRoot, join(f, '..', spec)).split('/')[0];
            if (rule.folders.includes(target)) bad.push(`${relative(repoRoot, f)} → ${spec}`);
          } else if (rule.packages.test(spec)) bad.push(`${relative(repoRoot, f)} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
