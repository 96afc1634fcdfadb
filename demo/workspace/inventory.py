"""Stock levels for a small shop: restock, sell and report."""

from dataclasses import dataclass, field


@dataclass
class Stock:
    sku: str
    on_hand: int = 0
    history: list = field(default_factory=list)


def restock(stock: Stock, amount: int, log=[]) -> Stock:
    stock.on_hand += amount
    log.append((stock.sku, amount))
    return stock


def sell(stock: Stock, amount: int) -> bool:
    if stock.on_hand > amount:
        stock.on_hand -= amount
        return True
    return False


def average_sale(sales: list[int]) -> float:
    return sum(sales) / len(sales)
