import { describe, expect, it } from "vitest";
import { chooseWriter, shouldMoveWriter, writerVerdict, type NodeProbe } from "./writer.rules.js";

const synced: NodeProbe = {
  reachable: true,
  wsrepOn: true,
  localState: "Synced",
  clusterStatus: "Primary",
  ready: true,
};
const down: NodeProbe = { reachable: false, error: "connect ECONNREFUSED" };

describe("writerVerdict", () => {
  it("takes a synced node of the Primary component, and a server outside any cluster", () => {
    expect(writerVerdict(synced)).toEqual({ writable: true });
    expect(writerVerdict({ ...synced, wsrepOn: false, localState: "", clusterStatus: "", ready: false })).toEqual({
      writable: true,
    });
  });

  it("refuses a node that is unreachable, without quorum, not ready or not synced, saying why", () => {
    expect(writerVerdict(down)).toEqual({ writable: false, reason: "unreachable: connect ECONNREFUSED" });
    expect(writerVerdict({ ...synced, clusterStatus: "non-Primary" })).toEqual({
      writable: false,
      reason: "cluster status non-Primary",
    });
    expect(writerVerdict({ ...synced, ready: false })).toEqual({ writable: false, reason: "wsrep not ready" });
    expect(writerVerdict({ ...synced, localState: "Donor/Desynced" })).toEqual({
      writable: false,
      reason: "state Donor/Desynced",
    });
    expect(writerVerdict({ ...synced, localState: "Joining" })).toMatchObject({ writable: false });
  });
});

describe("chooseWriter", () => {
  it("picks the first writable node in the order given", () => {
    expect(chooseWriter([synced, synced])).toBe(0);
    expect(chooseWriter([down, { ...synced, localState: "Joined" }, synced])).toBe(2);
  });

  it("answers null when no node may write", () => {
    expect(chooseWriter([down, { ...synced, clusterStatus: "non-Primary" }])).toBeNull();
    expect(chooseWriter([])).toBeNull();
  });
});

describe("shouldMoveWriter", () => {
  it("moves when there is no writer yet, or towards an earlier node", () => {
    expect(shouldMoveWriter(null, 2)).toBe(true);
    expect(shouldMoveWriter(1, 0)).toBe(true);
  });

  it("stays on the current writer when the preferred one is the same, later, or none", () => {
    expect(shouldMoveWriter(0, 0)).toBe(false);
    expect(shouldMoveWriter(0, 1)).toBe(false);
    expect(shouldMoveWriter(1, null)).toBe(false);
  });
});
