/**
 * A child process spoken to line by line (a request on stdin, one reply line on stdout): how the
 * benchmarks drive their PyTorch baselines, so PyTorch and our code are timed in turn in one run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export class LineProcess {
  private lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  /** Everything the process wrote to stderr (for "unavailable" messages). */
  stderr = '';
  private startError: Error | null = null;

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.once('exit', (code) => this.failed?.(new Error(`${proc.spawnfile} exited with ${code}`)));
    proc.once('error', (e) => {
      this.startError = e;
      this.failed?.(e);
    });
    proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          this.failed = null;
          w(line);
        } else this.lines.push(line);
      }
    });
  }

  /** Starts `command args…` with extra environment variables. */
  static start(command: string, args: string[], env: Record<string, string> = {}): LineProcess {
    return new LineProcess(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  /** The next reply line; rejects when the process exits or cannot start. */
  next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.startError) return Promise.reject(this.startError);
    return new Promise<string>((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  /** Sends one request line and waits for its reply. */
  async ask(line: string): Promise<string> {
    this.proc.stdin.write(`${line}\n`);
    return this.next();
  }

  /** Closes stdin (the servers exit on end of input). */
  stop(): void {
    this.proc.stdin.end();
  }

  kill(): void {
    this.proc.kill();
  }
}
