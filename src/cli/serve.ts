import type { Command } from 'commander';
import { examples } from './list.js';
import { CommbenchError, ExitCode, errnoCode } from '../errors.js';
import { loadPattern, patternInfo } from '../patterns/registry.js';
import { durationHelp, parseDuration } from '../units.js';
import { howToCall } from './serve-help.js';

/**
 * `commbench serve PATTERN`: one echo server in the foreground, so other tools and machines can
 * talk to it (`run --target PATTERN=URL` from elsewhere). Stops on Ctrl-C / SIGTERM.
 */
export function registerServe(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description("run one pattern's echo server in the foreground (for --target, other tools or machines)")
    .addHelpText(
      'after',
      examples(['commbench serve rest --port 0', 'commbench serve grpc --port 0 --delay 2ms']),
    )
    .argument('<pattern>', 'pattern name (see commbench list)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--host <host>', 'interface to listen on; loopback unless you say otherwise', '127.0.0.1')
    .option('--delay <duration>', `added service time per request, ${durationHelp}`, '0ms')
    .option('--json', 'print one JSON line when listening ({"pattern","url"}) instead of the text')
    .option('--no-color', 'plain output (serve prints no colour; accepted everywhere for scripts)')
    .action(async (name: string, opts: { port: string; host: string; delay: string; json?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CommbenchError('E_USAGE', `--port: invalid value '${opts.port}'`, {
          hint: 'a port number 0-65535',
        });
      }
      const delayMs = parseDuration(opts.delay);
      if (delayMs === undefined) {
        throw new CommbenchError('E_USAGE', `--delay: invalid value '${opts.delay}'`, { hint: durationHelp });
      }
      if (port !== 0 && patternInfo(name).kind === 'queue') {
        throw new CommbenchError('E_USAGE', `serve ${name}: --port does not apply`, {
          hint: `the ${name} server is a throwaway broker on a free port (printed when it is up), or the broker named by COMMBENCH_<BROKER>_URL: leave --port out`,
        });
      }
      const pattern = await loadPattern(name);
      let server;
      try {
        server = await pattern.startServer({
          host: opts.host,
          port,
          options: pattern.options.parse({}),
          delayMs,
        });
      } catch (err) {
        if (errnoCode(err) === 'EADDRINUSE') {
          throw new CommbenchError('E_PORT_IN_USE', `port ${port} on ${opts.host} is already in use`, {
            hint: `choose another --port, or find the process holding it with: ss -ltnp 'sport = :${port}'`,
          });
        }
        throw new CommbenchError('E_SERVER_START', `cannot start ${name} server: ${String(err)}`, {
          hint: 'check --host and --port',
          cause: err,
        });
      }
      if (port !== 0 && portOf(server.url) !== port) {
        await server.stop();
        throw new CommbenchError(
          'E_SERVER_START',
          `${name} server came up on ${server.url}, not on the --port ${port} asked for`,
          { hint: 'leave --port out for this pattern: the address it listens on is printed when it is up' },
        );
      }
      // Listening for Ctrl-C / SIGTERM before saying where it listens: a supervisor that stops it
      // as soon as it reads the line must not kill it before it can close cleanly.
      const stopped = new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      if (opts.json) process.stdout.write(`${JSON.stringify({ pattern: name, url: server.url })}\n`);
      else {
        process.stdout.write(`${name} echo server listening on ${server.url} (Ctrl-C to stop)\n`);
        process.stdout.write(
          `how to call it:\n${howToCall(name, server.url, pattern.options.parse({})).join('\n')}\n`,
        );
      }
      await stopped;
      await server.stop();
      if (!opts.json) process.stdout.write('stopped\n');
      setExit(ExitCode.ok);
    });
}

/** The port of a server URL ('ws://127.0.0.1:8080/?nodes=…' → 8080), or undefined. */
function portOf(url: string): number | undefined {
  try {
    const port = new URL(url).port;
    return port === '' ? undefined : Number(port);
  } catch {
    return undefined;
  }
}
