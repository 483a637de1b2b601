import type { SchedulerLike, Subscription } from '../rx.js';
import type { TopologyType } from './description/topology-description.js';
import {
  acceptedSrvRecords,
  defaultResolver,
  type SrvHostVerification,
  type SrvResolver,
  selectSrvHosts,
  srvQueryName,
  srvRecordAddress,
} from './srv.js';

/** polling-srv-records-for-mongos-discovery "rescanSRVIntervalMS" default. */
export const DEFAULT_RESCAN_SRV_INTERVAL_MS = 60_000;

export interface SrvPollerOptions {
  /** The mongodb+srv host name. */
  readonly srvHost: string;
  readonly srvServiceName?: string;
  readonly srvMaxHosts?: number;
  readonly resolver?: SrvResolver;
  /** Time between successful scans (node:dns gives no TTLs); never below heartbeatFrequencyMS. */
  readonly rescanSrvIntervalMS?: number;
  readonly heartbeatFrequencyMS: number;
  readonly scheduler: SchedulerLike;
  readonly random?: () => number;
  /** srvAllowedHostsSuffix / srvHostValidator, as for the initial lookup. */
  readonly verification?: SrvHostVerification;
}

/**
 * Polls the SRV records of a mongodb+srv host while the topology is Sharded or Unknown
 * (polling-srv-records-for-mongos-discovery): a failed or empty lookup, or one whose records all
 * fail the domain check, changes nothing and is retried after heartbeatFrequencyMS.
 */
export class SrvPoller {
  private readonly o: SrvPollerOptions;
  private timer: Subscription | undefined;
  private stopped = false;
  private hosts: string[] = [];

  constructor(options: SrvPollerOptions) {
    this.o = options;
  }

  /**
   * `topologyType` is read before each scan (polling stops for good once the topology is neither
   * Sharded nor Unknown); `update` gets each changed host list, starting from `initialHosts`.
   */
  start(
    topologyType: () => TopologyType,
    update: (hosts: readonly string[]) => void,
    initialHosts: readonly string[] = [],
  ): void {
    this.hosts = [...initialHosts];
    const scan = () => {
      if (this.stopped) return;
      const type = topologyType();
      if (type !== 'Sharded' && type !== 'Unknown') return;
      const resolver = this.o.resolver ?? defaultResolver();
      resolver.resolveSrv(srvQueryName(this.o.srvHost, this.o.srvServiceName)).then(
        (records) => {
          if (this.stopped) return;
          const valid = acceptedSrvRecords(this.o.srvHost, records, this.o.verification).map(
            srvRecordAddress,
          );
          if (valid.length === 0) return this.schedule(scan, this.o.heartbeatFrequencyMS);
          const next = this.merge(valid);
          if (next.length !== this.hosts.length || next.some((h) => !this.hosts.includes(h))) {
            this.hosts = next;
            update(next);
          }
          this.schedule(
            scan,
            Math.max(
              this.o.heartbeatFrequencyMS,
              this.o.rescanSrvIntervalMS ?? DEFAULT_RESCAN_SRV_INTERVAL_MS,
            ),
          );
        },
        () => this.schedule(scan, this.o.heartbeatFrequencyMS),
      );
    };
    this.schedule(
      scan,
      Math.max(this.o.heartbeatFrequencyMS, this.o.rescanSrvIntervalMS ?? DEFAULT_RESCAN_SRV_INTERVAL_MS),
    );
  }

  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
  }

  /** Keeps the hosts still listed, then adds new ones at random up to srvMaxHosts ("srvMaxHosts"). */
  private merge(found: readonly string[]): string[] {
    const kept = this.hosts.filter((h) => found.includes(h));
    const added = found.filter((h) => !kept.includes(h));
    const max = this.o.srvMaxHosts ?? 0;
    if (max <= 0) return [...kept, ...added];
    return [...kept, ...selectSrvHosts(added, Math.max(0, max - kept.length), this.o.random)];
  }

  private schedule(scan: () => void, delay: number): void {
    if (!this.stopped) this.timer = this.o.scheduler.schedule(scan, delay);
  }
}
