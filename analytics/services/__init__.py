"""Write services of the analytics app (one module per step of the chain)."""
