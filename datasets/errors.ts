/**
 * Errors of the datasets layer. Every error names what it concerns (file, variable) and what was
 * expected, so a user can fix the input without reading our code.
 *
 * ```ts
 * try { await openRaster(path) } catch (e) {
 *   if (isGridcastError(e, 'UnknownVariable')) console.error(e.message) // lists the variables there are
 * }
 * ```
 */

/** What every gridcast error may say about where it happened. */
export interface ErrorContext {
  /** The file (path or URL) being read or written. */
  file?: string;
  /** The variable, band or tensor concerned. */
  variable?: string;
  /** What was expected, in words ("a strictly monotonic coordinate"). */
  expected?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error gridcast raises on purpose. `kind` is a stable tag for guards. */
export class GridcastError extends Error {
  readonly kind: string = 'Gridcast';
  readonly file?: string;
  readonly variable?: string;
  readonly expected?: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(formatMessage(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.file = context.file;
    this.variable = context.variable;
    this.expected = context.expected;
  }
}

function formatMessage(message: string, ctx: ErrorContext): string {
  const where: string[] = [];
  if (ctx.file) where.push(ctx.file);
  if (ctx.variable) where.push(`variable '${ctx.variable}'`);
  let out = where.length ? `${where.join(', ')}: ${message}` : message;
  if (ctx.expected) out += ` (expected ${ctx.expected})`;
  return out;
}

/** The bytes do not start like any format we read (or not like the one asked for). */
export class UnknownFormatError extends GridcastError { override readonly kind = 'UnknownFormat'; }
/** The file ends before a structure it declares (header, variable data, tile). */
export class TruncatedFileError extends GridcastError { override readonly kind = 'TruncatedFile'; }
/** The file's structures contradict themselves (bad offsets, impossible counts, bad checksums). */
export class CorruptFileError extends GridcastError { override readonly kind = 'CorruptFile'; }
/** A header declares sizes we refuse to allocate (more than the file could hold, or over a limit). */
export class AbsurdSizeError extends GridcastError { override readonly kind = 'AbsurdSize'; }
/** The variable asked for does not exist; the message lists the ones that do. */
export class UnknownVariableError extends GridcastError { override readonly kind = 'UnknownVariable'; }
/** A valid file uses a feature we do not read (a compression, a calendar, a data type). */
export class UnsupportedFeatureError extends GridcastError { override readonly kind = 'UnsupportedFeature'; }
/** Coordinates that cannot describe a grid: non-monotonic, irregular, missing, wrong length. */
export class CoordinateError extends GridcastError { override readonly kind = 'Coordinate'; }
/** Every value of a field is missing. */
export class AllMissingError extends GridcastError { override readonly kind = 'AllMissing'; }
/** Two sources that must share a grid or time axis do not; the message names both. */
export class GridMismatchError extends GridcastError { override readonly kind = 'GridMismatch'; }
/** An option or argument is out of range ("stride must be a positive integer, got 0"). */
export class InvalidOptionError extends GridcastError { override readonly kind = 'InvalidOption'; }
/** A tensor file (safetensors) or dataset directory is malformed or inconsistent. */
export class TensorFileError extends GridcastError { override readonly kind = 'TensorFile'; }

/** True when `e` is a gridcast error, optionally of the given `kind` tag. */
export function isGridcastError(e: unknown, kind?: string): e is GridcastError {
  return e instanceof GridcastError && (kind === undefined || e.kind === kind);
}
