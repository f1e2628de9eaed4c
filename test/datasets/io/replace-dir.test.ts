import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverDirectory, replaceDirectory } from '../../../datasets/io/replace-dir.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

function dirWith(name: string, content: string): string {
  const d = join(tmp.path, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'f'), content);
  return d;
}

describe('replacing a directory', () => {
  it('replaces the old content and leaves no backup', async () => {
    const target = dirWith('a', 'old');
    await replaceDirectory(dirWith('a.new', 'new'), target);
    expect(readFileSync(join(target, 'f'), 'utf8')).toBe('new');
    expect(existsSync(`${target}.previous`)).toBe(false);
  });

  it('recovers the last good directory after a crash between the two renames', async () => {
    // the state a crash leaves: the old directory moved to .previous, the new one not yet in place
    const target = join(tmp.path, 'b');
    dirWith('b.previous', 'last good');
    await recoverDirectory(target);
    expect(readFileSync(join(target, 'f'), 'utf8')).toBe('last good');
    // and a replace after such a crash never deletes the only good copy before the new one is in
    dirWith('c.previous', 'last good');
    await replaceDirectory(dirWith('c.new', 'next'), join(tmp.path, 'c'));
    expect(readFileSync(join(tmp.path, 'c', 'f'), 'utf8')).toBe('next');
  });
});
