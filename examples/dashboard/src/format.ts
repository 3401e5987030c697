// Number formatting shared by both tabs: money to the cent, shares to 2 decimals, and messages
// (library errors, engine rejections) with their raw floats rounded the same way.

/** Money to the cent, with thousands separators and a sign when negative: "-1,234.57". */
export function money(x: number): string {
  return x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Money with a dollar sign: "$1,234.57" / "−$12.00". */
export function dollars(x: number): string {
  return `${x < 0 ? "−" : ""}$${money(Math.abs(x))}`;
}

/** Shares (contracts) to 2 decimals: "34,813.53". */
export function shares(x: number): string {
  return x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A price per share: 2 decimals, or 4 when it has sub-cent precision ("0.52", "0.4523"). */
export function price(x: number): string {
  return Math.abs(x * 100 - Math.round(x * 100)) < 1e-9 ? x.toFixed(2) : x.toFixed(4);
}

/** A fraction as a percentage: 0.1234 → "12.3%". */
export function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/**
 * A message with its raw floats formatted: numbers with 5 or more decimals (or in exponent form)
 * are rounded to 2 decimals with separators — "size 34813.5333520568 exceeds …" → "size 34,813.53
 * exceeds …". Prices and limits written with up to 4 decimals are left as they are.
 */
export function formatMessage(message: string): string {
  return message.replace(/-?\d+\.\d{5,}(?:e[+-]?\d+)?|-?\d+(?:\.\d+)?e[+-]?\d+/gi, (m) => {
    const v = Number(m);
    if (!Number.isFinite(v)) return m;
    if (v !== 0 && Math.abs(v) < 0.005) return v.toExponential(2);
    return money(v);
  });
}
