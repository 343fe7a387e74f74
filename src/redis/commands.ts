import type { RedisClient } from "./connection.js";

/** What a Lua script answers, as ioredis hands it over: integers as numbers, nil as null, tables as arrays. */
export type ScriptReply = string | number | null | ScriptReply[];

/** One argument of a script: a key or an ARGV value. */
export type ScriptArg = string | number;

/** A Lua script as ioredis's defineCommand takes it; without numberOfKeys, the caller passes it first. */
export interface ScriptCommand {
  lua: string;
  numberOfKeys?: number;
}

/**
 * Defines `commands` on `redis` (ioredis's defineCommand), once per client. ioredis then sends each
 * one by EVALSHA, sends the source instead (EVAL) the first time on a connection and whenever Redis
 * answers NOSCRIPT (restarted, failed over, SCRIPT FLUSH), routes it by its keys on a cluster and
 * applies the client's keyPrefix, if it had one, to its KEYS. The methods themselves are declared on
 * ioredis's RedisCommander (module augmentation) beside each set of scripts: callers that run them
 * call this first, in their constructor, so no client is used without its definitions.
 */
export function defineCommands(redis: RedisClient, commands: Readonly<Record<string, ScriptCommand>>): void {
  for (const [name, command] of Object.entries(commands)) {
    if (!Object.hasOwn(redis, name)) redis.defineCommand(name, command);
  }
}
