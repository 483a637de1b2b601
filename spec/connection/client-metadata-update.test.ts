// mongodb-handshake prose tests: client.env for FaaS and containers (Test 1), and metadata
// appended after MongoClient initialization (Client Metadata Update Prose Tests 1-8), observed in
// the handshakes the mock server receives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateObjectSize, type Document } from 'bson';
import { lastValueFrom } from 'rxjs';
import {
  buildClientMetadata,
  type DriverInfo,
  environmentMetadata,
  MAX_METADATA_BYTES,
} from '../../src/connection/client-metadata.js';
import { MongoClient, MongoInvalidArgumentError } from '../../src/index.js';
import { MockServer } from '../support/mock-server/index.js';

describe('handshake client.env (prose Test 1)', () => {
  const aws = {
    AWS_EXECUTION_ENV: 'AWS_Lambda_java8',
    AWS_REGION: 'us-east-2',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  };
  const cases: Array<[string, NodeJS.ProcessEnv, Document | undefined]> = [
    ['valid AWS', aws, { name: 'aws.lambda', region: 'us-east-2', memory_mb: 1024 }],
    ['valid Azure', { FUNCTIONS_WORKER_RUNTIME: 'node' }, { name: 'azure.func' }],
    [
      'valid GCP',
      {
        K_SERVICE: 'servicename',
        FUNCTION_MEMORY_MB: '1024',
        FUNCTION_TIMEOUT_SEC: '60',
        FUNCTION_REGION: 'us-central1',
      },
      { name: 'gcp.func', memory_mb: 1024, timeout_sec: 60, region: 'us-central1' },
    ],
    ['valid Vercel', { VERCEL: '1', VERCEL_REGION: 'cdg1' }, { name: 'vercel', region: 'cdg1' }],
    ['vercel wins over AWS', { ...aws, VERCEL: '1' }, { name: 'vercel' }],
    [
      'multiple providers',
      { AWS_EXECUTION_ENV: 'AWS_Lambda_java8', FUNCTIONS_WORKER_RUNTIME: 'node' },
      undefined,
    ],
    [
      'wrong types',
      { AWS_EXECUTION_ENV: 'AWS_Lambda_java8', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'big' },
      { name: 'aws.lambda' },
    ],
    ['AWS_EXECUTION_ENV not AWS_Lambda_', { AWS_EXECUTION_ENV: 'EC2' }, undefined],
    [
      'container and FaaS',
      { ...aws, KUBERNETES_SERVICE_HOST: '1' },
      { name: 'aws.lambda', region: 'us-east-2', memory_mb: 1024, container: { orchestrator: 'kubernetes' } },
    ],
  ];
  for (const [name, env, expected] of cases)
    it(name, () => assert.deepEqual(environmentMetadata(env, false), expected));

  it('docker from /.dockerenv', () =>
    assert.deepEqual(environmentMetadata({}, true), { container: { runtime: 'docker' } }));

  it('a long region is cut by the 512-byte rule, keeping env.name', () => {
    const env = environmentMetadata(
      { AWS_EXECUTION_ENV: 'AWS_Lambda_java8', AWS_REGION: 'a'.repeat(512) },
      false,
    );
    const m = buildClientMetadata({ env });
    assert.ok(calculateObjectSize(m) <= MAX_METADATA_BYTES);
    assert.deepEqual(m.env, { name: 'aws.lambda' });
  });
});

describe('appendMetadata (Client Metadata Update prose tests)', () => {
  let server: MockServer;
  before(async () => {
    server = await MockServer.start();
  });
  after(async () => {
    await server.stop();
  });

  /** Runs a ping on a fresh connection and returns that connection's handshake `client` document. */
  async function pingMetadata(client: MongoClient): Promise<Document> {
    // maxIdleTimeMS is 1: once the clock has moved on, the pooled connection is stale and a new one is made.
    const now = Date.now();
    while (Date.now() < now + 2) await new Promise((r) => setImmediate(r));
    const mark = server.requests.length;
    await lastValueFrom(client.db('admin').command({ ping: 1 }));
    const ping = server.requests.slice(mark).find((r) => r.commandName === 'ping');
    const hello = server.requests.find((r) => r.connectionId === ping?.connectionId && r.command.client);
    assert.ok(hello, 'the ping ran on a connection whose handshake was seen');
    return hello.command.client;
  }

  const tail = (s: string) => s.split('|').slice(1).join('|');
  const info = (m: Document) => ({
    name: tail(m.driver.name),
    version: tail(m.driver.version),
    platform: tail(m.platform),
  });
  const withClient = async (options: { driverInfo?: DriverInfo }, fn: (c: MongoClient) => Promise<void>) => {
    const client = new MongoClient(server.uri, { ...options, maxIdleTimeMS: 1, directConnection: true });
    try {
      await fn(client);
    } finally {
      await lastValueFrom(client.close());
    }
  };
  const library = { name: 'library', version: '1.2', platform: 'Library Platform' };
  const cases: DriverInfo[] = [
    { name: 'framework', version: '2.0', platform: 'Framework Platform' },
    { name: 'framework', version: '2.0' },
    { name: 'framework', platform: 'Framework Platform' },
    { name: 'framework' },
  ];

  for (const [i, c] of cases.entries()) {
    for (const how of ['at initialization', 'after initialization'] as const) {
      it(`appends case ${i + 1} to metadata given ${how} (Tests 1, 2)`, async () => {
        await withClient(how === 'at initialization' ? { driverInfo: library } : {}, async (client) => {
          if (how === 'after initialization') client.appendMetadata(library);
          const before = await pingMetadata(client);
          assert.deepEqual(info(before), library);
          client.appendMetadata(c);
          const afterAppend = await pingMetadata(client);
          assert.deepEqual(info(afterAppend), {
            name: `library|${c.name}`,
            version: c.version ? `1.2|${c.version}` : '1.2',
            platform: c.platform ? `Library Platform|${c.platform}` : 'Library Platform',
          });
          const { driver: _a, platform: _b, ...rest } = afterAppend;
          const { driver: _c, platform: _d, ...restBefore } = before;
          assert.deepEqual(rest, restBefore, 'all other fields unchanged');
        });
      });
    }
  }

  it('a DriverInfo equal to any given before appends nothing (Tests 3-6)', async () => {
    await withClient({ driverInfo: library }, async (client) => {
      client.appendMetadata(library);
      assert.deepEqual(info(await pingMetadata(client)), library);
      client.appendMetadata({ name: 'framework', version: '1.2', platform: 'Library Platform' });
      const once = await pingMetadata(client);
      assert.deepEqual(info(once), {
        name: 'library|framework',
        version: '1.2|1.2',
        platform: 'Library Platform|Library Platform',
      });
      client.appendMetadata(library);
      assert.deepEqual(await pingMetadata(client), once);
    });
  });

  it('empty strings count as unset (Tests 7, 8)', async () => {
    for (const [first, again] of [
      [
        { name: 'library', platform: 'Library Platform' },
        { name: 'library', version: '', platform: 'Library Platform' },
      ],
      [
        { name: 'library', version: '1.2' },
        { name: 'library', version: '1.2', platform: '' },
      ],
    ] as const) {
      await withClient({ driverInfo: first }, async (client) => {
        const initial = await pingMetadata(client);
        client.appendMetadata(again);
        assert.deepEqual(await pingMetadata(client), initial);
      });
    }
  });

  it('the "|" delimiter in a value is a MongoInvalidArgumentError', async () => {
    await withClient({}, async (client) => {
      assert.throws(() => client.appendMetadata({ name: 'a|b' }), MongoInvalidArgumentError);
    });
  });
});
