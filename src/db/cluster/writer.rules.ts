/**
 * Which node of DATABASE_URLS takes the writes (README, "Running on a Galera cluster"). Pure: the
 * probing is writer-pool.ts's; what a probe's answers mean is decided here.
 *
 * One writer at a time, not "any node": Galera certifies write sets at COMMIT, so two nodes changing
 * the same hot row (a product's stock, a wallet) abort each other's transactions with 1213; with
 * writes spread over three nodes most hot-row attempts were aborted, through one node none are.
 */

/** What a node said about itself (SHOW GLOBAL STATUS / @@wsrep_on), or that it did not answer. */
export type NodeProbe =
  | { reachable: false; error: string }
  | {
      reachable: true;
      /** @@wsrep_on: false for a server outside any cluster (a plain MariaDB or MySQL). */
      wsrepOn: boolean;
      /** wsrep_local_state_comment: Synced, Donor/Desynced, Joining, Joined, Initialized... */
      localState: string;
      /** wsrep_cluster_status: Primary, or non-Primary when the node has lost quorum. */
      clusterStatus: string;
      /** wsrep_ready: whether the node accepts queries at all. */
      ready: boolean;
    };

export type WriterVerdict = { writable: true } | { writable: false; reason: string };

/**
 * A node may take the writes when it is in the Primary component (it has quorum: what it commits
 * stays committed) and Synced (it has applied everything the cluster committed before). A Donor is
 * left alone: it may be blocked serving a state transfer. A server without wsrep is writable as it is.
 */
export function writerVerdict(probe: NodeProbe): WriterVerdict {
  if (!probe.reachable) return { writable: false, reason: `unreachable: ${probe.error}` };
  if (!probe.wsrepOn) return { writable: true };
  if (probe.clusterStatus !== "Primary") return { writable: false, reason: `cluster status ${probe.clusterStatus}` };
  if (!probe.ready) return { writable: false, reason: "wsrep not ready" };
  if (probe.localState !== "Synced") return { writable: false, reason: `state ${probe.localState}` };
  return { writable: true };
}

/** The first writable node in the operator's order of preference, or null when none is. */
export function chooseWriter(probes: readonly NodeProbe[]): number | null {
  const index = probes.findIndex((probe) => writerVerdict(probe).writable);
  return index === -1 ? null : index;
}

/**
 * Whether to move the writes from `current` to `preferred` (both indexes into DATABASE_URLS, from
 * chooseWriter). Only towards a node earlier in the list: every process ranks the nodes the same way,
 * so after a failover and the first node's return they all converge on it again, instead of each
 * staying wherever its own failover took it and writing on different nodes.
 */
export function shouldMoveWriter(current: number | null, preferred: number | null): boolean {
  if (preferred === null) return false;
  return current === null || preferred < current;
}
