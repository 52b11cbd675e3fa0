"""The point of sale's writes: quotes, confirmed purchases, payments on a sale, settlement, returns and cancels."""
