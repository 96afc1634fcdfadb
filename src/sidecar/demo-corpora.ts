// Small, hand-written code corpora for the demo models: enough byte pairs that the TypeScript model writes
// TypeScript-looking text and the Python model Python-looking text, which is what makes the mixes visible.

export const DEMO_TS = `import { readFile } from "node:fs/promises";

export interface Item { id: string; name: string; price: number; tags: string[] }

export function total(items: Item[]): number {
  return items.reduce((sum, item) => sum + item.price, 0);
}

export async function loadItems(path: string): Promise<Item[]> {
  const text = await readFile(path, "utf8");
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(\`expected a list in \${path}\`);
  return parsed as Item[];
}

export class Cart {
  private readonly items = new Map<string, Item>();
  add(item: Item): void {
    this.items.set(item.id, item);
  }
  remove(id: string): boolean {
    return this.items.delete(id);
  }
  get size(): number {
    return this.items.size;
  }
}

const byName = (a: Item, b: Item): number => a.name.localeCompare(b.name);
export const sorted = (items: readonly Item[]): Item[] => [...items].sort(byName);
for (const item of sorted(items)) console.log(\`\${item.name}: \${item.price}\`);
`;

export const DEMO_PY = `import json
from dataclasses import dataclass, field


@dataclass
class Item:
    id: str
    name: str
    price: float
    tags: list[str] = field(default_factory=list)


def total(items):
    return sum(item.price for item in items)


def load_items(path):
    with open(path, encoding="utf-8") as f:
        parsed = json.load(f)
    if not isinstance(parsed, list):
        raise ValueError(f"expected a list in {path}")
    return [Item(**entry) for entry in parsed]


class Cart:
    def __init__(self):
        self.items = {}

    def add(self, item):
        self.items[item.id] = item

    def remove(self, id):
        return self.items.pop(id, None) is not None

    def __len__(self):
        return len(self.items)


for item in sorted(items, key=lambda i: i.name):
    print(f"{item.name}: {item.price}")
`;

export const DEMO_PROSE = `The cart holds the items a user picked. Each item has a name and a price, and the total is the sum of
the prices. Load the items from a file, add them to the cart, and print them sorted by name.
`;
