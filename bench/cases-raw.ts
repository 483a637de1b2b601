// The ceilings: raw BSON.deserialize of the reply bodies the streaming cases decode, and raw
// BSON.serialize of the documents insertMany sends.
import { deserialize, serialize } from 'bson';
import { insertDocuments } from './cases-shared.js';
import { replyDocument } from './data.js';
import { Meter, type TrialResult, type TrialSpec, timed } from './meter.js';

const meter = new Meter();
const bodies = new Map<string, Uint8Array>();

export async function runTrial(spec: TrialSpec): Promise<TrialResult> {
  if (spec.case === 'decode') {
    const key = `${spec.collection}:${spec.batchSize}`;
    let body = bodies.get(key);
    if (!body) {
      body = serialize(replyDocument(spec.collection, spec.batchSize, 'nextBatch', 1n));
      bodies.set(key, body);
      for (let i = 0; i < 5; i++) deserialize(body);
    }
    const reply = body;
    return timed(meter, async () => {
      let n = 0;
      for (let i = 0; i < spec.total / spec.batchSize; i++) {
        n += (deserialize(reply) as { cursor: { nextBatch: unknown[] } }).cursor.nextBatch.length;
      }
      return n;
    });
  }
  if (spec.case === 'encode') {
    const docs = insertDocuments(spec.total);
    return timed(meter, async () => {
      let bytes = 0;
      for (const d of docs) bytes += serialize(d).length;
      return bytes > 0 ? docs.length : 0;
    });
  }
  throw new Error(`raw has no case ${spec.case}`);
}

export async function closeAll(): Promise<void> {}
