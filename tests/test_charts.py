"""PQ charts: membership, sampling, CasADi rows, linear rows and serialisation agree with each other."""

import casadi as ca
import numpy as np
import pytest

from forlab.grid.capability import Circle, Polygon, PowerFactorCone, PQChart, Rectangle, as_chart

CHARTS = {
    "rectangle": Rectangle(0.0, 2.0, -1.0, 0.5),
    "circle": Circle(2.0, 1.8, 0.2),
    "circle_full": Circle(1.0, 1.0, -1.0),
    "cone": PowerFactorCone(3.0, 0.9, 0.5),
    "cone_apex": PowerFactorCone(1.0, 0.8),
    "polygon": Polygon([(0.0, -0.3), (0.8, -0.45), (1.0, -0.2), (1.0, 0.3), (0.7, 0.55), (0.0, 0.45)]),
}


def _grid_points(chart, n=3000, seed=0):
    p0, p1, q0, q1 = chart.bounds()
    w, h = max(p1 - p0, 1e-3), max(q1 - q0, 1e-3)
    return np.random.default_rng(seed).uniform(
        [p0 - 0.3 * w, q0 - 0.3 * h], [p1 + 0.3 * w, q1 + 0.3 * h], (n, 2)
    )


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_samples_are_inside_and_exactly_n(key):
    chart = CHARTS[key]
    pts = chart.sample(300, rng=1)
    assert pts.shape == (300, 2)
    assert chart.contains(pts[:, 0], pts[:, 1]).all()
    assert np.array_equal(pts, chart.sample(300, rng=1))  # deterministic for a seed
    assert not np.array_equal(pts, chart.sample(300, rng=2))


def test_rectangle_sample_is_a_latin_hypercube():
    chart = CHARTS["rectangle"]
    n = 50
    pts = chart.sample(n, rng=np.random.default_rng(3))
    p0, p1, q0, q1 = chart.bounds()
    for x, lo, hi in ((pts[:, 0], p0, p1), (pts[:, 1], q0, q1)):
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))  # one point in each of the n strata of both coordinates


@pytest.mark.parametrize("key", ["circle", "cone", "polygon"])
def test_samples_cover_the_chart(key):
    chart = CHARTS[key]
    pts = chart.sample(400, rng=0)
    p0, p1, _, _ = chart.bounds()
    bins = np.floor((pts[:, 0] - p0) / (p1 - p0) * 10).clip(0, 9).astype(int)
    assert set(bins) == set(range(10))  # every tenth of the P range is visited
    assert pts[:, 1].max() > 0 > pts[:, 1].min()
    ref = _grid_points(chart, 20000, seed=5)
    inside = ref[chart.contains(ref[:, 0], ref[:, 1])]
    # the samples' mean matches the chart's centroid (uniform coverage, not only the box)
    assert np.allclose(pts.mean(axis=0), inside.mean(axis=0), atol=0.05 * (p1 - p0))


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_casadi_constraints_agree_with_contains(key):
    chart = CHARTS[key]
    for sym in (ca.SX, ca.MX):
        p, q = sym.sym("p"), sym.sym("q")
        rows = chart.casadi_constraints(p, q)
        f = ca.Function("g", [p, q], [ca.vertcat(*[r[0] for r in rows])])
        lb = np.array([r[1] for r in rows])[:, None]
        ub = np.array([r[2] for r in rows])[:, None]
        pts = _grid_points(chart)
        vals = np.array(f.map(len(pts))(pts[:, 0], pts[:, 1]))
        ok = np.all((vals >= lb - 1e-9) & (vals <= ub + 1e-9), axis=0)
        assert np.array_equal(ok, chart.contains(pts[:, 0], pts[:, 1]))
        assert 0.05 < ok.mean() < 0.95


