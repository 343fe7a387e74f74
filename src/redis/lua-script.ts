import { createHash } from "node:crypto";
import type { RedisClient } from "./connection.js";

export type ScriptReply = string | number | null | ScriptReply[];

/**
 * A Lua script sent by SHA (EVALSHA) and loaded on first use or after Redis restarted (NOSCRIPT), so
 * a call costs one round trip and never resends the source.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<ScriptReply> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as ScriptReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as ScriptReply;
    }
  }
}
