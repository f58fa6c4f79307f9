import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import {
  brokerEnvVar,
  brokerErrorEnvVar,
  brokerKinds,
  brokerMissing,
  redactCredentials,
  startBroker,
} from '../../src/brokers/index.js';
import { brokerForServer, startRunBrokers } from '../../src/brokers/run.js';
import { alive, eventually, needsBroker } from './helpers.js';
import { brokersFor } from '../../src/patterns/registry.js';

function accepts(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

for (const kind of brokerKinds) {
  describe(`broker ${kind}`, { ...needsBroker(kind), timeout: 120_000 }, () => {
    it('starts on a free loopback port with its own temp dir, restarts, and stops leaving nothing', async () => {
      const broker = await startBroker(kind);
      const first = broker.pid;
      try {
        assert.match(broker.url, /^[a-z]+:\/\/127\.0\.0\.1:\d+$/);
        assert.ok(await accepts(broker.url), 'accepts connections');
        assert.ok(existsSync(broker.dir), 'temp dir exists');
        assert.ok(alive(first), 'main process alive');
        assert.ok(broker.usage().maxRssBytes > 0, 'usage read from /proc');
        if (kind !== 'rabbitmq') {
          await broker.restart(50);
          assert.notEqual(broker.pid, first, 'a new process after restart');
          assert.ok(!alive(first), 'the old one is gone');
          assert.ok(await accepts(broker.url), 'accepts connections after restart');
          assert.equal(broker.hasExited, false, 'a restart is not an unexpected exit');
        }
      } finally {
        await broker.stop();
      }
      assert.ok(!alive(broker.pid === -1 ? first : broker.pid), 'process gone after stop');
      assert.ok(!existsSync(broker.dir), 'temp dir removed');
      assert.equal(await accepts(broker.url), false, 'port closed');
    });
  });
}

describe('brokers outlive nothing', { ...needsBroker('redis'), timeout: 60_000 }, () => {
  it('a SIGKILLed owner takes its broker with it (watchdog) and the temp dir is removed', async () => {
    const script = `
      import { startBroker } from './src/brokers/index.ts';
      const b = await startBroker('redis');
      process.stdout.write(JSON.stringify({ pid: b.pid, dir: b.dir }) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', () => reject(new Error(`owner exited early: ${out}`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    assert.ok(alive(pid));
    child.kill('SIGKILL');
    assert.ok(await eventually(() => !alive(pid)), 'broker killed by the watchdog');
    assert.ok(await eventually(() => !existsSync(dir)), 'temp dir removed');
  });

  it('a run starts each needed broker once, publishes its URL in the environment, and restores it', async () => {
    const run = await startRunBrokers(brokersFor(['redis-streams', 'redis-streams', 'tcp']));
    try {
      assert.equal(run.started.length, 1);
      assert.equal(process.env[brokerEnvVar('redis')], run.started[0]?.url);
      const server = await brokerForServer('redis');
      assert.equal(server.url, run.started[0]?.url, 'the server uses the run broker');
      assert.equal(server.owned, undefined);
    } finally {
      await run.stop();
    }
    assert.equal(process.env[brokerEnvVar('redis')], undefined);
    assert.equal(run.started[0]?.hasExited, false, 'stopping is not a crash');
  });
});

describe('broker messages', () => {
  it('a missing broker says how to get one', () => {
    const err = brokerMissing('rabbitmq');
    assert.equal(err.code, 'E_SERVER_START');
    assert.equal(err.exitCode, 4);
    assert.match(err.message, /rabbitmq-server is not installed/);
    assert.match(err.hint ?? '', /apt-get install rabbitmq-server/);
    assert.match(err.hint ?? '', /docker\/compose\.yaml/);
    assert.match(err.hint ?? '', /--broker-url rabbitmq=/);
  });

  it('a server whose run could not start the broker fails with that reason', async () => {
    process.env[brokerErrorEnvVar('nats')] = 'nats needs a NATS broker: nope';
    try {
      await assert.rejects(brokerForServer('nats'), /nope/);
    } finally {
      delete process.env[brokerErrorEnvVar('nats')];
    }
  });

  it('credentials in URLs are redacted', () => {
    assert.equal(
      redactCredentials('cannot reach amqp://user:s3cret@host:5672/vh and redis://:pw@h:1'),
      'cannot reach amqp://***@host:5672/vh and redis://***@h:1',
    );
    assert.equal(redactCredentials('amqp://127.0.0.1:5672'), 'amqp://127.0.0.1:5672');
  });
});
