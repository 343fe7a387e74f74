import { describe, expect, it } from "vitest";
import { DomainError, ErrorCode } from "../../shared/errors.js";
import {
  BALANCE_CAP,
  CHARGE_MAX,
  CHARGE_MIN,
  applyCharges,
  balanceAfterCharge,
  balanceAfterRefund,
  balanceAfterUse,
  movesPoints,
} from "./point.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

describe(balanceAfterCharge.name, () => {
  it("adds the charge to the balance", () => {
    expect(balanceAfterCharge(5_000, 10_000)).toBe(15_000);
  });

  it.each([CHARGE_MIN, 2, CHARGE_MAX - 1, CHARGE_MAX])("accepts a charge of %d points", (amount) => {
    expect(balanceAfterCharge(0, amount)).toBe(amount);
  });

  it.each([
    ["zero", 0],
    ["negative", -1],
    ["a large negative", -CHARGE_MAX],
    ["fractional", 0.5],
    ["fractional above one", 1.5],
    ["one past the maximum", CHARGE_MAX + 1],
    ["huge", 1e15],
    ["beyond safe integers", Number.MAX_SAFE_INTEGER + 1],
    ["not a number", NaN],
    ["infinite", Infinity],
    ["negatively infinite", -Infinity],
  ])("refuses a charge that is %s", (_, amount) => {
    const error = thrown(() => balanceAfterCharge(0, amount));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "amount" });
    expect(error.message).toBe(`amount must be a whole number from ${CHARGE_MIN} to ${CHARGE_MAX}`);
  });

  it(`lets the balance reach exactly the ${BALANCE_CAP}-point cap`, () => {
    expect(balanceAfterCharge(BALANCE_CAP - CHARGE_MAX, CHARGE_MAX)).toBe(BALANCE_CAP);
    expect(balanceAfterCharge(BALANCE_CAP - 1, 1)).toBe(BALANCE_CAP);
  });

  it.each([
    ["one point past it", BALANCE_CAP - 10, 11, 10],
    ["at the cap already", BALANCE_CAP, 1, 0],
    ["by a full charge", BALANCE_CAP - 1, CHARGE_MAX, 1],
  ])("refuses a charge that would exceed the cap (%s), saying how much more fits", (_, balance, amount, room) => {
    const error = thrown(() => balanceAfterCharge(balance, amount));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "amount" });
    expect(error.message).toBe(`the balance may not exceed ${BALANCE_CAP}; at most ${room} more can be charged`);
  });

  it("checks the amount before the cap", () => {
    expect(thrown(() => balanceAfterCharge(BALANCE_CAP, 0)).message).toMatch(/whole number/);
  });
});

describe(balanceAfterUse.name, () => {
  it("takes the amount from the balance", () => {
    expect(balanceAfterUse(10_000, 3_500)).toBe(6_500);
  });

  it.each([
    ["the whole balance, down to zero", 10_000, 10_000, 0],
    ["nothing, for a free order", 10_000, 0, 10_000],
    ["nothing from an empty wallet", 0, 0, 0],
    ["the largest balance", BALANCE_CAP, BALANCE_CAP, 0],
  ])("lets a member pay %s", (_, balance, amount, after) => {
    expect(balanceAfterUse(balance, amount)).toBe(after);
  });

  it.each([
    ["one point short", 10_000, 10_001, 1],
    ["an empty wallet", 0, 500, 500],
    ["far short", 1, BALANCE_CAP, BALANCE_CAP - 1],
  ])("refuses a payment the balance cannot cover (%s), saying the shortfall", (_, balance, amount, shortfall) => {
    const error = thrown(() => balanceAfterUse(balance, amount));
    expect(error.code).toBe(ErrorCode.INSUFFICIENT_BALANCE);
    expect(error.details).toEqual({ balance, required: amount, shortfall });
    expect(error.message).toBe(`the balance is ${shortfall} points short`);
  });
});

describe(balanceAfterRefund.name, () => {
  it("adds the refund to the balance", () => {
    expect(balanceAfterRefund(6_500, 3_500)).toBe(10_000);
    expect(balanceAfterRefund(0, 1)).toBe(1);
  });

  it("is not capped: a refund may take the balance past the charge cap", () => {
    expect(balanceAfterRefund(BALANCE_CAP, 1_000)).toBe(BALANCE_CAP + 1_000);
  });
});

describe("movesPoints", () => {
  it("gives a ledger entry to payments and refunds of one point or more, not to free ones", () => {
    expect(movesPoints(1)).toBe(true);
    expect(movesPoints(3500)).toBe(true);
    expect(movesPoints(0)).toBe(false);
  });
});

describe(applyCharges.name, () => {
  it("applies charges in order, each on the balance the ones before it left, across members", () => {
    const { verdicts, balances } = applyCharges(
      new Map([
        [1, 100],
        [2, 0],
      ]),
      [
        { memberId: 1, amount: 10 },
        { memberId: 2, amount: 5 },
        { memberId: 1, amount: 20 },
      ],
    );
    expect(verdicts).toEqual([
      { ok: true, balanceAfter: 110 },
      { ok: true, balanceAfter: 5 },
      { ok: true, balanceAfter: 130 },
    ]);
    expect(balances).toEqual(
      new Map([
        [1, 130],
        [2, 5],
      ]),
    );
  });

  it("refuses alone a charge that would pass the cap; the ones after it still apply", () => {
    const { verdicts, balances, accepted } = applyCharges(new Map([[1, BALANCE_CAP - 15]]), [
      { memberId: 1, amount: 10 },
      { memberId: 1, amount: 10 },
      { memberId: 1, amount: 5 },
    ]);
    expect(verdicts[0]).toEqual({ ok: true, balanceAfter: BALANCE_CAP - 5 });
    const refused = verdicts[1]!;
    if (refused.ok) return expect.unreachable("the second charge passes the cap");
    expect(refused.error).toBeInstanceOf(DomainError);
    expect((refused.error as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(verdicts[2]).toEqual({ ok: true, balanceAfter: BALANCE_CAP });
    expect(balances.get(1)).toBe(BALANCE_CAP);
    expect(accepted).toEqual([
      { memberId: 1, amount: 10, balanceAfter: BALANCE_CAP - 5 },
      { memberId: 1, amount: 5, balanceAfter: BALANCE_CAP },
    ]);
  });

  it("refuses the charges of a member with no wallet and leaves that member out of the balances", () => {
    const { verdicts, balances } = applyCharges(new Map(), [{ memberId: 9, amount: 1 }]);
    expect(verdicts[0]!.ok).toBe(false);
    expect((verdicts[0] as { error: Error }).error.message).toBe("member 9 has no wallet");
    expect(balances.size).toBe(0);
  });
});
