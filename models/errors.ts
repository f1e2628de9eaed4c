/**
 * Errors of the models layer. Each names the model, option, layer or tensor it concerns and what
 * was expected, so the caller can fix the config or the data without reading our code. models/
 * imports nothing of ours, so this base class mirrors datasets' GridcastError (same `kind` tag
 * idea) instead of extending it.
 *
 * ```ts
 * try { new ConvLSTM({ inputDim: 2, hiddenDim: 8, kernelSize: [4, 4], numLayers: 1 }) }
 * catch (e) { if (isModelError(e, 'InvalidOption')) console.error(e.message) }
 * ```
 */

/** What a model error may say about where it happened. */
export interface ModelErrorContext {
  /** The model or layer concerned ("ConvLSTM", "cell 1"). */
  model?: string;
  /** The option, input or tensor name concerned ("kernelSize", "cell_list.0.conv.weight"). */
  field?: string;
  /** What was expected, in words ("an odd positive integer"). */
  expected?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error models/ raises on purpose. `kind` is a stable tag for guards. */
export class ModelError extends Error {
  readonly kind: string = 'Model';
  readonly model?: string;
  readonly field?: string;
  readonly expected?: string;

  constructor(message: string, context: ModelErrorContext = {}) {
    super(formatMessage(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.model = context.model;
    this.field = context.field;
    this.expected = context.expected;
  }
}

function formatMessage(message: string, ctx: ModelErrorContext): string {
  const where: string[] = [];
  if (ctx.model) where.push(ctx.model);
  if (ctx.field) where.push(`'${ctx.field}'`);
  let out = where.length ? `${where.join(' ')}: ${message}` : message;
  if (ctx.expected) out += ` (expected ${ctx.expected})`;
  return out;
}

/** An option of a model or layer config is invalid (names the field and the value). */
export class InvalidOptionError extends ModelError { override readonly kind = 'InvalidOption'; }
/** An input tensor has the wrong rank, channel count, grid size or dtype. */
export class InvalidInputError extends ModelError { override readonly kind = 'InvalidInput'; }
/** A weights map lacks tensors the config requires. */
export class MissingWeightError extends ModelError { override readonly kind = 'MissingWeight'; }
/** A weights map holds tensors the config does not know. */
export class UnexpectedWeightError extends ModelError { override readonly kind = 'UnexpectedWeight'; }
/** A weight tensor has another shape than the config implies (or its data length disagrees). */
export class WeightShapeError extends ModelError { override readonly kind = 'WeightShape'; }
/** No usable TensorFlow.js backend / ConvLSTM implementation for what was asked. */
export class BackendError extends ModelError { override readonly kind = 'Backend'; }

/** True when `e` is a ModelError (of the given kind, if one is given). */
export function isModelError(e: unknown, kind?: string): e is ModelError {
  return e instanceof ModelError && (kind === undefined || e.kind === kind);
}
