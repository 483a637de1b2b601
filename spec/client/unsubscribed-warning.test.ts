// The development safety net: an operation Observable collected without ever being subscribed warns
// once per operation name (FinalizationRegistry). Proven by forcing collection and counting warnings.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import {
  redirectUnsubscribedWarnings,
  UNSUBSCRIBED_WARNING_CODE,
} from '../../src/client/unsubscribed-warning.js';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { parseConnectionString } from '../../src/uri/index.js';
import type { MongoRxWarning } from '../../src/uri/warnings.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const seen: MongoRxWarning[] = [];
const restore = redirectUnsubscribedWarnings((w) => seen.push(w));
after(restore);

/** Collects garbage and lets finalizers run, a fixed number of rounds. */
async function collect(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Calls `make` in its own frame so nothing in this one keeps its result alive. */
function drop(make: () => unknown): void {
  make();
}

describe('warning for operation Observables never subscribed', () => {
  beforeEach(() => {
    seen.length = 0;
    redirectUnsubscribedWarnings((w) => seen.push(w));
  });

  it('warns once per operation name, naming it', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:1/', { warnUnsubscribed: true });
    const coll = client.db('d').collection('c');
    for (let i = 0; i < 5; i++) drop(() => coll.insertOne({ i }));
    drop(() => coll.deleteMany({}));
    drop(() => client.close());
    await collect();
    const messages = seen.map((w) => w.message).sort();
    assert.equal(seen.length, 3, messages.join('\n'));
    assert.match(
      messages[0] ?? '',
      /^Collection\.deleteMany\(\) returned an Observable that was never subscribed/,
    );
    assert.match(messages[1] ?? '', /^Collection\.insertOne\(\)/);
    assert.match(messages[2] ?? '', /^MongoClient\.close\(\)/);
    for (const w of seen) {
      assert.equal(w.code, UNSUBSCRIBED_WARNING_CODE);
      assert.match(w.message, /lastValueFrom/);
    }
  });

  it('stays silent for subscribed Observables and for cursors', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:1/', { warnUnsubscribed: true });
    const coll = client.db('d').collection('c');
    // Errors on subscribe (bad document) without touching the network: it was subscribed.
    for (let i = 0; i < 3; i++) {
      await assert.rejects(lastValueFrom(coll.insertOne('x' as never)), MongoInvalidArgumentError);
    }
    drop(() => coll.find({}).sort({ a: 1 }));
    drop(() => coll.aggregate([]));
    await collect();
    assert.deepEqual(
      seen.map((w) => w.message),
      [],
    );
  });

  it('is off with warnUnsubscribed: false, and by default when NODE_ENV is production', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:1/', { warnUnsubscribed: false });
    for (let i = 0; i < 3; i++) drop(() => client.db('d').collection('c').insertOne({}));
    await collect();
    assert.equal(seen.length, 0);
    const env = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      assert.equal(parseConnectionString('mongodb://h/').warnUnsubscribed, false);
      process.env.NODE_ENV = 'development';
      assert.equal(parseConnectionString('mongodb://h/').warnUnsubscribed, true);
    } finally {
      if (env === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = env;
    }
  });
});
