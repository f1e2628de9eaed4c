/** Turns config sources (globs, relative paths) into datasets' SourceSpecs with sorted file lists. */
import fg from 'fast-glob';
import type { SourceSpec } from '../../datasets/sources/source-spec.js';
import { MissingInputError } from '../errors.js';
import { resolvePath, type LoadedConfig } from '../config/load-config.js';
import type { SourceConfig } from '../config/schema.js';

/** Expands the globs of each source; MissingInputError naming the pattern when nothing matches. */
export async function resolveSources(loaded: LoadedConfig, sources: SourceConfig[]): Promise<SourceSpec[]> {
  const out: SourceSpec[] = [];
  for (const [i, s] of sources.entries()) {
    const patterns = (Array.isArray(s.files) ? s.files : [s.files]).map((p) => resolvePath(loaded, p));
    const files: string[] = [];
    for (const p of patterns) {
      const matched = fg.isDynamicPattern(p) ? (await fg(p, { onlyFiles: true, absolute: true })).sort() : [p];
      if (!matched.length) {
        throw new MissingInputError(`no file matches '${p}'`, { file: loaded.file, variable: s.name ?? s.variable, expected: `files for data.sources.${i}` });
      }
      files.push(...matched);
    }
    out.push({ files, variable: s.variable, name: s.name, level: s.level, timePattern: s.timePattern, times: s.times });
  }
  return out;
}
