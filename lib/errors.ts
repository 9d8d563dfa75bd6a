/**
 * Stable error codes. `code` never changes for a given cause; messages may.
 *
 * - `BAD_INPUT`: malformed magnet, .torrent bytes, peers, options or base64.
 * - `METADATA_TIMEOUT`: the swarm did not deliver the torrent's metadata in time.
 * - `BUFFER_TIMEOUT`: no data for the prebuffer arrived in time.
 * - `INVALID_FILE`: the file index is out of range or the file is not audio.
 * - `STORAGE_ERROR`: the storage path is missing, unwritable, or a disk write failed.
 * - `CANCELLED`: the call was aborted (AbortSignal, cancelPrepare, or a newer call).
 * - `CLOSED`: the session was closed before or during the call.
 * - `NOT_FOUND`: no stream has this token (never issued, or released).
 * - `INTERNAL`: anything unexpected inside the engine.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'METADATA_TIMEOUT'
  | 'BUFFER_TIMEOUT'
  | 'INVALID_FILE'
  | 'STORAGE_ERROR'
  | 'CANCELLED'
  | 'CLOSED'
  | 'NOT_FOUND'
  | 'INTERNAL';

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_INPUT',
  'METADATA_TIMEOUT',
  'BUFFER_TIMEOUT',
  'INVALID_FILE',
  'STORAGE_ERROR',
  'CANCELLED',
  'CLOSED',
  'NOT_FOUND',
  'INTERNAL',
]);

/** The one error class every vozduxan call rejects or throws with. */
export class VozduxanError extends Error {
  /** Stable, machine-readable cause. */
  readonly code: ErrorCode;

  /**
   * Makes an error with a stable code.
   * @param code the stable cause.
   * @param message human-readable detail.
   * @param options `cause`: the underlying error (the addon's, for one that came from it).
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VozduxanError';
    this.code = code;
  }
}

/** Wraps anything thrown by the addon (or JS) into a VozduxanError, keeping its code. */
export function toVozduxanError(error: unknown): VozduxanError {
  if (error instanceof VozduxanError) return error;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    const known = typeof code === 'string' && CODES.has(code) ? (code as ErrorCode) : 'INTERNAL';
    return new VozduxanError(known, error.message, { cause: error });
  }
  return new VozduxanError('INTERNAL', String(error));
}
