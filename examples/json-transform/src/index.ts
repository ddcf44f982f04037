import { HttpError, type Context, type HttpEvent } from "@eventflow/sdk";

interface Line {
  sku: string;
  qty: number;
  unitPrice: number;
}

/** What the function answers: the order with per-line and overall totals, in cents. */
export interface PricedOrder {
  lines: Array<Line & { total: number }>;
  subtotal: number;
  tax: number;
  total: number;
}

const TAX_RATE = 0.2;

function parseLines(body: unknown): Line[] {
  const problems: Array<{ path: string; message: string }> = [];
  const lines = (body as { lines?: unknown } | undefined)?.lines;
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new HttpError(400, "body must be {lines: [{sku, qty, unitPrice}, ...]}", {
      code: "ORDER_INVALID",
      details: [{ path: "lines", message: "must be a non-empty array" }],
    });
  }
  lines.forEach((line: Partial<Line>, i) => {
    if (typeof line.sku !== "string" || line.sku === "")
      problems.push({ path: `lines.${i}.sku`, message: "must be a non-empty string" });
    if (!Number.isInteger(line.qty) || (line.qty as number) < 1)
      problems.push({ path: `lines.${i}.qty`, message: "must be an integer >= 1" });
    if (!Number.isInteger(line.unitPrice) || (line.unitPrice as number) < 0)
      problems.push({
        path: `lines.${i}.unitPrice`,
        message: "must be an integer number of cents >= 0",
      });
  });
  if (problems.length > 0)
    throw new HttpError(400, "the order has invalid lines", {
      code: "ORDER_INVALID",
      details: problems,
    });
  return lines as Line[];
}

/** POST an order as JSON; get it back priced. Prices are integer cents, so no float drift. */
export default function priceOrder(event: HttpEvent, ctx: Context): PricedOrder {
  if (event.method !== "POST")
    throw new HttpError(405, "POST a JSON order", { headers: { allow: "POST" } });
  const lines = parseLines(event.body).map((line) => ({
    ...line,
    total: line.qty * line.unitPrice,
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.total, 0);
  const tax = Math.round(subtotal * TAX_RATE);
  ctx.log.info("priced order", { lines: lines.length, subtotal });
  return { lines, subtotal, tax, total: subtotal + tax };
}
