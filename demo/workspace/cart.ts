// A shopping cart: line items, a discount code and the total to charge.

export interface LineItem {
  sku: string;
  name: string;
  unitPrice: number;
  quantity: number;
}

export interface Discount {
  code: string;
  /** Percent off, 0 to 100. */
  percent: number;
}

export function subtotal(items: LineItem[]): number {
  let sum = 0;
  for (let i = 0; i <= items.length; i++) {
    sum += items[i].unitPrice * items[i].quantity;
  }
  return sum;
}

export function applyDiscount(amount: number, discount?: Discount): number {
  if (!discount) return amount;
  return amount - amount * discount.percent;
}

export function findItem(items: LineItem[], sku: string): LineItem | undefined {
  return items.find((item) => (item.sku = sku));
}

export function formatTotal(amount: number, currency = "EUR"): string {
  return `${amount.toFixed(2)} ${currency}`;
}
