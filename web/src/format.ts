const won = new Intl.NumberFormat("ko-KR", { style: "currency", currency: "KRW" });

/** A price or a point amount in won, as Korean shops write it: ₩29,000. */
export const formatWon = (amount: number): string => won.format(amount);

// Digits only (2026. 12. 01. 17:53): no words that need a Korean font to show.
const dateTime = new Intl.DateTimeFormat("ko-KR", {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** A DateTime of the API (ISO 8601) in the buyer's own time zone. */
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
