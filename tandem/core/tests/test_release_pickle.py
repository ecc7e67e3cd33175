"""A released figure travels through the dashboard's cache as its values: the same figure
comes back, and the pickle names no field (a coordinator's entry holds 3,402 of them)."""

import copy
import pickle

from hypothesis import given
from hypothesis import strategies as st

from tandem.core.release import Released

FIGURE = st.builds(Released,
                   mean=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
                   answers=st.integers(0, 10**6),
                   cells=st.frozensets(st.tuples(st.integers(1, 50), st.integers(1, 5)),
                                       max_size=3),
                   left_out=st.integers(0, 50))


@given(figure=FIGURE)
def test_a_figure_comes_back_the_same_from_a_pickle(figure: Released) -> None:
    back = pickle.loads(pickle.dumps(figure, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own
    assert back == figure
    assert type(back) is Released
    assert (back.mean, back.answers, back.cells, back.left_out) == (
        figure.mean, figure.answers, figure.cells, figure.left_out)
    assert back.withheld == figure.withheld
    assert copy.copy(figure) == figure and copy.deepcopy(figure) == figure


def test_a_figure_is_pickled_as_its_values_without_field_names() -> None:
    figures = [Released(59.3, 963, frozenset(), 0) for _ in range(100)]
    data = pickle.dumps(figures, pickle.HIGHEST_PROTOCOL)
    assert b"answers" not in data and b"left_out" not in data
    # The empty cells and the zero left out are not written either.
    assert len(data) < 100 * 20


def test_a_rebuilt_figure_stays_frozen() -> None:
    back = pickle.loads(pickle.dumps(Released(None, 0, frozenset(), 2)))  # noqa: S301 - our own
    try:
        back.answers = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("a released figure must stay immutable")
    assert back.withheld and back.left_out == 2
