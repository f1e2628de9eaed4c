/**
 * Lua scripts that keep the blob bookkeeping atomic: the byte budget counter, the expiry index and
 * the reference counts change together or not at all (Redis runs a script without interleaving).
 *
 * Bookkeeping keys under the prefix `p`:
 * - `p:blobs:bytes`  — string, bytes of blob data reserved (INCRBY at reserve, DECRBY at delete);
 *                      deleted when it drops to 0 so nothing is left behind.
 * - `p:blobs:expiry` — sorted set, blob id → expiry (ms since epoch); blobs whose TTL elapsed are
 *                      reclaimed (budget returned, leftover keys deleted) by the next script run,
 *                      so a crashed producer or a never-released blob cannot leak budget.
 * - `p:blobs:sizes`  — hash, blob id → "<size>:<chunks>", to delete and un-count a blob whose
 *                      manifest already expired.
 * - `p:blob:<id>` (manifest hash) and `p:blob:<id>:<n>` (chunks) are the blob itself.
 * Chunk keys are computed inside the scripts, so these scripts need a standalone Redis (or one
 * cluster slot per prefix with a `{hash tag}` in the prefix).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function drop(prefix, id, usage, expiry, sizes)
  local info = redis.call('HGET', sizes, id)
  if info then
    local sep = string.find(info, ':', 1, true)
    local size = tonumber(string.sub(info, 1, sep - 1))
    local n = tonumber(string.sub(info, sep + 1))
    for i = 0, n - 1 do redis.call('UNLINK', prefix .. ':blob:' .. id .. ':' .. i) end
    if size > 0 then
      local left = redis.call('DECRBY', usage, size)
      if left <= 0 then redis.call('DEL', usage) end
    end
    redis.call('HDEL', sizes, id)
  end
  redis.call('ZREM', expiry, id)
  redis.call('UNLINK', prefix .. ':blob:' .. id)
end
local function reclaim(prefix, usage, expiry, sizes, now)
  local ids = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(ids) do drop(prefix, id, usage, expiry, sizes) end
end
`;

/**
 * KEYS: usage, expiry, sizes. ARGV: prefix, id, size, chunks, budget (-1 = none), ttlMs.
 * Returns {1, usedAfter, expiresAtMs} when reserved, {0, used, 0} when the budget is full.
 * An empty blob always fits. Idempotent per id: ioredis resends a command whose reply was lost
 * in a dropped connection, and a second INCRBY would leak budget.
 */
const RESERVE = COMMON + `
local prefix, id, size, budget, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
reclaim(prefix, KEYS[1], KEYS[2], KEYS[3], now)
if redis.call('HEXISTS', KEYS[3], id) == 1 then
  return {1, tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('ZSCORE', KEYS[2], id))}
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if budget >= 0 and size > 0 and used + size > budget then return {0, used, 0} end
if size > 0 then redis.call('INCRBY', KEYS[1], ARGV[3]) end
local expires = now + ttl
redis.call('ZADD', KEYS[2], expires, id)
redis.call('HSET', KEYS[3], id, ARGV[3] .. ':' .. ARGV[4])
return {1, used + size, expires}
`;

/**
 * KEYS: usage, expiry, sizes, manifest. ARGV: prefix, id, force (1 = delete regardless of refs),
 * token (who releases, e.g. a job id; '' = anonymous). A token releases at most once, so a
 * release resent after a reconnect (or a retried job) cannot drop someone else's reference.
 * Returns the references left (0 = deleted now), or -1 when the blob was not there.
 */
const RELEASE = COMMON + `
local prefix, id = ARGV[1], ARGV[2]
reclaim(prefix, KEYS[1], KEYS[2], KEYS[3], now_ms())
if redis.call('EXISTS', KEYS[4]) == 0 then
  drop(prefix, id, KEYS[1], KEYS[2], KEYS[3])
  return -1
end
if ARGV[3] ~= '1' then
  if ARGV[4] ~= '' and redis.call('HSETNX', KEYS[4], 'released:' .. ARGV[4], '1') == 0 then
    return tonumber(redis.call('HGET', KEYS[4], 'refs'))
  end
  local left = redis.call('HINCRBY', KEYS[4], 'refs', -1)
  if left > 0 then return left end
end
drop(prefix, id, KEYS[1], KEYS[2], KEYS[3])
return 0
`;

/** KEYS: manifest. ARGV: n. Returns the new reference count, or -1 when the blob is not there. */
const ADD_REFS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], 'refs', ARGV[1])
`;

/** A Lua script run by EVALSHA, falling back to EVAL when the server lost its script cache. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Run with `keys` and `args`; returns the raw reply. */
  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      // A restarted Redis (or SCRIPT FLUSH) forgets scripts; EVAL loads it again.
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return client.eval(this.source, keys.length, ...keys, ...args);
      throw e;
    }
  }
}

/** The blob store's scripts. */
export const SCRIPTS = {
  reserve: new LuaScript(RESERVE),
  release: new LuaScript(RELEASE),
  addRefs: new LuaScript(ADD_REFS),
};

/** Key names under a prefix (see the module comment). */
export function blobKeys(prefix: string) {
  return {
    usage: `${prefix}:blobs:bytes`,
    expiry: `${prefix}:blobs:expiry`,
    sizes: `${prefix}:blobs:sizes`,
    manifest: (id: string) => `${prefix}:blob:${id}`,
    chunk: (id: string, n: number) => `${prefix}:blob:${id}:${n}`,
  };
}
