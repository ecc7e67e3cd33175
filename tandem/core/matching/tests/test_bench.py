from tandem.core.matching import bench


def test_every_solver_finds_the_same_optimum_on_a_small_pool() -> None:
    reports = {s: bench.child(s, 40, seed=2) for s in bench.SOLVERS}
    assert len({r["weight"] for r in reports.values()}) == 1
    assert reports["tandem"]["upper_bound"] == reports["tandem"]["weight"]
    assert all(r["peak_mb"] > 0 and r["time"] >= 0 for r in reports.values())


def test_sizes_map_to_one_scope_group() -> None:
    assert bench.layout(300) == (1, 1, "organization")
    assert bench.layout(2000) == (20, 1, "municipality")
    assert bench.layout(10_000)[2] == "region"
    instance = bench.bench_instance(700, seed=1)
    assert len({p.municipality for p in instance.participants}) == 1
