/**
 * Progress for long work: a one-line bar on a terminal (stderr, redrawn in place), a line every
 * few seconds when stderr is a file or pipe, JSON lines with --json, nothing with --quiet.
 */

export type OutputMode = 'human' | 'json' | 'quiet';

export interface Progress {
  /** Updates the bar: `done` of `total`, with a short status text. */
  update(done: number, total: number, status?: string): void;
  /** Emits a structured event (JSON mode) or a log line (human mode). */
  event(name: string, data: Record<string, unknown>, line?: string): void;
  /** Ends the bar (leaves the last state on screen). */
  done(line?: string): void;
}

function bar(frac: number, width = 24): string {
  const n = Math.round(Math.min(1, Math.max(0, frac)) * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** A progress reporter for `label` in the given mode. */
export function createProgress(label: string, mode: OutputMode, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = !!stream.isTTY && mode === 'human';
  const started = Date.now();
  let lastLine = 0;
  let shown = false;
  return {
    update(done, total, status = '') {
      if (mode !== 'human') return;
      const frac = total ? done / total : 0;
      const elapsed = (Date.now() - started) / 1000;
      const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
      const text = `${label} ${bar(frac)} ${done}/${total} ${status} eta ${duration(eta)}`;
      if (tty) {
        stream.write(`\r${text.slice(0, (stream.columns ?? 100) - 1)}\x1b[K`);
        shown = true;
      } else if (Date.now() - lastLine > 5000 || done === total) {
        stream.write(`${text}\n`);
        lastLine = Date.now();
      }
    },
    event(name, data, line) {
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ event: name, ...data })}\n`);
      else if (mode === 'human' && line) {
        if (shown) stream.write('\r\x1b[K');
        stream.write(`${line}\n`);
      }
    },
    done(line) {
      if (mode !== 'human') return;
      if (shown) stream.write('\n');
      if (line) stream.write(`${line}\n`);
    },
  };
}
