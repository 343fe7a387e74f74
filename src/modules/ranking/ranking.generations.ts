import { Cluster, type Redis } from "ioredis";
import type { ScriptArg, ScriptReply } from "../../redis/commands.js";
import type { RedisClient } from "../../redis/connection.js";
import {
  generationGuardArgs,
  generationViewOf,
  liveGenerations,
  type GenerationView,
  type RankingKeys,
} from "./ranking.rules.js";
import { STALE_GENERATION, defineRankingCommands, type GuardedCommand } from "./ranking.scripts.js";

/** A build in progress: the generation it counts into, and the generations as they stood when it began. */
export interface BuildTarget {
  generation: number;
  view: GenerationView;
}

/** The rebuild's generation was retired under it (Redis lost its data, or another rebuild took over). */
class RebuildSupersededError extends Error {
  override name = "RebuildSupersededError";

  constructor(generation: number) {
    super(
      `the ranking's generations changed while generation ${generation} was being built (Redis lost its data, or another rebuild took over): nothing was switched`,
    );
  }
}

/** How often in a row the generations may change under one live write before it gives up (and its job is retried). */
const MAX_STALE_RETRIES = 5;

/**
 * Generations of the ranking's keys. A rebuild counts into a fresh generation while readers keep
 * reading the current one and live events count into both; then one script makes it current. No
 * reader ever sees a half-cleared ranking, no event counted live can be lost or counted twice by the
 * rebuild (the markers are per generation), and a rebuilder that dies leaves the current generation
 * untouched. Which generations exist is cached here and checked by every script (the guard in
 * ranking.scripts.ts), so the cache costs no round trip until it is stale.
 */
export class RankingGenerations {
  private view: GenerationView | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RankingKeys,
  ) {
    defineRankingCommands(redis);
  }

  /** Reads which generations exist, and remembers it. */
  async refresh(): Promise<GenerationView> {
    const [current, building] = await this.redis.mget(this.keys.current(), this.keys.building());
    this.view = generationViewOf(current ?? null, building ?? null);
    return this.view;
  }

  /** Runs a guarded script for a caller who believes the generations are `view`. */
  run(
    command: GuardedCommand,
    view: GenerationView,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<ScriptReply> {
    const guardedKeys = [this.keys.current(), this.keys.building(), ...keys];
    return this.redis[command](guardedKeys.length, ...guardedKeys, ...generationGuardArgs(view), ...args);
  }

  /**
   * A live write: `write` runs for every live generation, and the current one's reply is returned.
   * When a script finds the generations changed, all of it runs again on the new view: the markers
   * make a write already done in a generation a no-op there.
   */
  live(write: (keys: RankingKeys, view: GenerationView) => Promise<ScriptReply>): Promise<ScriptReply> {
    return this.retryingStale(async (view) => {
      let reply: ScriptReply = null;
      for (const generation of liveGenerations(view)) {
        const answer = await write(this.keys.inGeneration(generation), view);
        if (answer === STALE_GENERATION) return answer;
        if (generation === view.current) reply = answer;
      }
      return reply;
    });
  }

  /** A read of the current generation, retried on the new view when it has just changed. */
  current(read: (keys: RankingKeys, view: GenerationView) => Promise<ScriptReply>): Promise<ScriptReply> {
    return this.retryingStale((view) => read(this.keys.inGeneration(view.current), view));
  }

  /** A write of the build into its own generation; throws when the build was superseded. */
  async build(
    target: BuildTarget,
    write: (keys: RankingKeys, view: GenerationView) => Promise<ScriptReply>,
  ): Promise<ScriptReply> {
    const reply = await write(this.keys.inGeneration(target.generation), target.view);
    if (reply === STALE_GENERATION) throw new RebuildSupersededError(target.generation);
    return reply;
  }

  private async retryingStale(attempt: (view: GenerationView) => Promise<ScriptReply>): Promise<ScriptReply> {
    for (let tries = 0; tries < MAX_STALE_RETRIES; tries += 1) {
      const reply = await attempt(this.view ?? (await this.refresh()));
      if (reply !== STALE_GENERATION) return reply;
      this.view = null;
    }
    throw new Error(`the ranking's generations changed ${MAX_STALE_RETRIES} times during one call`);
  }

  /** Starts a build in a new generation; live events count into it from now on. */
  async begin(seconds: number): Promise<BuildTarget> {
    const [current, generation] = await this.redis.rankingBeginBuild(
      this.keys.sequence(),
      this.keys.building(),
      this.keys.current(),
      seconds,
    );
    const target = { generation, view: { current: Number(current), building: generation } };
    this.view = target.view;
    return target;
  }

  /** The build is alive: its generation (and the rebuild lock, if `owner` still holds it) expire `seconds` from now. */
  async keep(target: BuildTarget, seconds: number, owner: string): Promise<void> {
    await this.build(target, () =>
      this.run("rankingKeepBuilding", target.view, [this.keys.building(), this.keys.rebuildLock()], [seconds, owner]),
    );
  }

  /** Makes the built generation the current one, complete as of `at`. */
  async finish(target: BuildTarget, at: Date): Promise<void> {
    const built = this.keys.inGeneration(target.generation).built();
    await this.build(target, () =>
      this.run(
        "rankingFinishBuild",
        target.view,
        [built, this.keys.current(), this.keys.building()],
        [target.generation, at.toISOString()],
      ),
    );
    this.view = { current: target.generation, building: null };
  }

  /**
   * Removes the keys of every generation older than `generation`: the one a switch retired, and any a
   * dead rebuilder left half built. No script writes to them any more (the guard), so a key SCAN
   * misses cannot come back. Newer generations (a build started since) are left alone.
   */
  async dropBefore(generation: number): Promise<number> {
    let removed = 0;
    // SCAN walks one server: on a cluster, walk every master (the {ranking} keys live on one of them).
    const nodes: Redis[] = this.redis instanceof Cluster ? this.redis.nodes("master") : [this.redis];
    for (const node of nodes) {
      for await (const batch of node.scanStream({ match: this.keys.pattern(), count: 1000 }) as AsyncIterable<
        string[]
      >) {
        const doomed = batch.filter((key) => {
          const of = this.keys.generationOf(key);
          return of !== null && of < generation;
        });
        if (doomed.length > 0) removed += await node.unlink(...doomed);
      }
    }
    return removed;
  }
}
