import { DateTimeResolver, SafeIntResolver } from "graphql-scalars";

/** Money and points: integers within ±(2^53-1), so JSON clients never lose a won. */
export const SafeInt = SafeIntResolver;
/** ISO-8601 timestamps (UTC). */
export const DateTime = DateTimeResolver;
