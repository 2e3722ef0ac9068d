/**
 * The OCI distribution spec's error codes (spec.md, "Error Codes") with the HTTP statuses
 * CNCF distribution answers them with, and the JSON body every error response carries:
 * `{"errors":[{"code":"BLOB_UNKNOWN","message":"…","detail":…}]}`. Pure: no I/O.
 */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

/** Default status and message of each code (as distribution's registry/api/errcode). */
const codes: Readonly<Record<RegistryErrorCode, { status: number; message: string }>> = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'The operation is unsupported.' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  UNKNOWN: { status: 500, message: 'unknown error' },
};

/** An error the registry answers with: a spec code, an HTTP status, a message and a detail. */
export class RegistryError extends Error {
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message?: string,
    readonly detail?: unknown,
    status?: number,
  ) {
    super(message ?? codes[code].message);
    this.name = code;
    this.status = status ?? codes[code].status;
  }
}

export const registryError = (
  code: RegistryErrorCode,
  message?: string,
  detail?: unknown,
  status?: number,
) => new RegistryError(code, message, detail, status);

/** The JSON body of an error response. */
export function errorBody(e: RegistryError): string {
  const entry: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.detail !== undefined) entry.detail = e.detail;
  return JSON.stringify({ errors: [entry] });
}
