/**
 * The event-sourced aggregate: account balances rebuilt from a log of deposits and withdrawals.
 * Pure (no broker); the pattern's clients append these events and replay them into it.
 */

/** One domain event; `seq` is its position in the writer's order (0-based). */
export interface AccountEvent {
  readonly seq: number;
  readonly account: string;
  /** Cents; negative = a withdrawal. */
  readonly amount: number;
}

/** Event `seq` of a log over `accounts` accounts: deterministic, amounts in [-100, 100] cents. */
export function eventOf(seq: number, accounts: number): AccountEvent {
  return { seq, account: `acct-${seq % accounts}`, amount: ((seq * 7919) % 201) - 100 };
}

export function encodeEvent(e: AccountEvent): string {
  return JSON.stringify(e);
}

/** The event in `text`, or undefined when it is not one. */
export function decodeEvent(text: string): AccountEvent | undefined {
  try {
    const e = JSON.parse(text) as Partial<AccountEvent>;
    return typeof e.seq === 'number' && typeof e.account === 'string' && typeof e.amount === 'number'
      ? (e as AccountEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Balances per account and the number of events applied. */
export class Balances {
  readonly balances = new Map<string, number>();
  count = 0;

  apply(e: AccountEvent): void {
    this.balances.set(e.account, (this.balances.get(e.account) ?? 0) + e.amount);
    this.count++;
  }

  /** Why `other` is a different state (the first difference found), or undefined when it is equal. */
  differs(other: Balances): string | undefined {
    if (other.count !== this.count) return `${other.count} events instead of ${this.count}`;
    if (other.balances.size !== this.balances.size)
      return `${other.balances.size} accounts instead of ${this.balances.size}`;
    for (const [account, balance] of this.balances) {
      const got = other.balances.get(account);
      if (got !== balance) return `${account} balance ${got ?? 'missing'} instead of ${balance}`;
    }
    return undefined;
  }
}
