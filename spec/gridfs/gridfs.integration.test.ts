// GridFSBucket against the test server (FerretDB, or MONGODB_URI): upload/download, ranges,
// revisions, demand, aborts, indexes, the Node-stream surface and the spec's chunk errors.
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { filter, firstValueFrom, lastValueFrom, Observable, Subject, take, toArray } from 'rxjs';
import { replyFrames } from '../../src/connection/reply-frames.js';
import type { CommandStartedEvent } from '../../src/events/types.js';
import {
  concatMapWithDemand,
  GridFSBucket,
  MongoClient,
  MongoGridFSChunkError,
  MongoGridFSStreamError,
  MongoInvalidArgumentError,
} from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

/** `n` bytes whose value at offset i is a function of i, so any slice can be checked. */
const pattern = (from: number, n: number) =>
  Uint8Array.from({ length: n }, (_, i) => ((from + i) * 7 + 3) & 255);
const concatBytes = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('GridFS (integration)', () => {
  let client: MongoClient;
  let release: () => Promise<void>;
  let uri: string;
  const started: CommandStartedEvent[] = [];
  const dbName = `gridfs_it_${process.pid}`;
  const db = () => client.db(dbName);
  const bucket = (chunkSizeBytes = 4) => new GridFSBucket(db(), { bucketName: 'b', chunkSizeBytes });
  const docs = (coll: string) =>
    lastValueFrom(
      db()
        .collection(coll)
        .find({}, { sort: { n: 1 } })
        .toArray(),
    );
  const commandsSince = (mark: number) => started.slice(mark).map((e) => e.commandName);

  before(async () => {
    const server = await testServer();
    release = server.release;
    uri = server.uri;
    client = new MongoClient(server.uri, { monitorCommands: true });
    client.events$.subscribe((e) => {
      if (e.name === 'commandStarted') started.push(e);
    });
  });
  beforeEach(async () => {
    await lastValueFrom(db().dropDatabase());
  });
  after(async () => {
    await lastValueFrom(db().dropDatabase()).catch(() => undefined);
    await lastValueFrom(client.close());
    await release();
  });

  it('uploads in chunks and downloads the same bytes; emits the files document', async () => {
    const b = bucket(4);
    const file = await lastValueFrom(b.upload('ten', pattern(0, 10), { metadata: { owner: 'ann' } }));
    assert.equal(file.length, 10);
    assert.equal(file.chunkSize, 4);
    assert.equal(file.filename, 'ten');
    assert.deepEqual(file.metadata, { owner: 'ann' });
    assert.ok(file._id instanceof ObjectId);
    const chunks = await docs('b.chunks');
    assert.deepEqual(
      chunks.map((c) => [c.n, c.data.length()]),
      [
        [0, 4],
        [1, 4],
        [2, 2],
      ],
    );
    const parts = await lastValueFrom(b.download(file._id).pipe(toArray()));
    assert.deepEqual(
      parts.map((p) => p.byteLength),
      [4, 4, 2],
    );
    assert.deepEqual(concatBytes(parts), Buffer.from(pattern(0, 10)));
    const [found] = await lastValueFrom(b.find({ 'metadata.owner': 'ann' }).toArray());
    assert.deepEqual(found?._id, file._id);
  });

  it('chunk buffers are reused only when no commandStarted listener may hold their documents', async () => {
    // Pieces of 3 bytes into chunks of 4: every chunk is filled in a buffer of the upload's own.
    const pieces = (n: number) =>
      Array.from({ length: Math.ceil(n / 3) }, (_, i) => pattern(i * 3, Math.min(3, n - i * 3)));
    const mark = started.length;
    const watched = await lastValueFrom(bucket(4).upload('watched', pieces(40)));
    // This client monitors commands: each insert's event still shows the bytes that chunk was sent with.
    const inserts = started
      .slice(mark)
      .filter((e) => e.commandName === 'insert' && (e.command.insert as string) === 'b.chunks');
    assert.equal(inserts.length, 10);
    for (const e of inserts) {
      const chunk = (e.command.documents as { n: number; data: Uint8Array }[])[0] as {
        n: number;
        data: Uint8Array;
      };
      assert.deepEqual(Buffer.from(chunk.data), Buffer.from(pattern(chunk.n * 4, 4)), `chunk ${chunk.n}`);
    }
    assert.deepEqual(
      concatBytes(await lastValueFrom(bucket(4).download(watched._id).pipe(toArray()))),
      Buffer.from(pattern(0, 40)),
    );
    // A client nobody listens to reuses the buffers: the bytes stored are still each chunk's own.
    const quiet = new MongoClient(uri);
    try {
      const b = new GridFSBucket(quiet.db(dbName), { bucketName: 'b', chunkSizeBytes: 4 });
      const file = await lastValueFrom(b.upload('quiet', pieces(41)));
      const chunks = await lastValueFrom(
        quiet
          .db(dbName)
          .collection('b.chunks')
          .find({ files_id: file._id }, { sort: { n: 1 } })
          .toArray(),
      );
      assert.equal(chunks.length, 11);
      for (const c of chunks)
        assert.deepEqual(
          Buffer.from((c.data as { buffer: Uint8Array }).buffer),
          Buffer.from(pattern(c.n * 4, c.n === 10 ? 1 : 4)),
        );
    } finally {
      await lastValueFrom(quiet.close());
    }
  });

  it('batch replies are reused only when nothing else may hold them; kept chunks stay intact', async () => {
    // 40 chunks of 256 KiB, downloaded in batches of 16 (about 4 MiB each): 3 batch replies.
    const size = 40 * 256 * 1024;
    const quiet = new MongoClient(uri);
    try {
      const b = new GridFSBucket(quiet.db(dbName), { bucketName: 'b', chunkSizeBytes: 256 * 1024 });
      const file = await lastValueFrom(b.upload('big', pattern(0, size)));
      const before = { reused: replyFrames.reused, allocated: replyFrames.allocated };
      // Every chunk is kept until the end: none may change when a later batch reuses a buffer.
      const kept = await lastValueFrom(b.download(file._id).pipe(toArray()));
      assert.equal(kept.length, 40);
      assert.ok(concatBytes(kept).equals(Buffer.from(pattern(0, size))), 'the bytes downloaded');
      const lent = replyFrames.reused + replyFrames.allocated - before.reused - before.allocated;
      assert.equal(lent, 3, 'each batch reply was assembled in a buffer lent for it');
      assert.ok(replyFrames.reused - before.reused >= 2, 'the later batches reused one');
      // A ranged read over a pull iterator, and a second download: the same bytes.
      const range: Uint8Array[] = [];
      for await (const c of b.download(file._id, { start: 300_000, end: 9_000_000 })) range.push(c);
      assert.ok(concatBytes(range).equals(Buffer.from(pattern(300_000, 8_700_000))));
      // The main client monitors commands: a listener may keep a reply, so none is lent.
      const mark = { reused: replyFrames.reused, allocated: replyFrames.allocated };
      const watched = await lastValueFrom(
        bucket(256 * 1024)
          .download(file._id)
          .pipe(toArray()),
      );
      assert.ok(concatBytes(watched).equals(Buffer.from(pattern(0, size))));
      assert.deepEqual({ reused: replyFrames.reused, allocated: replyFrames.allocated }, mark);
    } finally {
      await lastValueFrom(quiet.close());
    }
  });

  it('takes pieces of any size from Observables, iterables, async iterables and Readables', async () => {
    const b = bucket(5);
    const all = pattern(0, 23);
    const pieces = [all.subarray(0, 1), all.subarray(1, 12), all.subarray(12, 13), all.subarray(13)];
    const sources = [
      new Observable<Uint8Array>((s) => {
        for (const p of pieces) s.next(p);
        s.complete();
      }),
      pieces,
      (async function* () {
        yield* pieces;
      })(),
      Readable.from(pieces.map((p) => Buffer.from(p))),
    ];
    for (const [i, source] of sources.entries()) {
      const file = await lastValueFrom(b.upload(`f${i}`, source, { id: i }));
      assert.equal(file.length, 23);
      const back = concatBytes(await lastValueFrom(b.download(i).pipe(toArray())));
      assert.deepEqual(back, Buffer.from(all), `source ${i}`);
    }
  });

  it('reads byte ranges from the chunks that hold them only', async () => {
    const b = bucket(4);
    const file = await lastValueFrom(b.upload('r', pattern(0, 17)));
    for (const [start, end] of [
      [0, 17],
      [5, 6],
      [3, 13],
      [4, 8],
      [16, 17],
      [8, 8],
      [0, 0],
      [17, 17],
    ] as const) {
      const mark = started.length;
      const back = concatBytes(await lastValueFrom(b.download(file._id, { start, end }).pipe(toArray())));
      assert.deepEqual(back, Buffer.from(pattern(start, end - start)), `[${start}, ${end})`);
      const find = started.slice(mark).find((e) => e.commandName === 'find' && e.command.find === 'b.chunks');
      if (start === end) assert.equal(find, undefined, 'no chunks query for an empty range');
      else if (start > 0 || end < 17) assert.deepEqual(find?.command.filter.n.$gte, Math.floor(start / 4));
    }
    await assert.rejects(
      lastValueFrom(b.download(file._id, { start: 5, end: 4 })),
      MongoInvalidArgumentError,
    );
    await assert.rejects(lastValueFrom(b.download(file._id, { end: 18 })), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(b.download(file._id, { start: -1 })), MongoInvalidArgumentError);
  });

  it('downloadByName picks revisions; missing files and revisions give distinct errors', async () => {
    const b = bucket(4);
    for (let r = 0; r < 3; r++) {
      await lastValueFrom(b.upload('doc', Uint8Array.of(r)));
      // uploadDate has ms resolution: wait for the clock to move on, so revisions sort apart.
      const now = Date.now();
      while (Date.now() === now) await new Promise((resolve) => setImmediate(resolve));
    }
    const byRevision = async (revision?: number) =>
      concatBytes(await lastValueFrom(b.downloadByName('doc', { revision }).pipe(toArray())))[0];
    assert.equal(await byRevision(), 2);
    assert.equal(await byRevision(0), 0);
    assert.equal(await byRevision(1), 1);
    assert.equal(await byRevision(-2), 1);
    const missing = await lastValueFrom(b.downloadByName('nope')).catch((e: Error) => e);
    const noRevision = await lastValueFrom(b.downloadByName('doc', { revision: 3 })).catch((e: Error) => e);
    assert.ok(missing instanceof MongoGridFSStreamError && noRevision instanceof MongoGridFSStreamError);
    assert.match(missing.message, /^FileNotFound/);
    assert.match(noRevision.message, /^RevisionNotFound/);
  });

  it('creates the spec indexes before the first upload only, and not when they exist', async () => {
    const b = bucket(4);
    let mark = started.length;
    await lastValueFrom(b.upload('a', pattern(0, 3)));
    assert.deepEqual(commandsSince(mark).slice(0, 5), [
      'find',
      'listIndexes',
      'createIndexes',
      'listIndexes',
      'createIndexes',
    ]);
    const indexes = await lastValueFrom(db().collection('b.chunks').indexes());
    const chunksIndex = indexes.find((i) => i.key.files_id === 1);
    assert.deepEqual(chunksIndex?.key, { files_id: 1, n: 1 });
    assert.equal(chunksIndex?.unique, true);
    const filesIndexes = await lastValueFrom(db().collection('b.files').indexes());
    assert.ok(filesIndexes.some((i) => i.key.filename === 1 && i.key.uploadDate === 1));
    mark = started.length;
    await lastValueFrom(b.upload('b', pattern(0, 3)));
    assert.deepEqual(commandsSince(mark), ['insert', 'insert']);
    // A new bucket on a non-empty files collection checks emptiness only.
    mark = started.length;
    await lastValueFrom(bucket(4).upload('c', pattern(0, 3)));
    assert.deepEqual(commandsSince(mark), ['find', 'insert', 'insert']);
    // Indexes made elsewhere (doubles, as the shell makes them) are recognised.
    await lastValueFrom(db().dropDatabase());
    await lastValueFrom(
      db()
        .collection('b.files')
        .createIndex({ filename: 1.0, uploadDate: 1.0 } as never),
    );
    mark = started.length;
    await lastValueFrom(bucket(4).upload('d', pattern(0, 3)));
    assert.deepEqual(commandsSince(mark).slice(0, 4), [
      'find',
      'listIndexes',
      'listIndexes',
      'createIndexes',
    ]);
  });

  it('download honours demand: chunks are fetched only as they are requested', async () => {
    const b = bucket(4);
    const file = await lastValueFrom(b.upload('d', pattern(0, 40)));
    const demand = new Subject<number>();
    const got: Uint8Array[] = [];
    const source = b.download(file._id, { batchSize: 3 });
    const settle = async (n: number) => {
      while (got.length < n) await new Promise((r) => setImmediate(r));
    };
    let mark = started.length;
    const sub = source.withDemand(demand).subscribe((p) => got.push(p));
    demand.next(2);
    await settle(2);
    assert.deepEqual(commandsSince(mark), ['find', 'find'], 'files document, then the first batch of chunks');
    mark = started.length;
    demand.next(1);
    await settle(3);
    assert.deepEqual(commandsSince(mark), [], 'the buffered batch covers the third chunk');
    demand.next(1);
    await settle(4);
    assert.deepEqual(commandsSince(mark), ['getMore']);
    assert.equal(got.length, 4);
    sub.unsubscribe();
    // The demand operators drive it too: each write finishes before the next chunk is requested.
    let inWork = 0;
    let maxInWork = 0;
    const all = await lastValueFrom(
      b.download(file._id).pipe(
        concatMapWithDemand(
          (p) =>
            new Observable<Uint8Array>((s) => {
              inWork++;
              maxInWork = Math.max(maxInWork, inWork);
              setImmediate(() => {
                inWork--;
                s.next(p);
                s.complete();
              });
            }),
        ),
        toArray(),
      ),
    );
    assert.equal(maxInWork, 1);
    assert.deepEqual(concatBytes(all), Buffer.from(pattern(0, 40)));
    const it = b.download(file._id)[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.byteLength, 4);
    await it.return?.();
  });

  it('copies a file from a download (a demand source): one chunk requested at a time', async () => {
    const b = bucket(4);
    const original = await lastValueFrom(b.upload('orig', pattern(0, 30)));
    const mark = started.length;
    const copy = await lastValueFrom(b.upload('copy', b.download(original._id, { batchSize: 2 })));
    assert.equal(copy.length, 30);
    assert.deepEqual(
      concatBytes(await lastValueFrom(b.download(copy._id).pipe(toArray()))),
      Buffer.from(pattern(0, 30)),
    );
    // Pulled as the inserts went: the chunk reads (find + getMores of 2) interleave with the inserts.
    const sent = commandsSince(mark).filter((c) => c === 'getMore' || c === 'insert');
    assert.ok(sent.indexOf('insert') < sent.lastIndexOf('getMore'), sent.join(','));
  });

  it('a source error aborts: the chunks written are deleted and the source error is raised', async () => {
    const b = bucket(4);
    const boom = new Error('source broke');
    const source = (async function* () {
      yield pattern(0, 10);
      throw boom;
    })();
    await assert.rejects(lastValueFrom(b.upload('x', source, { id: 'x' })), (e) => e === boom);
    assert.deepEqual(await docs('b.chunks'), []);
    assert.deepEqual(await docs('b.files'), []);
  });

  it('unsubscribing aborts: the chunks written are deleted, the source is stopped', async () => {
    const b = bucket(4);
    const feed = new Subject<Uint8Array>();
    let finalized = false;
    const source = new Observable<Uint8Array>((s) => {
      const inner = feed.subscribe(s);
      return () => {
        finalized = true;
        inner.unsubscribe();
      };
    });
    const sub = b.upload('u', source, { id: 'u' }).subscribe({ error: () => {} });
    // Wait for the index check, then feed three chunks and wait for them to be written.
    const inserted = (n: number) =>
      firstValueFrom(
        client.events$.pipe(
          filter((e) => e.name === 'commandSucceeded' && e.commandName === 'insert'),
          take(n),
          toArray(),
        ),
      );
    const three = inserted(3);
    for (let i = 0; i < 3; i++) feed.next(pattern(i * 4, 4));
    await three;
    assert.equal((await docs('b.chunks')).length, 3);
    const deleted = firstValueFrom(
      client.events$.pipe(filter((e) => e.name === 'commandSucceeded' && e.commandName === 'delete')),
    );
    sub.unsubscribe();
    await deleted;
    assert.equal(finalized, true);
    assert.deepEqual(await docs('b.chunks'), []);
    assert.deepEqual(await docs('b.files'), []);
  });

  it('missing, short and extra chunks are the spec errors; a missing file is FileNotFound', async () => {
    const b = bucket(4);
    const file = await lastValueFrom(b.upload('c', pattern(0, 12)));
    const chunks = db().collection('b.chunks');
    const download = () => lastValueFrom(b.download(file._id).pipe(toArray()));
    await lastValueFrom(chunks.insertOne({ files_id: file._id, n: 3, data: Uint8Array.of(1) }));
    await assert.rejects(
      download(),
      (e) => e instanceof MongoGridFSChunkError && /^ExtraChunk/.test(e.message),
    );
    await lastValueFrom(chunks.deleteOne({ files_id: file._id, n: 3 }));
    await lastValueFrom(chunks.updateOne({ files_id: file._id, n: 1 }, { $set: { data: Uint8Array.of(1) } }));
    await assert.rejects(
      download(),
      (e) => e instanceof MongoGridFSChunkError && /^ChunkIsWrongSize/.test(e.message),
    );
    await lastValueFrom(chunks.deleteOne({ files_id: file._id, n: 2 }));
    await lastValueFrom(chunks.deleteOne({ files_id: file._id, n: 1 }));
    await assert.rejects(
      download(),
      (e) => e instanceof MongoGridFSChunkError && /^ChunkIsMissing/.test(e.message),
    );
    await assert.rejects(lastValueFrom(b.download('nope')), MongoGridFSStreamError);
  });

  it('delete, rename, renameByName, deleteByName and drop', async () => {
    const b = bucket(4);
    const one = await lastValueFrom(b.upload('one', pattern(0, 9)));
    await lastValueFrom(b.upload('two', pattern(0, 2)));
    await lastValueFrom(b.upload('two', pattern(0, 2)));
    await lastValueFrom(b.rename(one._id, 'uno'));
    assert.deepEqual((await lastValueFrom(b.find({ filename: 'uno' }).toArray())).length, 1);
    await lastValueFrom(b.renameByName('two', 'dos'));
    assert.deepEqual((await lastValueFrom(b.find({ filename: 'dos' }).toArray())).length, 2);
    await lastValueFrom(b.delete(one._id));
    assert.equal((await docs('b.chunks')).length, 2);
    await assert.rejects(lastValueFrom(b.delete(one._id)), MongoGridFSStreamError);
    await assert.rejects(lastValueFrom(b.rename(one._id, 'x')), MongoGridFSStreamError);
    await assert.rejects(lastValueFrom(b.renameByName('nothing', 'x')), MongoGridFSStreamError);
    await lastValueFrom(b.deleteByName('dos'));
    assert.deepEqual(await docs('b.chunks'), []);
    await assert.rejects(lastValueFrom(b.deleteByName('dos')), MongoGridFSStreamError);
    await lastValueFrom(b.upload('again', pattern(0, 2)));
    await lastValueFrom(b.drop());
    const names = await lastValueFrom(db().listCollections({}, { nameOnly: true }).pipe(toArray()));
    assert.deepEqual(
      names.map((c) => c.name).filter((n) => n.startsWith('b.')),
      [],
    );
  });

  it('Node streams: openUploadStream / openDownloadStream with pipeline, ranges and abort', async () => {
    const b = bucket(1000);
    const data = Buffer.from(pattern(0, 10_000));
    const up = b.openUploadStream('s', { metadata: { via: 'stream' } });
    await pipeline(Readable.from([data.subarray(0, 3333), data.subarray(3333)]), up);
    assert.equal(up.gridFSFile?.length, 10_000);
    assert.ok(up.id instanceof ObjectId);
    const read = async (stream: Readable) => {
      const parts: Buffer[] = [];
      await pipeline(
        stream,
        new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _e, cb) {
            parts.push(chunk);
            setImmediate(cb);
          },
        }),
      );
      return Buffer.concat(parts);
    };
    assert.deepEqual(await read(b.openDownloadStream(up.id)), data);
    assert.deepEqual(
      await read(b.openDownloadStream(up.id).start(1500).end(4321)),
      data.subarray(1500, 4321),
    );
    assert.deepEqual(await read(b.openDownloadStreamByName('s', { start: 10 })), data.subarray(10));
    const withId = b.openUploadStreamWithId('custom', 'w');
    withId.end(data.subarray(0, 2500));
    await new Promise((r) => withId.on('finish', r));
    assert.equal(withId.gridFSFile?._id, 'custom');
    const aborted = b.openUploadStreamWithId('gone', 'g');
    await new Promise<void>((r) => aborted.write(data.subarray(0, 2500), () => r()));
    await aborted.abort();
    assert.equal(
      (await lastValueFrom(db().collection('b.chunks').find({ files_id: 'gone' }).toArray())).length,
      0,
    );
    await assert.rejects(aborted.abort(), /abort/);
    await assert.rejects(read(b.openDownloadStream('missing')), MongoGridFSStreamError);
  });

  it('bad arguments are typed errors', async () => {
    assert.throws(() => new GridFSBucket(db(), { chunkSizeBytes: 0 }), MongoInvalidArgumentError);
    assert.throws(() => new GridFSBucket(db(), { bucketName: '' }), MongoInvalidArgumentError);
    const b = bucket(4);
    await assert.rejects(lastValueFrom(b.upload(3 as never, pattern(0, 1))), MongoInvalidArgumentError);
    await assert.rejects(
      lastValueFrom(b.upload('x', pattern(0, 1), { chunkSizeBytes: 1.5 })),
      MongoInvalidArgumentError,
    );
    await assert.rejects(lastValueFrom(b.upload('x', ['text' as never])), MongoInvalidArgumentError);
    let subscribed = false;
    const watched = new Observable<Uint8Array>(() => {
      subscribed = true;
    });
    await assert.rejects(
      lastValueFrom(b.upload('x', watched, { chunkSizeBytes: -1 })),
      MongoInvalidArgumentError,
    );
    assert.equal(subscribed, false, 'a bad call never subscribes to the source');
  });
});