@pytest.mark.parametrize("key", ["rectangle", "cone", "cone_apex", "polygon"])
def test_linear_rows_agree_with_contains(key):
    chart = CHARTS[key]
    a, b = chart.linear_rows()
    pts = _grid_points(chart)
    ok = np.all(pts @ a.T <= b + 1e-9, axis=1)
    assert np.array_equal(ok, chart.contains(pts[:, 0], pts[:, 1]))


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_half_planes_are_unit_rows_of_the_chart(key):
    """`PQChart.half_planes`, what a plane cut of a DS's region takes of an FPU's chart: rows of unit length (a
    tolerance on them is in MW and Mvar) that keep the chart's centre; a polyhedral chart's are its own rows, so they
    keep exactly the points it contains; a circle's are the edges of its outline, which keep only points of the chart
    and all of it but a sliver along its arcs."""
    chart = CHARTS[key]
    a, b = chart.half_planes()
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0) and np.all(a @ np.asarray(chart.center()) < b)
    pts = _grid_points(chart)
    kept, inside = np.all(pts @ a.T <= b + 1e-9, axis=1), chart.contains(pts[:, 0], pts[:, 1])
    if key.startswith("circle"):
        assert not np.any(kept & ~inside) and np.mean(inside & ~kept) < 0.01
    else:
        assert np.array_equal(kept, inside)


def test_circle_linear_rows_need_facets_and_are_outer():
    chart = CHARTS["circle"]
    with pytest.raises(ValueError, match="not a polyhedron"):
        chart.linear_rows()
    a, b = chart.linear_rows(n_facets=16)
    pts = chart.sample(500, rng=0)
    assert np.all(pts @ a.T <= b + 1e-9)


def test_contains_is_vectorised_and_broadcasts():
    chart = CHARTS["polygon"]
    p = np.linspace(0, 1, 5)[:, None]
    q = np.linspace(-0.2, 0.2, 3)[None, :]
    assert chart.contains(p, q).shape == (5, 3)
    assert chart.contains(0.5, 0.0).shape == ()
    assert bool(chart.contains(1.0 + 1e-12, 0.0))  # tolerance on the boundary
    assert not bool(chart.contains(1.0 + 1e-6, 0.0))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Rectangle(1.0, 0.0, 0.0, 1.0), "empty rectangle"),
        (lambda: Rectangle(0.0, 1.0, 1.0, 0.0), "empty rectangle"),
        (lambda: Rectangle(0.0, float("nan"), 0.0, 1.0), "finite"),
        (lambda: Circle(0.0, 0.0), "s_mva must be > 0"),
        (lambda: Circle(-1.0, 0.5), "s_mva must be > 0"),
        (lambda: Circle(1.0, 0.2, 0.5), r"Circle chart: p_max 0.2 MW < p_min 0.5 MW \(p_max must be >= p_min\)"),
        (lambda: Circle(1.0, 1.5), "exceeds"),
        (lambda: PowerFactorCone(1.0, 0.0), r"\(0, 1\]"),
        (lambda: PowerFactorCone(1.0, 1.1), r"\(0, 1\]"),
        (lambda: PowerFactorCone(1.0, 0.9, -0.1), "empty for p < 0"),
        (lambda: PowerFactorCone(0.5, 0.9, 1.0), "PowerFactorCone chart: p_max 0.5 MW < p_min 1.0 MW"),
        (lambda: Polygon([(0, 0), (1, 1)]), "at least 3"),
        (lambda: Polygon([(0, 0), (1, 0), (2, 0)]), "collinear"),
        (lambda: Polygon([(0, 0), (1, 0), (1, 0), (0, 1)]), "coincide"),
        (lambda: Polygon([(0, 0), (2, 0), (1, 0.2), (1, 2)]), "not convex"),
        (lambda: Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]), "intersects itself"),
        (lambda: Polygon([(0, 0), (1, 0), (2, 0), (1, 1)]), "collinear"),
        (
            lambda: Polygon([(np.cos(a), np.sin(a)) for a in np.arange(5) * 4 * np.pi / 5]),
            "intersects itself",
        ),
    ],
)
def test_invalid_charts_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_json_and_dict_round_trip(key):
    chart = CHARTS[key]
    assert PQChart.from_json(chart.to_json()) == chart
    assert type(chart).from_dict(chart.to_dict()) == chart
    assert as_chart(chart.to_json()) == as_chart(chart.to_dict()) == chart
    assert chart.to_dict()["kind"] == chart.kind


