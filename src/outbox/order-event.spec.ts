import { describe, expect, it } from "vitest";
import { orderEvent, type OrderEventItemStatus, type OrderSnapshot } from "./order-event.js";

const paidAt = new Date("2025-03-01T09:30:00.000Z");
const cancelledAt = new Date("2025-03-02T10:15:30.123Z");

const order: OrderSnapshot = {
  id: 501,
  memberId: 42,
  totalAmount: 119_000,
  createdAt: paidAt,
  items: [
    { id: 9001, productId: 1, optionId: 10, quantity: 2, unitPrice: 39_000, status: "PAID" },
    { id: 9002, productId: 2, optionId: 20, quantity: 1, unitPrice: 41_000, status: "CANCELLED" },
  ],
};

describe(orderEvent.name, () => {
  it("builds ORDER_PAID with ids as strings, instants in ISO 8601 and every line", () => {
    expect(orderEvent("ORDER_PAID", "evt-1", paidAt, { ...order, items: order.items.slice(0, 1) })).toEqual({
      eventId: "evt-1",
      type: "ORDER_PAID",
      occurredAt: "2025-03-01T09:30:00.000Z",
      order: {
        id: "501",
        memberId: "42",
        totalAmount: 119_000,
        paidAt: "2025-03-01T09:30:00.000Z",
        items: [{ id: "9001", productId: "1", optionId: "10", quantity: 2, unitPrice: 39_000, status: "PAID" }],
      },
    });
  });

  it("leaves orderItemId out of the body, not even as undefined, when no line is named", () => {
    const event = orderEvent("ORDER_PAID", "evt-1", paidAt, order);
    expect(Object.keys(event)).not.toContain("orderItemId");
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it("builds ORDER_ITEM_CANCELLED naming the cancelled line, with the order as it stands now", () => {
    const event = orderEvent("ORDER_ITEM_CANCELLED", "evt-2", cancelledAt, order, 9002);
    expect(event.type).toBe("ORDER_ITEM_CANCELLED");
    expect(event.eventId).toBe("evt-2");
    expect(event.orderItemId).toBe("9002");
    expect(event.order.items.map((item) => [item.id, item.status])).toEqual([
      ["9001", "PAID"],
      ["9002", "CANCELLED"],
    ]);
  });

  it("counts a cancellation against the day of the payment: paidAt is the order's, occurredAt the event's", () => {
    const event = orderEvent("ORDER_ITEM_CANCELLED", "evt-2", cancelledAt, order, 9002);
    expect(event.order.paidAt).toBe("2025-03-01T09:30:00.000Z");
    expect(event.occurredAt).toBe("2025-03-02T10:15:30.123Z");
  });

  it("writes a line id of 0 rather than dropping it", () => {
    expect(orderEvent("ORDER_ITEM_CANCELLED", "evt-3", cancelledAt, order, 0).orderItemId).toBe("0");
  });

  it("writes ids up to 2^53 - 1 exactly", () => {
    const big = Number.MAX_SAFE_INTEGER;
    const event = orderEvent("ORDER_ITEM_CANCELLED", "evt-4", cancelledAt, { ...order, id: big, memberId: big }, big);
    expect(event.order.id).toBe("9007199254740991");
    expect(event.order.memberId).toBe("9007199254740991");
    expect(event.orderItemId).toBe("9007199254740991");
  });

  it("copies the lines, so later changes to the order do not reach the event", () => {
    const items: Array<{
      id: number;
      productId: number;
      optionId: number;
      quantity: number;
      unitPrice: number;
      status: OrderEventItemStatus;
    }> = [{ ...order.items[0]!, status: "PAID" }];
    const event = orderEvent("ORDER_PAID", "evt-5", paidAt, { ...order, items });
    items[0]!.status = "CANCELLED";
    expect(event.order.items[0]?.status).toBe("PAID");
  });

  it("carries an order with no lines as an empty list", () => {
    expect(orderEvent("ORDER_PAID", "evt-6", paidAt, { ...order, items: [] }).order.items).toEqual([]);
  });
});
