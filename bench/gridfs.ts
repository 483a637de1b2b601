// GridFS throughput, mongorx against the official driver's GridFSBucket on the same server, same
// data and chunk size: interleaved trials (the order alternates each trial), medians reported.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket as OfficialBucket, MongoClient as OfficialClient } from 'mongodb';
import { lastValueFrom } from 'rxjs';
import { loadPackage } from './package-under-test.js';
import { load1, loadNote, median, spread } from './stats.js';

const FILE_BYTES = 32 * 1024 * 1024;
const PIECE = 64 * 1024;

/** The file as 64 KiB pieces from a Node Readable (what both drivers' users would pipe in). */
const pieces = () =>
  Readable.from(
    (function* () {
      for (let o = 0; o < FILE_BYTES; o += PIECE) yield Buffer.alloc(PIECE, o & 255);
    })(),
  );

/** A sink that only counts. */
const sink = (count: { n: number }) =>
  new Writable({
    write(chunk: Buffer, _e, cb) {
      count.n += chunk.length;
      cb();
    },
  });

async function timed(fn: () => Promise<number>): Promise<number> {
  const t = performance.now();
  const bytes = await fn();
  if (bytes !== FILE_BYTES) throw new Error(`moved ${bytes} bytes, expected ${FILE_BYTES}`);
  return performance.now() - t;
}

export async function gridfsBench(uri: string, trials: number): Promise<string[]> {
  const { GridFSBucket, MongoClient } = await loadPackage();
  const loads: number[] = [];
  const rx = new MongoClient(uri);
  const official = new OfficialClient(uri);
  const rxBucket = new GridFSBucket(rx.db('bench_gridfs'), { bucketName: 'rx' });
  const offBucket = new OfficialBucket(official.db('bench_gridfs'), { bucketName: 'off' });
  const cases: Record<string, () => Promise<number>> = {
    'mongorx upload(Readable)': async () => (await lastValueFrom(rxBucket.upload('u', pieces()))).length,
    'mongorx openUploadStream': async () => {
      const up = rxBucket.openUploadStream('u');
      await pipeline(pieces(), up);
      return up.gridFSFile?.length ?? 0;
    },
    'official openUploadStream': async () => {
      const up = offBucket.openUploadStream('u');
      await pipeline(pieces(), up);
      return up.gridFSFile?.length ?? 0;
    },
    'mongorx download (for await)': async () => {
      let n = 0;
      for await (const bytes of rxBucket.downloadByName('f')) n += bytes.byteLength;
      return n;
    },
    'mongorx openDownloadStream': async () => {
      const count = { n: 0 };
      await pipeline(rxBucket.openDownloadStreamByName('f'), sink(count));
      return count.n;
    },
    'official openDownloadStream': async () => {
      const count = { n: 0 };
      await pipeline(offBucket.openDownloadStreamByName('f'), sink(count));
      return count.n;
    },
  };
  const times: Record<string, number[]> = {};
  try {
    await lastValueFrom(rx.db('bench_gridfs').dropDatabase());
    // The file both drivers download, one per bucket.
    await lastValueFrom(rxBucket.upload('f', pieces()));
    await pipeline(pieces(), offBucket.openUploadStream('f'));
    const names = Object.keys(cases);
    const uploads = names.filter((n) => n.includes('pload'));
    const downloads = names.filter((n) => !n.includes('pload'));
    for (let trial = 0; trial < trials; trial++) {
      loads.push(load1());
      // Alternate the order, so neither driver always runs on a warmer (or busier) server.
      for (const group of [uploads, downloads]) {
        const order = trial % 2 === 0 ? group : [...group].reverse();
        for (const name of order) {
          const ms = await timed(cases[name] as () => Promise<number>);
          times[name] = [...(times[name] ?? []), ms];
          // Each bucket keeps only the download file: FerretDB's chunk queries slow down with
          // the collection's size, so both drivers read from collections of the same size.
          await lastValueFrom(rxBucket.deleteByName('u')).catch(() => undefined);
          for (const file of await offBucket.find({ filename: 'u' }).toArray())
            await offBucket.delete(file._id);
        }
      }
      console.error(`  gridfs trial ${trial + 1}/${trials}`);
    }
  } finally {
    await lastValueFrom(rx.db('bench_gridfs').dropDatabase()).catch(() => undefined);
    await lastValueFrom(rx.close());
    await official.close();
  }
  const mbs = (ms: number) => (FILE_BYTES / 1024 / 1024 / (ms / 1000)).toFixed(1);
  const row = (name: string, base: string) => {
    const m = median(times[name] as number[]);
    const b = median(times[base] as number[]);
    return `| ${name} | ${Math.round(m)} | ${spread(times[name] as number[])} | ${mbs(m)} | ${(b / m).toFixed(2)}x |`;
  };
  return [
    `### GridFS: ${FILE_BYTES / 1024 / 1024} MiB file, 255 KiB chunks, median of ${trials} interleaved trials — FerretDB v1.24 (SQLite)`,
    '',
    '| case | median ms | spread ms | MB/s | speed vs official |',
    '|---|---:|---:|---:|---:|',
    row('mongorx upload(Readable)', 'official openUploadStream'),
    row('mongorx openUploadStream', 'official openUploadStream'),
    row('official openUploadStream', 'official openUploadStream'),
    row('mongorx download (for await)', 'official openDownloadStream'),
    row('mongorx openDownloadStream', 'official openDownloadStream'),
    row('official openDownloadStream', 'official openDownloadStream'),
    '',
    `Load (1-min average, 2 cores) during the trials: ${loadNote(loads)}.`,
    '',
  ];
}
