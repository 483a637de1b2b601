// The codecs a connection compresses and decompresses with. zlib and noop are node:zlib; snappy
// and zstd come from the optional peer dependencies the official driver uses (`snappy`,
// `@mongodb-js/zstd`; zstd from node:zlib first where Node has it, 22.15+). Those packages are
// imported on first use only, so an application that never negotiates them never loads them, and
// one that lacks them gets MongoMissingDependencyError through the command that needed them.
import * as zlib from 'node:zlib';
import { MongoMissingDependencyError } from '../errors.js';
import {
  builtInCodec,
  type CodecLookup,
  type CompressionCodec,
  type Compressor,
  NOOP_CODEC,
  zlibCodec,
} from '../wire/index.js';

/** `import()` of a package by name; tests pass their own to play a missing or broken package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Where the optional codecs come from (defaults: `import()` and node:zlib). */
export interface CodecSources {
  readonly importer?: ModuleImporter;
  /** node:zlib, or a stand-in: its zstdCompress/zstdDecompress are used when present. */
  readonly zlib?: object;
}

/** The packages, as `npm install` names them. */
export const SNAPPY_PACKAGE = 'snappy';
export const ZSTD_PACKAGE = '@mongodb-js/zstd';

/** zstd level the official driver compresses with. */
const ZSTD_LEVEL = 3;

const nativeImport: ModuleImporter = (specifier) => import(specifier);

interface SnappyModule {
  compress(data: Buffer): Promise<Buffer>;
  uncompress(data: Buffer, options: { asBuffer: true }): Promise<Buffer | string>;
}

interface ZstdModule {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

type Callback = (error: Error | null, result: Buffer) => void;
interface ZlibZstd {
  zstdCompress(data: Buffer, options: object, callback: Callback): void;
  zstdDecompress(data: Buffer, options: object, callback: Callback): void;
  constants: Record<string, number>;
}

/** The CommonJS exports of a package whether `import()` gave them as the namespace or its default. */
function exportsOf(namespace: unknown): Record<string, unknown> {
  const ns = (namespace ?? {}) as Record<string, unknown>;
  const fallback = (ns.default ?? {}) as Record<string, unknown>;
  return new Proxy(ns, { get: (target, key) => target[key as string] ?? fallback[key as string] });
}

function missing(packageName: string, purpose: string, cause: unknown): MongoMissingDependencyError {
  return new MongoMissingDependencyError(
    `Optional module \`${packageName}\` not found. Please install it to enable ${purpose}`,
    { cause, dependencyName: packageName },
  );
}

/** Imports an optional package and checks it has the functions the codec calls. */
async function importPackage<T>(
  importer: ModuleImporter,
  packageName: string,
  purpose: string,
  functions: readonly string[],
): Promise<T> {
  let module: Record<string, unknown>;
  try {
    module = exportsOf(await importer(packageName));
  } catch (error) {
    throw missing(packageName, purpose, error);
  }
  if (!functions.every((n) => typeof module[n] === 'function')) {
    throw missing(packageName, `${purpose} (it has no ${functions.join('/')})`, undefined);
  }
  return module as unknown as T;
}

async function loadSnappy(importer: ModuleImporter): Promise<CompressionCodec> {
  const snappy = await importPackage<SnappyModule>(importer, SNAPPY_PACKAGE, 'snappy compression', [
    'compress',
    'uncompress',
  ]);
  return {
    name: 'snappy',
    compress: (data) => snappy.compress(data),
    decompress: async (data) => {
      const out = await snappy.uncompress(data, { asBuffer: true });
      return typeof out === 'string' ? Buffer.from(out) : out;
    },
  };
}

/** node:zlib's zstd (Node 22.15+), used before the package as the official driver does. */
function builtInZstd(source: object | undefined): CompressionCodec | undefined {
  const z = source as Partial<ZlibZstd> | undefined;
  if (typeof z?.zstdCompress !== 'function' || typeof z.zstdDecompress !== 'function') return undefined;
  const { zstdCompress, zstdDecompress } = z as ZlibZstd;
  const level = z.constants?.ZSTD_c_compressionLevel;
  const promised = (run: (cb: Callback) => void) =>
    new Promise<Buffer>((resolve, reject) => run((e, r) => (e ? reject(e) : resolve(r))));
  return {
    name: 'zstd',
    compress: (data) =>
      promised((cb) =>
        zstdCompress(data, level === undefined ? {} : { params: { [level]: ZSTD_LEVEL } }, cb),
      ),
    // maxOutputLength bounds memory against a lying size; one more byte lets the check see the lie.
    decompress: (data, size) => promised((cb) => zstdDecompress(data, { maxOutputLength: size + 1 }, cb)),
  };
}

async function loadZstd(importer: ModuleImporter, zlibSource: object | undefined): Promise<CompressionCodec> {
  const builtIn = builtInZstd(zlibSource);
  if (builtIn) return builtIn;
  const zstd = await importPackage<ZstdModule>(
    importer,
    ZSTD_PACKAGE,
    'zstd compression (or use Node.js 22.15+, which has zstd built in)',
    ['compress', 'decompress'],
  );
  return {
    name: 'zstd',
    compress: (data) => zstd.compress(data, ZSTD_LEVEL),
    decompress: (data) => zstd.decompress(data),
  };
}

/**
 * A codec that loads its implementation on first use and answers with Promises. A failed load is
 * not remembered: the next use tries again (the package may have been installed meanwhile).
 */
function lazyCodec(name: Compressor, load: () => Promise<CompressionCodec>): CompressionCodec {
  let loading: Promise<CompressionCodec> | undefined;
  const codec = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    name,
    compress: async (data) => (await codec()).compress(data),
    decompress: async (data, size) => (await codec()).decompress(data, size),
  };
}

