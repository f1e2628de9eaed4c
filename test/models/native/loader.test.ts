/**
 * The loader never throws: with the addon disabled (GRIDCAST_NATIVE=0) gridcast reports why and the
 * native layer does not register. Runs in a child process, since the loader caches its result.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers.js';

const script = `
import { nativeAvailable, nativeConvLstmImpl } from ${JSON.stringify(join(repoRoot, 'models/native/convlstm-native.ts'))};
import { convLstmImplNames } from ${JSON.stringify(join(repoRoot, 'models/convlstm/layer-impl.ts'))};
console.log(JSON.stringify({ status: nativeAvailable(), names: convLstmImplNames(), supports: nativeConvLstmImpl.supports('cpu') }));
`;

describe('native addon loader', () => {
  it('reports "disabled" and registers nothing when GRIDCAST_NATIVE=0', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot, encoding: 'utf8', env: { ...process.env, GRIDCAST_NATIVE: '0' },
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.status).toEqual({ ok: false, reason: 'disabled by GRIDCAST_NATIVE', isa: '', threads: 0 });
    expect(r.names).not.toContain('native');
    expect(r.supports).toBe(false);
  });
});
