import { describe, expect, it } from 'vitest';
import { TurnSlots } from '../../src/turn-slots.js';

describe('turn slots', () => {
  it('never run more than the limit at once, and run every turn in arrival order', async () => {
    const slots = new TurnSlots(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        slots.run(async () => {
          started.push(index);
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('free the slot of a turn that failed', async () => {
    const slots = new TurnSlots(1);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });
});
