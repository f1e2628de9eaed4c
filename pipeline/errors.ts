/** Errors of the pipeline layer (on top of the datasets' error classes, which they extend). */
import { GridcastError } from '../datasets/errors.js';

/** A configuration file or value is wrong; the message names the file and the field. */
export class ConfigError extends GridcastError { override readonly kind = 'Config'; }
/** A checkpoint is missing, inconsistent, or does not fit the data it is used with. */
export class CheckpointError extends GridcastError { override readonly kind = 'Checkpoint'; }
/** Inputs needed by a stage are not there (yet): a missing file, too few time steps. */
export class MissingInputError extends GridcastError { override readonly kind = 'MissingInput'; }
