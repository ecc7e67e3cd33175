import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching.exact import max_weight_b_matching


def brute_force(edges: list[tuple[int, int, int]], capacity: dict[int, int]) -> int:
    """Tries every subset of edges: the reference for tiny graphs."""
    best = 0
    for size in range(len(edges) + 1):
        for subset in itertools.combinations(edges, size):
            degree: dict[int, int] = {}
            for a, b, _ in subset:
                degree[a] = degree.get(a, 0) + 1
                degree[b] = degree.get(b, 0) + 1
            if all(degree[x] <= capacity[x] for x in degree):
                best = max(best, sum(w for *_, w in subset))
    return best


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[list[tuple[int, int, int]], dict[int, int]]:
    n = draw(st.integers(2, 6))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=10))
    edges = [(a, b, draw(st.integers(1, 9))) for a, b in chosen]
    capacity = {x: draw(st.integers(1, 3)) for x in range(n)}
    return edges, capacity


@given(small_graphs())
@settings(max_examples=150, deadline=None)
def test_b_matching_is_exact_on_tiny_graphs(graph: tuple[list[tuple[int, int, int]],
                                                         dict[int, int]]) -> None:
    edges, capacity = graph
    found = max_weight_b_matching(edges, capacity)
    weight = {(a, b): w for a, b, w in edges}
    assert len(set(found)) == len(found)
    for x, cap in capacity.items():
        assert sum(x in pair for pair in found) <= cap
    assert sum(weight[p] for p in found) == brute_force(edges, capacity)