/** Every codec, the optional ones loaded when first used. */
export function createCodecs(sources: CodecSources = {}): CodecLookup {
  const importer = sources.importer ?? nativeImport;
  const zlibSource = 'zlib' in sources ? sources.zlib : zlib;
  const snappy = lazyCodec('snappy', () => loadSnappy(importer));
  const zstd = lazyCodec('zstd', () => loadZstd(importer, zlibSource));
  return (name) => (name === 'snappy' ? snappy : name === 'zstd' ? zstd : builtInCodec(name));
}

/** The process's codecs: each optional package is imported at most once (once it loads). */
export const defaultCodecs: CodecLookup = createCodecs();

const EMPTY = Buffer.alloc(0);
const installed = new WeakMap<CodecLookup, Map<string, Promise<boolean>>>();

/**
 * Whether `name` can compress here. The optional codecs are probed once per codec set by
 * compressing nothing (which imports their package); the answer is kept, so a missing package
 * costs one failed import, not one per connection.
 */
function codecInstalled(codecs: CodecLookup, name: Compressor): Promise<boolean> {
  let known = installed.get(codecs);
  if (!known) {
    known = new Map();
    installed.set(codecs, known);
  }
  let answer = known.get(name);
  if (!answer) {
    const codec = codecs(name);
    answer = codec
      ? Promise.resolve()
          .then(() => codec.compress(EMPTY))
          .then(
            () => true,
            () => false,
          )
      : Promise.resolve(false);
    known.set(name, answer);
  }
  return answer;
}

/**
 * The compressors the handshake offers (OP_COMPRESSED spec, issue 15): those of the URI the driver
 * implements and can load here, in the URI's order. zlib is built in and needs no probe; snappy and
 * zstd are offered only when their package (or Node's zstd) is installed.
 */
export function offeredCompressors(
  names: readonly string[] | undefined,
  codecs: CodecLookup,
): readonly string[] | Promise<readonly string[]> {
  const known = (names ?? []).filter(isImplementedCompressor);
  // Synchronous unless a probe is needed: the handshake takes no extra turn (nor leaves virtual time).
  if (!known.some((c) => c === 'snappy' || c === 'zstd')) return known;
  return Promise.all(known.map((c) => (c === 'zlib' ? true : codecInstalled(codecs, c)))).then((usable) =>
    known.filter((_, i) => usable[i]),
  );
}

/** The compressors of the spec this driver implements (noop is never offered). */
const IMPLEMENTED_COMPRESSORS: ReadonlySet<string> = new Set<Compressor>(['snappy', 'zlib', 'zstd']);

/** A compressor name this driver implements (names the spec does not know are never offered). */
export function isImplementedCompressor(name: string): name is Compressor {
  return IMPLEMENTED_COMPRESSORS.has(name);
}

/** The codec a connection compresses its commands with, once `name` is negotiated. */
export function compressingCodec(
  name: Compressor,
  codecs: CodecLookup,
  zlibCompressionLevel: number | undefined,
): CompressionCodec | undefined {
  if (name === 'zlib' && zlibCompressionLevel !== undefined) return zlibCodec(zlibCompressionLevel);
  if (name === 'noop') return NOOP_CODEC;
  return codecs(name);
}
