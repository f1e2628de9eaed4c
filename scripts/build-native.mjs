#!/usr/bin/env node
/**
 * Builds the fused ConvLSTM addon (models/native) at install time ("install" in package.json)
 * and by hand after editing the C++ sources. Never fails `npm ci`: see build-addon.mjs.
 */
import { buildAddon } from './build-addon.mjs';

buildAddon({
  dir: 'models/native',
  binary: 'gridcast_native.node',
  what: 'native ConvLSTM kernels',
  fallback: 'using the TensorFlow.js layer',
});
