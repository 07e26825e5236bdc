// What never reaches a log line: credentials (by key, anywhere up to three levels deep, and in
// the request configs that HTTP client errors carry) and, unless LOG_MESSAGE_TEXT=true, the
// text people wrote. Convention: message text is logged under the key `text` (or `content`).

const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'accessToken',
  'refreshToken',
  'apiKey',
  'api_key',
  'secret',
  'signingSecret',
  'clientSecret',
  'stateSecret',
  'encryptionKey',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'signature',
];

/** Request headers that carry credentials or signatures. */
const SECRET_HEADERS = ['authorization', 'Authorization', 'cookie', 'x-slack-signature', 'x-signature-ed25519', 'api-key', 'Api-Key'];

const TEXT_KEYS = ['text', 'content'];

function atAnyDepth(keys: readonly string[]): string[] {
  return keys.flatMap((key) => {
    const segment = /^[A-Za-z_]\w*$/u.test(key) ? key : `["${key}"]`;
    const join = (prefix: string) => (segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`);
    return [segment.startsWith('[') ? `["${key}"]` : key, join('*'), join('*.*')];
  });
}

export function redactPaths(logMessageText: boolean): string[] {
  return [
    ...atAnyDepth(SECRET_KEYS),
    ...SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`, `*.*.headers["${name}"]`]),
    // HTTP client errors (axios in Slack's WebClient, discord.js REST) carry the whole request:
    // its body holds the token and the text posted.
    'err.config.data',
    'err.config.headers',
    'err.request',
    'err.requestBody',
    'err.response.config',
    ...(logMessageText ? [] : [...atAnyDepth(TEXT_KEYS), 'messages[*].text', '*.messages[*].text']),
  ];
}

/**
 * A last line of defence for credentials embedded in strings (an error message quoting a URL
 * or a header): Slack tokens, bearer/bot authorization values and Discord bot tokens.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bx(?:ox[abposre]|app)-[\w-]{8,}/gu,
  /\b(Bearer|Bot)\s+[\w.~+/-]{16,}=*/gu,
  /\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}\b/gu,
];

export function scrubTokens(line: string): string {
  let scrubbed = line;
  for (const pattern of TOKEN_PATTERNS) {
    scrubbed = scrubbed.replace(pattern, (_match: string, scheme: unknown) => (typeof scheme === 'string' ? `${scheme} [redacted]` : '[redacted]'));
  }
  return scrubbed;
}
