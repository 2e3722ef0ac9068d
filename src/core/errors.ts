/**
 * The one error taxonomy of berth. Every failure the engine reports is a BerthError with one of
 * these kinds; the CLI maps kinds to exit codes and the API (later) to HTTP statuses, each in
 * one place. Messages use Docker's wording where clients match on it.
 */
export type ErrorKind =
  | 'NotFound'
  | 'Conflict'
  | 'InvalidArgument'
  | 'FailedPrecondition'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Internal';

export class BerthError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = kind;
  }
}

export const notFound = (message: string, cause?: unknown) =>
  new BerthError('NotFound', message, { cause });
export const conflict = (message: string, cause?: unknown) =>
  new BerthError('Conflict', message, { cause });
export const invalidArgument = (message: string, cause?: unknown) =>
  new BerthError('InvalidArgument', message, { cause });
export const failedPrecondition = (message: string, cause?: unknown) =>
  new BerthError('FailedPrecondition', message, { cause });
export const unavailable = (message: string, cause?: unknown) =>
  new BerthError('Unavailable', message, { cause });
export const notImplemented = (message: string) => new BerthError('NotImplemented', message);
export const internal = (message: string, cause?: unknown) =>
  new BerthError('Internal', message, { cause });

export const isBerthError = (e: unknown, kind?: ErrorKind): e is BerthError =>
  e instanceof BerthError && (kind === undefined || e.kind === kind);

/** Docker's wording, which clients match on. */
export const noSuchImage = (name: string) => notFound(`No such image: ${name}`);
