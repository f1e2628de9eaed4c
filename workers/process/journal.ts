/**
 * An audit log of completed jobs: `<prefix>:journal:<queue>` holds one JSON line per job a
 * processor finished (`{ id, pid, at }`), newest last, capped at {@link JOURNAL_LENGTH}. A job
 * listed twice was processed twice — what operators (and the exactly-once test) look for.
 */
import type { Redis } from 'ioredis';

/** Entries kept per queue. */
export const JOURNAL_LENGTH = 10_000;

/** Append that `id` completed in this process. */
export async function recordJournal(client: Redis, prefix: string, queue: string, id: string): Promise<void> {
  const key = `${prefix}:journal:${queue}`;
  await client.multi().rpush(key, JSON.stringify({ id, pid: process.pid, at: new Date().toISOString() })).ltrim(key, -JOURNAL_LENGTH, -1).exec();
}

/** Entries of `queue`'s journal, oldest first. */
export async function readJournal(client: Redis, prefix: string, queue: string): Promise<{ id: string; pid: number; at: string }[]> {
  return (await client.lrange(`${prefix}:journal:${queue}`, 0, -1)).map((l) => JSON.parse(l));
}
