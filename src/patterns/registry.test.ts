import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerKindFor, brokerOf, brokersFor, brokersOf, patternInfo, patternNames } from './registry.js';

test("a queue pattern's catalogue entry names its broker; its `broker` option may pick another it allows", () => {
  assert.equal(brokerOf('amqp'), 'rabbitmq');
  assert.equal(brokerOf('queue-chain'), 'rabbitmq');
  assert.equal(brokerOf('redis-streams'), 'redis');
  assert.equal(brokerOf('nats'), 'nats');
  assert.equal(brokerOf('topic-routing'), 'nats');
  assert.equal(brokerOf('topic-routing', { broker: 'rabbitmq' }), 'rabbitmq');
  assert.equal(brokerOf('topic-routing', { broker: 'redis' }), 'nats', 'not one it allows: its default');
  assert.equal(brokerOf('event-sourcing', { broker: 'rabbitmq' }), 'rabbitmq');
  assert.equal(brokerOf('rest'), undefined);
  assert.equal(brokerOf('no-such-pattern'), undefined);
  assert.deepEqual(brokersOf('event-sourcing'), ['rabbitmq', 'redis']);
  assert.deepEqual(brokersFor(['redis-streams', 'redis-streams', 'tcp', 'amqp']), ['rabbitmq', 'redis']);
  assert.equal(brokerKindFor('amqp'), 'rabbitmq');
  assert.equal(brokerKindFor('redis-streams'), 'redis');
  assert.equal(brokerKindFor('redis'), 'redis');
  assert.equal(brokerKindFor('rest'), undefined);
});

test('every queue pattern has a broker and no other kind of pattern has one', () => {
  for (const name of patternNames) {
    const info = patternInfo(name);
    const brokered = ['amqp', 'queue-chain', 'redis-streams', 'nats', 'topic-routing', 'event-sourcing'];
    assert.equal(info.broker !== undefined, brokered.includes(name), name);
    if (info.kind === 'queue') assert.ok(info.broker, `${name} is a queue pattern without a broker`);
  }
});
