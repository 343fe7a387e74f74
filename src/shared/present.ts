/**
 * A value the code before it guarantees (the id of a row just inserted, the option a line was priced
 * from), checked instead of asserted with `!`: if the guarantee ever breaks, the error names what was
 * missing where it happened, not as a TypeError further on.
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
