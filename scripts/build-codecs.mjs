#!/usr/bin/env node
/**
 * Builds the codec addon (datasets/native: libdeflate DEFLATE + SHA-256) at install time and by
 * hand after editing the C++ sources. libdeflate is loaded at run time, so neither it nor its
 * headers are needed here. Never fails `npm ci`: see build-addon.mjs.
 */
import { buildAddon } from './build-addon.mjs';

buildAddon({
  dir: 'datasets/native',
  binary: 'gridcast_codecs.node',
  what: 'native codecs',
  fallback: 'using node:zlib and node:crypto',
  skipOnWindows: true,
});
