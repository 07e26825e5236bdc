// Hostile values for the hostile-events row, drawn from one seeded generator so a failure
// reproduces with the same FAULT_SEED.

export interface HostileInput {
  random: () => number;
  pick<T>(items: readonly T[]): T;
  /** Text people (or attackers) type: control characters, odd unicode, huge, empty, markup. */
  text(): string;
  /** A payload field of the wrong type, missing, or nested garbage. */
  garbage(): unknown;
}

export function hostileInput(random: () => number): HostileInput {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const text = (): string => {
    const pieces = [
      () => '',
      () => ' \t ',
      () => '\u0000\u0007\u001b[31m\u0008',
      () => '\u202eevil\u202c \u200b\u200d\ufeff',
      () => '\ud800 lone \udfff surrogates',
      () => 'Z̷̡̛̤͎a̸̱̔l̶̰͝g̴̺̈o̵̗͒',
      () => '👩‍👩‍👧‍👦🏳️‍🌈🇺🇳 \u{1F600}'.repeat(1 + Math.floor(random() * 20)),
      () => '```'.repeat(1 + Math.floor(random() * 5)),
      () => '@everyone @here <@&1> <#2> <:x:3> <t:0:R> <!channel> <#C1|x> <mailto:a@b|a>',
      () => 'x'.repeat(1 + Math.floor(random() * 6_000)),
      () => String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 0xffff))),
      () => '{"__proto__":{"polluted":true}} constructor prototype',
    ];
    return Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(pieces)()).join(' ');
  };
  const garbage = (): unknown =>
    pick<() => unknown>([
      () => undefined,
      () => null,
      () => 42,
      () => -1e308,
      () => '',
      () => 'not-a-snowflake',
      () => [],
      () => [[[[{}]]]],
      () => ({ nested: { deeper: { deepest: [null, 1, 'x', { a: [] }] } } }),
      () => true,
      () => text(),
    ])();
  return { random, pick, text, garbage };
}
