/** Names of one endpoint's broker objects (the endpoint is the URL fragment, unique per repetition). */
export function names(endpoint: string): { queue: string; exchange: string; rpcQueue: string } {
  return { queue: `${endpoint}.work`, exchange: `${endpoint}.fanout`, rpcQueue: `${endpoint}.rpc` };
}

/** Routing key of published messages (topic subscribers bind 'commbench.#'). */
export const routingKey = 'commbench.echo';
