// One member (or router): its own loopback listener, client connections, faults, fail points and
// topologyVersion. What it does with requests is `dispatch.ts`.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ClientConnection } from './client-connection.js';
import { type Deployment, handleRequest, type MemberContext } from './dispatch.js';
import type { FailPoints } from './fail-point.js';
import { Faults } from './faults.js';
import { TopologyVersion } from './topology.js';
import type { ProxyMember } from './types.js';

export class Member implements ProxyMember, MemberContext {
  readonly topologyVersion = new TopologyVersion();
  readonly faults: Faults;
  private readonly open = new Set<ClientConnection>();
  private nextConnectionId = 1;
  private deployment: Deployment | undefined;

  private constructor(
    readonly index: number,
    readonly failPoints: FailPoints,
    private readonly server: Server,
    readonly port: number,
  ) {
    this.faults = new Faults(() => this.open);
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on a free loopback port; requests are refused until `serve` names the deployment. */
  static async listen(index: number, failPoints: FailPoints): Promise<Member> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    return new Member(index, failPoints, server, port);
  }

  serve(deployment: Deployment): void {
    this.deployment = deployment;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.open.size;
  }

  private accept(socket: Socket): void {
    const deployment = this.deployment;
    if (!deployment) {
      socket.destroy();
      return;
    }
    const conn = new ClientConnection(
      socket,
      this.nextConnectionId++,
      this.faults,
      (c, request) => handleRequest(deployment, this, c, request),
      (c) => this.open.delete(c),
    );
    this.open.add(conn);
    if (!this.faults.admit(conn)) this.open.delete(conn);
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.deployment = undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.open]) c.close();
    this.open.clear();
    this.faults.lift();
    await closed;
  }
}
