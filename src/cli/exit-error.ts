/** A failure with a specific exit code (Docker's 125/126/127 for run, the container's own...). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
