/**
 * deploy/k8s: every manifest validated against the Kubernetes OpenAPI schemas (kubernetes-models'
 * generated JSON-Schema validators), and the shard Job's command checked against `commbench run`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { parseShard, parseStartAt } from '../../src/cli/shard.js';
import { root } from '../cli/cli.js';

const dir = join(root, 'deploy/k8s');

interface Manifest {
  readonly file: string;
  readonly doc: { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
}

const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
};

function manifests(): Manifest[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
        assert.deepEqual(d.errors, [], file);
        return { file, doc: d.toJS() as Manifest['doc'] };
      }),
    );
}

function validate(doc: Manifest['doc']): string | undefined {
  const Model = models[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return `no schema for ${doc.apiVersion} ${doc.kind}`;
  try {
    new Model(doc as never).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

test('every manifest under deploy/k8s passes its Kubernetes schema', () => {
  const all = manifests();
  assert.ok(all.length >= 6, `found ${all.length} manifests`);
  for (const { file, doc } of all)
    assert.equal(validate(doc), undefined, `${file}: ${doc.kind} ${doc.metadata.name}`);
});

test('the schema check catches a broken manifest', () => {
  const job = manifests().find((m) => m.doc.kind === 'Job')!.doc;
  const broken = JSON.parse(JSON.stringify(job)) as { spec: { completions: unknown } };
  broken.spec.completions = 'three';
  assert.match(validate(broken as never) ?? '', /completions must be integer/);
});

test('the shard Job runs `commbench run --shard $JOB_COMPLETION_INDEX/N --start-at` for each index', async () => {
  const all = manifests();
  const job = all.find((m) => m.doc.metadata.name === 'commbench-shards')!.doc as unknown as {
    spec: {
      completionMode: string;
      completions: number;
      parallelism: number;
      template: { spec: { containers: { args: string[]; envFrom: { configMapRef: { name: string } }[] }[] } };
    };
  };
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.parallelism, job.spec.completions, 'every shard runs at the same time');
  const container = job.spec.template.spec.containers[0]!;
  const configName = container.envFrom[0]!.configMapRef.name;
  const config = all.find((m) => m.doc.kind === 'ConfigMap' && m.doc.metadata.name === configName)!
    .doc as unknown as {
    data: Record<string, string>;
  };
  assert.equal(Number(config.data.SHARDS), job.spec.completions, 'SHARDS equals the Job completions');

  // Kubernetes expands $(VAR) from the container's environment: the ConfigMap and JOB_COMPLETION_INDEX.
  const expand = (index: number): string[] =>
    container.args.map((a) =>
      a.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
        const value = name === 'JOB_COMPLETION_INDEX' ? String(index) : config.data[name];
        assert.ok(value !== undefined, `$(${name}) is not defined`);
        return value;
      }),
    );
  const { Command } = await import('commander');
  const { registerRun } = await import('../../src/cli/run.js');
  const program = new Command();
  registerRun(program, () => {});
  const run = program.commands.find((c) => c.name() === 'run')!;
  const known = new Set(run.options.map((o) => o.long));
  const shards = new Set<string>();
  for (let i = 0; i < job.spec.completions; i++) {
    const args = expand(i);
    assert.equal(args[0], 'run');
    for (const flag of args.filter((a) => a.startsWith('--')))
      assert.ok(known.has(flag), `run has no ${flag}`);
    const value = (flag: string): string => args[args.indexOf(flag) + 1]!;
    const shard = parseShard(value('--shard'));
    assert.deepEqual(shard, { index: i, count: job.spec.completions });
    shards.add(value('--out'));
    // The example time is in the past by now: its form is what is checked (the range is checked when pods start).
    const startAt = value('--start-at');
    assert.ok(Number.isFinite(parseStartAt(startAt, Date.parse(startAt))));
  }
  assert.equal(shards.size, job.spec.completions, 'each shard writes its own result file');
});
