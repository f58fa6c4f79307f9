import { baseFields } from './closed.js';
import { sumShares } from './open.js';
import type { LoadDefinition } from './types.js';
import type { ConnectionsSpec } from '../../plan/load.js';

export type { ConnectionsSpec } from '../../plan/load.js';

/**
 * The 'connections' load model: a case holds N idle connections (or subscriptions) for its duration
 * and reports what that cost the server; the engine opens and holds them (src/engine/hold.ts).
 */
export const connections = {
  name: 'connections',
  summary:
    "open 'connections' idle connections (or subscriptions), hold them for the duration, " +
    'report server memory and file descriptors per connection',
  shape: {},
  resolve: (_fields, base): ConnectionsSpec => ({ model: 'connections', ...baseFields(base) }),
  describe: (s) => ({ label: `hold ${s.connections} conns`, schedule: 'hold' }),
  idParts: () => ({ model: 'connections' }),
  share: (s, n) => ({ load: { ...s, connections: n } }),
  combine: (parts) => sumShares(parts, ['connections']),
  fromIntendedTime: false,
  maxOutstanding: (s) => s.connections,
  limits: () => ({ holds: true }),
  hold: true,
} satisfies LoadDefinition<ConnectionsSpec>;
