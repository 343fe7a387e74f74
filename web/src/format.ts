const won = new Intl.NumberFormat("ko-KR", { style: "currency", currency: "KRW" });

/** A price or a point amount in won, as Korean shops write it: ₩29,000. */
export const formatWon = (amount: number): string => won.format(amount);
