"""Patrol places from grid cells: the riskiest cells grouped into compact patches."""

import numpy as np

_NEIGHBOURS = [(dc, dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1) if dc or dr]


def group_cells(
    cols: np.ndarray, rows: np.ndarray, scores: np.ndarray, *, top: int, max_cells: int
) -> list[list[int]]:
    """Indices of the ``top`` highest-scoring cells grouped into patches of at most
    ``max_cells`` touching cells (8-neighbours), each grown from its riskiest free cell."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:top]
    chosen = {(int(cols[i]), int(rows[i])): int(i) for i in order}
    taken: set[int] = set()
    groups: list[list[int]] = []
    for i in order:
        i = int(i)
        if i in taken:
            continue
        group, frontier = [i], [i]
        taken.add(i)
        while frontier and len(group) < max_cells:
            c, r = int(cols[frontier[0]]), int(rows[frontier[0]])
            frontier.pop(0)
            near = [chosen.get((c + dc, r + dr)) for dc, dr in _NEIGHBOURS]
            near = sorted(
                (j for j in near if j is not None and j not in taken), key=lambda j: -scores[j]
            )
            for j in near[: max_cells - len(group)]:
                taken.add(j)
                group.append(j)
                frontier.append(j)
        groups.append(group)
    return groups
