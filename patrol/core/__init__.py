"""The patrol optimiser, free of Django: problem types, the CP-SAT model, the greedy
baseline, Koper visit windows and the exposure arithmetic. Services feed it plain data."""
