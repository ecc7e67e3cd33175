"""Exact maximum-weight b-matching on a (small) graph, through rustworkx's blossom algorithm.

Used by the solver on the few edges that can still improve a matching (see ``solver``).
Capacities above 1 are reduced to ordinary matching on node copies; an edge between two
nodes of capacity above 1 gets the classical gadget: ``e = uv`` becomes two nodes
``e_u``, ``e_v`` joined to each other and to every copy of ``u`` (resp. ``v``), all with
weight ``w_e``. A maximum matching of the gadget graph weighs ``Σ w_e`` (over gadget
edges) plus a maximum b-matching, in which an edge is used at most once (no partner
twice) and ``v`` in at most ``b_v`` edges.
"""

from collections.abc import Sequence

import rustworkx as rx

Edge = tuple[int, int, int]


def max_weight_matching(edges: Sequence[Edge]) -> list[tuple[int, int]]:
    """Maximum-weight matching (not necessarily of maximum cardinality), pairs ``(a < b)``.

    Edges are ``(a, b, w)`` with ``w > 0`` and distinct endpoints, at most one per pair.
    Nodes are renumbered in sorted order, so the answer depends on the edges only.
    O(V³) with V the number of endpoints (blossom algorithm; fast on sparse graphs).
    """
    nodes = sorted({x for a, b, _ in edges for x in (a, b)})
    position = {x: k for k, x in enumerate(nodes)}
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(nodes)
    graph.add_edges_from(sorted((position[a], position[b], w) if a < b else
                                (position[b], position[a], w) for a, b, w in edges))
    matched = rx.max_weight_matching(graph, weight_fn=lambda w: w)
    return sorted((min(nodes[a], nodes[b]), max(nodes[a], nodes[b])) for a, b in matched)


def gadget_size(edges: Sequence[Edge], capacity: dict[int, int]) -> tuple[int, int]:
    """Nodes and edges of the graph ``max_weight_b_matching`` hands to the blossom solver."""
    nodes = {x for a, b, _ in edges for x in (a, b)}
    node_count = sum(capacity[x] for x in nodes)
    edge_count = 0
    for a, b, _ in edges:
        if capacity[a] > 1 and capacity[b] > 1:
            node_count += 2
            edge_count += 1 + capacity[a] + capacity[b]
        else:
            edge_count += capacity[a] * capacity[b]
    return node_count, edge_count


def max_weight_b_matching(edges: Sequence[Edge],
                          capacity: dict[int, int]) -> list[tuple[int, int]]:
    """Maximum-weight b-matching: node ``v`` in at most ``capacity[v]`` edges, each edge once.

    Each node becomes ``capacity`` copies. An edge with an end of capacity 1 joins that
    end to every copy of the other: the single copy can take it only once anyway. Only
    an edge between two nodes of larger capacity, which copies alone would let be taken
    twice, gets the gadget. O(V'³) with V' the first number of ``gadget_size``.
    """
    live = [(a, b, w) for a, b, w in edges if capacity.get(a, 0) > 0 and capacity.get(b, 0) > 0]
    nodes = sorted({x for a, b, _ in live for x in (a, b)})
    copies: dict[int, list[int]] = {}
    size = 0
    for x in nodes:
        copies[x] = list(range(size, size + capacity[x]))
        size += capacity[x]
    copy_nodes = size
    owner = {c: x for x, cs in copies.items() for c in cs}
    graph: list[Edge] = []
    sides: dict[int, tuple[int, int]] = {}
    for a, b, w in sorted(live):
        if capacity[a] == 1 or capacity[b] == 1:
            graph.extend((x, y, w) for x in copies[a] for y in copies[b])
            continue
        side_a, side_b = size, size + 1
        size += 2
        sides[side_a] = (a, b)
        graph.append((side_a, side_b, w))
        graph.extend((c, side_a, w) for c in copies[a])
        graph.extend((c, side_b, w) for c in copies[b])
    matched = max_weight_matching(graph)
    used = [(owner[x], owner[y]) for x, y in matched if y < copy_nodes]
    # e_a and e_b both on copies ⇔ the edge is used (each is matched to a lower number).
    on_copy = {max(x, y) for x, y in matched if min(x, y) < copy_nodes <= max(x, y)}
    used += [sides[s] for s in sorted(sides) if s in on_copy and s + 1 in on_copy]
    return sorted((min(a, b), max(a, b)) for a, b in used)
