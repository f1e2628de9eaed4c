/** Redis connections from `REDIS_URL`. */
export {
  cappedBackoff, createProducerConnection, createRedisConnection, createWorkerConnection, redisOptionsFor,
  type ConnectionRole, type RedisConnectionOptions,
} from './connection.js';
export { DEFAULT_REDIS_URL, parseRedisUrl, redactRedisUrl, type ParsedRedisUrl } from './url.js';
