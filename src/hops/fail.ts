import { z } from 'zod';
import { Duration } from '../units.js';

/**
 * `failHop`: one hop of a chain (a call-chain service, a queue-chain stage) is down for a while.
 * The clock starts at the first call or message that hop receives (the load's start, warm-up
 * included), so the outage falls at the same point of the run in every process.
 */
export const failHopOption = z
  .strictObject({
    hop: z.int().min(1).max(16).meta({ description: 'which hop fails (1 = the first service or stage)' }),
    at: Duration.meta({ description: 'when, after the first call or message that hop received' }),
    for: Duration.meta({ description: 'how long it stays down' }),
  })
  .meta({ description: 'take one hop down for a while (the hop-failure scenario)' });
export type FailHop = z.output<typeof failHopOption>;

/** The outage one hop process applies to itself (ms). */
export interface Outage {
  readonly atMs: number;
  readonly forMs: number;
}

/** The outage of hop `hop` (1-based) under `failHop`, if it is the failing one. */
export function outageOf(failHop: FailHop | undefined, hop: number): Outage | undefined {
  return failHop?.hop === hop ? { atMs: failHop.at, forMs: failHop.for } : undefined;
}

/**
 * Runs an outage: `touch()` on every call or message (the first one starts the clock); `down`
 * says whether the hop is down now; `onChange` hears the transitions (down: true, then false).
 */
export class OutageClock {
  down = false;
  #started = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly outage: Outage | undefined,
    private readonly onChange: (down: boolean) => void = () => undefined,
  ) {}

  touch(): void {
    if (this.#started || !this.outage) return;
    this.#started = true;
    const { atMs, forMs } = this.outage;
    this.#timers.push(
      setTimeout(() => {
        this.down = true;
        this.onChange(true);
        this.#timers.push(
          setTimeout(() => {
            this.down = false;
            this.onChange(false);
          }, forMs),
        );
      }, atMs),
    );
  }

  cancel(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.length = 0;
  }
}
