// A tiny authoritative DNS server on 127.0.0.1 (UDP) answering SRV and TXT queries from a mutable
// zone, for seedlist discovery and SRV polling tests. Point a `node:dns/promises` Resolver at it with
// `resolver.setServers([server.address])`; nothing ever reaches an outside DNS server.
import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';

export interface SrvAnswer {
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
  readonly ttl?: number;
}

export interface ZoneEntry {
  srv?: SrvAnswer[];
  /** Each TXT record is a list of character strings (concatenated by the client). */
  txt?: string[][];
  /** Answer SERVFAIL for every query of this name. */
  fail?: boolean;
}

const TYPE_SRV = 33;
const TYPE_TXT = 16;
const CLASS_IN = 1;

export interface RunningDnsServer {
  /** "127.0.0.1:PORT" for Resolver#setServers. */
  readonly address: string;
  /** Names are lower-cased without a trailing dot. Mutate freely between queries. */
  readonly zone: Map<string, ZoneEntry>;
  /** Every query received, as "TYPE name". */
  readonly queries: string[];
  /** A Resolver that asks only this server. */
  resolver(): Resolver;
  stop(): Promise<void>;
}

export async function startDnsServer(zone: Record<string, ZoneEntry> = {}): Promise<RunningDnsServer> {
  const records = new Map(Object.entries(zone).map(([k, v]) => [normalize(k), v]));
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const reply = answer(msg, records, queries);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${socket.address().port}`;
  return {
    address,
    zone: records,
    queries,
    resolver() {
      const r = new Resolver({ timeout: 1000, tries: 1 });
      r.setServers([address]);
      return r;
    },
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Builds the response to one query, or undefined for a packet that is not a query we can parse. */
function answer(msg: Buffer, zone: Map<string, ZoneEntry>, log: string[]): Buffer | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const rd = msg.readUInt16BE(2) & 0x0100;
  if (msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length && msg[at] !== 0) {
    const len = msg[at] as number;
    labels.push(msg.toString('ascii', at + 1, at + 1 + len));
    at += len + 1;
  }
  const questionEnd = at + 5;
  if (questionEnd > msg.length) return undefined;
  const qtype = msg.readUInt16BE(at + 1);
  const name = normalize(labels.join('.'));
  log.push(`${qtype === TYPE_SRV ? 'SRV' : qtype === TYPE_TXT ? 'TXT' : qtype} ${name}`);
  const entry = zone.get(name);
  const answers: Buffer[] = [];
  if (entry && !entry.fail) {
    if (qtype === TYPE_SRV)
      for (const srv of entry.srv ?? []) answers.push(record(TYPE_SRV, srv.ttl ?? 60, srvData(srv)));
    if (qtype === TYPE_TXT)
      for (const txt of entry.txt ?? []) answers.push(record(TYPE_TXT, 60, txtData(txt)));
  }
  // NXDOMAIN for unknown names; SERVFAIL on request; NOERROR (maybe with no answers) otherwise.
  const rcode = entry === undefined ? 3 : entry.fail ? 2 : 0;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, msg.subarray(12, questionEnd), ...answers]);
}

/** One resource record whose owner name points back at the question (offset 12). */
function record(type: number, ttl: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(CLASS_IN, 4);
  head.writeUInt32BE(ttl, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

function srvData(srv: SrvAnswer): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(srv.priority ?? 0, 0);
  fixed.writeUInt16BE(srv.weight ?? 0, 2);
  fixed.writeUInt16BE(srv.port, 4);
  return Buffer.concat([fixed, encodeName(srv.target)]);
}

function txtData(strings: readonly string[]): Buffer {
  return Buffer.concat(
    strings.map((s) => {
      const bytes = Buffer.from(s, 'ascii');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
  );
}

function encodeName(name: string): Buffer {
  const parts = normalize(name)
    .split('.')
    .filter((p) => p.length > 0)
    .map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}
