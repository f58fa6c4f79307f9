import type { Result } from './types.js';

/**
 * Renders a Result as the JSON stored in result files: 2-space indentation, keys in the order the
 * engine built them (stable for a given Result), trailing newline. Non-finite numbers become null
 * (as JSON.stringify does), so a reader must not rely on NaN surviving a round trip.
 */
export function renderJson(result: Result): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