def test_from_dict_errors():
    with pytest.raises(ValueError, match="^PQ chart: unknown chart kind 'ellipse', one of "):
        PQChart.from_dict({"kind": "ellipse"})
    with pytest.raises(ValueError, match="kind 'circle'"):
        Rectangle.from_dict(CHARTS["circle"].to_dict())
    with pytest.raises(TypeError):
        as_chart(3.0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Circle("abc", 0.5), r"Circle chart: s_mva must be a finite number \(MVA\), got 'abc'"),
        (lambda: Circle("1", 0.5), r"Circle chart: s_mva must be a finite number \(MVA\), got '1'"),  # no text
        (lambda: Rectangle(None, 1, 0, 1), r"Rectangle chart: p_min must be a finite number \(MW\), got None"),
        (lambda: Rectangle(0, 1, [0], 1), r"Rectangle chart: q_min must be a finite number \(Mvar\)"),
        (lambda: Rectangle(0, 1, 0, float("inf")), r"Rectangle chart: q_max must be a finite number \(Mvar\)"),
        (lambda: PowerFactorCone(1.0, True), r"PowerFactorCone chart: pf_min must be a finite number"),
        (lambda: Circle(1.0, 0.5).scaled("2"), r"Circle chart: factor must be a finite number"),
        (lambda: PQChart.from_dict({"kind": "circle", "s_mva": 1}),
         r"Circle chart \(kind 'circle'\): missing p_max; its fields are s_mva, p_max, p_min"),
        (lambda: PQChart.from_dict({"kind": "rectangle", "p_min": 0, "p_max": 1, "q_min": 0, "q_max": 1, "s": 1}),
         r"Rectangle chart \(kind 'rectangle'\): unknown s; its fields are p_min, p_max, q_min, q_max"),
        (lambda: as_chart('{"kind": "polygon"}'), r"Polygon chart \(kind 'polygon'\): missing vertices"),
    ],
)
def test_wrong_types_and_keys_are_value_errors_naming_chart_and_field(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# the review's non-convex outline: its reflex vertex is (1, 0); given clockwise, and the same outline counter-clockwise
_REFLEX = (1.0, 0.0)
_NOT_CONVEX = [(2.0, 1.0), _REFLEX, (2.0, -1.0), (0.0, -1.0), (0.0, 1.0)]


@pytest.mark.parametrize("vertices", [_NOT_CONVEX, _NOT_CONVEX[::-1]], ids=["clockwise", "counter-clockwise"])
def test_a_non_convex_polygon_names_the_users_vertex_and_the_fix(vertices):
    """The vertex index is the user's, whatever the orientation (not the counter-clockwise copy's), with its (p, q)."""
    with pytest.raises(ValueError) as err:
        Polygon(vertices)
    message = str(err.value)
    k = vertices.index(_REFLEX)
    assert message.startswith("Polygon chart: not convex")
    assert f"at vertex {k} (p {_REFLEX[0]} MW, q {_REFLEX[1]} Mvar) (counted from 0 in the order given)" in message
    assert "a PQ chart must be convex" in message and "convex hull" in message


@pytest.mark.parametrize("vertices", [[(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (1.0, 1.0)],
                                      [(1.0, 1.0), (0.0, 2.0), (0.0, 1.0), (0.0, 0.0)]])
def test_a_collinear_vertex_is_the_users(vertices):
    k = vertices.index((0.0, 1.0))
    with pytest.raises(ValueError, match=rf"Polygon chart: degenerate polygon: vertex {k} \(p 0.0 MW, q 1.0 Mvar\)"
                                         r" \(counted from 0 in the order given\) is collinear .*; leave it out"):
        Polygon(vertices)


def test_a_chart_dict_without_kind_says_so_and_lists_the_kinds():
    box = Rectangle(0.0, 1.0, -1.0, 1.0).to_dict()
    del box["kind"]
    with pytest.raises(ValueError) as err:
        as_chart(box)
    message = str(err.value)
    assert message.startswith("PQ chart: missing 'kind'") and "unknown chart kind" not in message
    assert all(cls.kind in message for cls in (Circle, Polygon, PowerFactorCone, Rectangle))
    assert ", ".join(box) in message  # what the dict holds instead


@pytest.mark.parametrize("kind", ["square", "Rectangle", None, ["rectangle"]])
def test_a_chart_of_an_unknown_kind_says_so_as_a_missing_kind_does(kind):
    """Session 55, A4: an unknown kind was "unknown chart kind ...; known: [...]", without the "PQ chart:" the other
    messages start with, and a kind that is a list was a bare TypeError (unhashable) from the lookup."""
    kinds = ", ".join(sorted(cls.kind for cls in (Circle, Polygon, PowerFactorCone, Rectangle)))
    with pytest.raises(ValueError) as err:
        as_chart({"kind": kind, "p_min": 0.0, "p_max": 1.0, "q_min": -1.0, "q_max": 1.0})
    assert str(err.value) == f"PQ chart: unknown chart kind {kind!r}, one of {kinds}"


@pytest.mark.parametrize("text, where", [('{"kind": "polygon", vertices: []}', "line 1 column 21"),
                                          ('{"kind": "circle",\n "s_mva": 1,}', "line 2 column 13")])
def test_chart_json_that_does_not_parse_says_it_was_a_chart(text, where):
    with pytest.raises(ValueError, match="PQ chart JSON does not parse") as err:
        as_chart(text)
    assert where in str(err.value) and repr(text) in str(err.value)
    with pytest.raises(ValueError, match=r"PQ chart JSON must be an object with a 'kind'.*got '\[1, 2\]'"):
        as_chart("[1, 2]")


def test_circle_messages_carry_the_prefix_and_units():
    with pytest.raises(ValueError) as err:
        Circle(s_mva=1, p_min=0, p_max=2)
    assert str(err.value) == ("Circle chart: p_max 2.0 MW exceeds the apparent-power rating s_mva 1.0 MVA "
                              "(p_max must be <= s_mva)")
    with pytest.raises(ValueError, match=r"^Circle chart: p_min -2.0 MW is below -s_mva -1.0 MW"):
        Circle(1.0, 0.5, -2.0)


def test_numpy_numbers_are_accepted():
    assert Circle(np.float32(1.0), np.int64(1), np.array(0.0)) == Circle(1.0, 1.0, 0.0)


def test_polygon_orientation_and_closed_outline():
    cw = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    ccw = Polygon([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])
    assert cw.contains(0.5, 0.5) and ccw.contains(0.5, 0.5)
    a, _ = cw.linear_rows()
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert cw.bounds() == (0.0, 1.0, 0.0, 1.0)


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_geometry_helpers(key):
    chart = CHARTS[key]
    out = chart.vertices_for_plot()
    assert np.allclose(out[0], out[-1])
    assert chart.contains(out[:, 0], out[:, 1], tol=1e-9).all()
    p0, p1, q0, q1 = chart.bounds()
    assert np.isclose(out[:, 0].min(), p0) and np.isclose(out[:, 0].max(), p1)
    assert np.isclose(out[:, 1].min(), q0, atol=1e-3 * (q1 - q0)) and np.isclose(
        out[:, 1].max(), q1, atol=1e-3 * (q1 - q0)
    )
    assert chart.contains(*chart.center())
    for target in [(0.0, 0.0), (10.0, 10.0), (-5.0, 1.0), (0.5 * (p0 + p1), 3 * q1 + 1)]:
        pn, qn = chart.nearest(*target)
        assert chart.contains(pn, qn, tol=1e-7)
        inside = chart.sample(300, rng=0)
        # no sampled point of the chart is closer to the target than the nearest point
        assert (
            np.hypot(inside[:, 0] - target[0], inside[:, 1] - target[1]).min()
            >= np.hypot(pn - target[0], qn - target[1]) - 1e-9
        )
    pc, qc = chart.center()
    assert chart.nearest(pc, qc) == (pc, qc)
    big = chart.scaled(2.0)
    assert np.allclose(big.bounds(), 2 * np.array(chart.bounds()))
    assert type(big) is type(chart)
