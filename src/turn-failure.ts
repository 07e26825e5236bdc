// What the user is told when a turn fails: short, without internals, and saying the message
// was kept.

interface ErrorLike {
  name?: string;
  status?: number;
  /** Node and SQLite use strings; some platform clients use numbers. */
  code?: string | number;
  message?: string;
  cause?: unknown;
}

export function describeTurnFailure(error: unknown): string {
  const reason = reasonFor(error as ErrorLike);
  return `Sorry, I could not answer that: ${reason}. Your message is saved; ask again in a moment.`;
}

function reasonFor(error: ErrorLike | undefined): string {
  if (!error) return 'something went wrong on my side';
  if (error.status === 401 || error.status === 403) return 'the language model refused my credentials';
  if (error.status === 429) return 'the language model is rate-limiting me';
  if (error.name?.includes('Timeout') || error.code === 'ETIMEDOUT') return 'the language model took too long';
  if (error.name?.includes('APIConnection') || error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND') {
    return 'the language model did not answer';
  }
  if (typeof error.status === 'number' && error.status >= 500) return 'the language model had an error';
  if (error.name === 'StoreUnavailableError' || String(error.code).startsWith('SQLITE_')) return 'my storage is not available';
  return error.cause ? reasonFor(error.cause as ErrorLike) : 'something went wrong on my side';
}
