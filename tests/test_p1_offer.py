"""P1's offer: the implicit polynomial, the quadratic price, their formulations (CasADi, Pyomo) and the file."""

import json
import warnings

import casadi as ca
import numpy as np
import pytest

from forlab.grid import td
from forlab.p1_for.dso_opf import Box
from forlab.p1_for.formulations import offer_casadi, offer_pyomo_block, polynomial_casadi
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import FitData, ImplicitPolynomial, calibrate_margin, exponents, fit
from forlab.p1_for.price import QuadraticCost, fit_cost
from forlab.p1_for.representation import (
    build_offer,
    classification_errors,
    clopper_pearson_interval,
    clopper_pearson_upper,
    cost_points,
    pull_inside,
    shell_points,
    volume_kept,
)
from forlab.p1_for.sampling import sample_for

warnings.filterwarnings("ignore", category=FutureWarning)


def sphere_data(n=200, r=0.7, seed=0):
    """Boundary points and normals of a sphere, labelled interior/exterior points."""
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    pts = rng.uniform(-1, 1, size=(400, 3))
    inside = np.linalg.norm(pts, axis=1) < r
    return FitData(r * d, d, interior=pts[inside], exterior=pts[~inside]), pts, inside


def test_exponent_counts():
    assert [len(exponents(d)) for d in (2, 4, 6)] == [10, 35, 84]


@pytest.mark.parametrize("degree,convex", [(2, False), (4, True), (6, False)])
def test_fit_recovers_a_sphere(degree, convex):
    data, pts, inside = sphere_data()
    poly = fit(data, degree, convex=convex)
    pred = poly(pts) <= 0
    assert (pred == inside).mean() > 0.97
    assert np.abs(poly(data.boundary)).max() < 0.02


def test_sos_convex_fit_is_convex():
    rng = np.random.default_rng(1)
    # a non-convex (dumbbell) boundary: the SOS-convex fit must still be convex
    d = rng.normal(size=(300, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    b = d * (0.4 + 0.3 * np.abs(d[:, :1]))
    poly = fit(FitData(b, d), 4, convex=True)
    x = ca.SX.sym("x", 3)
    hess = ca.Function("h", [x], [ca.hessian(polynomial_casadi(poly, x), x)[0]])
    for p in rng.uniform(-1, 1, size=(200, 3)):
        assert np.linalg.eigvalsh(np.array(hess(p))).min() > -1e-6


def test_bad_fit_input():
    with pytest.raises(ValueError, match="degree"):
        fit(sphere_data()[0], 3)
    with pytest.raises(ValueError, match="n x 3"):
        fit(FitData(np.zeros((5, 2)), np.zeros((5, 2))), 2)


def test_a_fit_without_three_usable_normals_is_refused():
    """Review finding: five samples with zero normals passed the count (taken before they were dropped) and the
    fit returned f = 0, the whole box offered."""
    b = np.random.default_rng(0).uniform(-1, 1, size=(5, 3))
    with pytest.raises(ValueError, match="at least 3 boundary samples with a non-zero normal, got 0 of 5"):
        fit(FitData(b, np.zeros((5, 3))), 2)
    normals = np.zeros((5, 3))
    normals[:2] = [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="got 2 of 5"):
        fit(FitData(b, normals), 2)


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan"), True])
def test_a_margin_rate_outside_0_1_is_refused(rate):
    """Review finding: a negative rate indexed from the end (margin 1.000000001), one above 1 gave no margin."""
    poly = ImplicitPolynomial(2, np.r_[-1.0, np.zeros(9)])
    ext = np.random.default_rng(1).uniform(-1, 1, size=(20, 3))
    with pytest.raises(ValueError, match="target_rate must be a share of the exterior points in \\[0, 1\\]"):
        calibrate_margin(poly, ext, rate)
    with pytest.raises(ValueError, match="target_false_feasible must be a share"):  # before any DS OPF
        build_offer(None, None, target_false_feasible=rate)
    assert calibrate_margin(poly, ext, 1.0) == 0.0 and calibrate_margin(poly, ext, 0.0) > 0.0


@pytest.mark.parametrize("n_cost", [12, 0, -1, 40.0, True, "40"])
def test_n_cost_below_the_price_fits_minimum_is_refused_naming_it(n_cost):
    from forlab.p1_for.representation import MIN_COST_POINTS, check_n_cost

    with pytest.raises(ValueError, match=rf"p1_n_cost must be at least {MIN_COST_POINTS} \(an integer\), got "
                                         rf".*: the price's fit"):
        check_n_cost(n_cost, "p1_n_cost")
    check_n_cost(MIN_COST_POINTS)
    # the minimum leaves the price its ten coefficients' worth of training points after the held-out fifth
    assert MIN_COST_POINTS - max(1, MIN_COST_POINTS // 5) >= 10


@pytest.mark.parametrize("n_cost", [5, 12])
def test_too_few_cost_points_blame_n_cost_not_the_region(n_cost):
    """Review finding: with n_cost <= 12, `_fit_price` found at most n_cost points, so it always failed, after the
    whole offline run, with "the offered region is (nearly) empty", whatever the region; it now names n_cost."""
    from forlab.p1_for import representation as rep

    exps = [tuple(e) for e in exponents(2)]
    coef = np.zeros(len(exps))
    coef[exps.index((0, 0, 0))] = -0.5 ** 2
    for e in [(2, 0, 0), (0, 2, 0), (0, 0, 2)]:
        coef[exps.index(e)] = 1.0
    ball = ImplicitPolynomial(2, coef)  # radius 0.5: about 7 % of the box
    normals = np.random.default_rng(0).normal(size=(40, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    boundary = rep._Boundary(0.5 * normals, normals, np.arange(40), np.arange(0))
    options = {"boundary_fraction": 0.5, "tol": 1e-3, "gradient_weight": 1.0, "gradient_huber": 0.2}
    with pytest.raises(ValueError, match=rf"n_cost must be at least {rep.MIN_COST_POINTS} .*got {n_cost}:"):
        rep._fit_price(None, ball, boundary, np.random.default_rng(0), n_cost=n_cost, **options)
    empty = ImplicitPolynomial(2, np.r_[1.0, np.zeros(9)])  # f = 1 > 0 everywhere: the region itself is empty
    with pytest.raises(RuntimeError, match=r"the offered region is \(nearly\) empty: only 0 cost points"):
        rep._fit_price(None, empty, boundary, np.random.default_rng(0), n_cost=40, **options)


def test_bad_cost_points_are_refused_before_the_fit():
    """Review finding: NaN values gave "quadratic cost fit failed: None", wrong lengths a broadcast error, 1-D
    points an einsum error."""
    x = np.random.default_rng(2).uniform(-1, 1, size=(20, 3))
    y = (x**2).sum(axis=1)
    with pytest.raises(ValueError, match=r"1 cost points have a NaN or infinite point or value \(first at row 19\)"):
        fit_cost(x, np.r_[y[:-1], np.nan])
    bad_x = x.copy()
    bad_x[3, 1] = np.inf
    with pytest.raises(ValueError, match="first at row 3"):
        fit_cost(bad_x, y)
    with pytest.raises(ValueError, match=r"one cost value per point: 20 points, values of shape \(17,\)"):
        fit_cost(x, y[:-3])
    with pytest.raises(ValueError, match=r"\(n x 3\) array of normalised \(P, Q, V\), got shape \(20,\)"):
        fit_cost(x[:, 0], y)


def test_quadratic_cost_fit_is_psd_and_exact_on_a_quadratic():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(80, 3))
    A = rng.normal(size=(3, 3))
    H = A @ A.T
    y = 0.5 * np.einsum("ni,ij,nj->n", x, H, x) + x @ np.array([1.0, -2.0, 0.5]) + 3.0
    c = fit_cost(x, y, reg=0.0)
    assert np.linalg.eigvalsh(c.H).min() >= -1e-9
    assert np.allclose(c(x), y, atol=1e-4)


def test_quadratic_cost_fit_uses_the_slopes():
    """Points on the plane x~_V = 0 cannot show the cost's slope in V; the slopes (cost OPF multipliers) do."""
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.uniform(-1, 1, size=(40, 2)), np.zeros(40)])
    H = np.diag([2.0, 1.0, 0.5])
    g = np.array([1.0, -2.0, 1.5])
    y = 0.5 * np.einsum("ni,ij,nj->n", x, H, x) + x @ g + 3.0
    grad = x @ H + g
    plain = fit_cost(x, y, reg=0.0)
    assert abs(plain.g[2]) < 1e-3  # nothing in the values says V matters
    both = fit_cost(x, y, reg=0.0, gradients=grad)
    # H_VV stays unseen (every x~_V is 0); the rest of H and g is determined
    assert np.allclose(both.g, g, atol=1e-4) and np.allclose(both.H[:, :2], H[:, :2], atol=1e-4)
    assert np.allclose(both(x), y, atol=1e-4)
    # points without a slope (NaN rows) are left out of the slope term only
    grad_nan = grad.copy()
    grad_nan[::2] = np.nan
    assert np.allclose(fit_cost(x, y, reg=0.0, gradients=grad_nan).g, g, atol=1e-4)
    assert abs(fit_cost(x, y, reg=0.0, gradients=grad, gradient_weight=0.0).g[2]) < 1e-3
    # a few huge slopes (multipliers at the edge of the FOR) do not decide the fit (Huber loss); squared, they do
    wild = grad.copy()
    wild[:3] = [[0.0, 0.0, 500.0]] * 3
    assert np.allclose(fit_cost(x, y, reg=0.0, gradients=wild).g, g, atol=0.1)
    assert abs(fit_cost(x, y, reg=0.0, gradients=wild, gradient_huber=None).g[2] - g[2]) > 1.0
    with pytest.raises(ValueError, match="gradients"):
        fit_cost(x, y, gradients=grad[:5])


def test_quadratic_cost_fit_with_slopes_sees_a_small_slope_next_to_a_kink():
    """The case9+case33bw diagnosis: a DS cost that falls steeply in P while the FPUs must produce and is flat once
    they idle, plus a small slope in V (losses), over a region where V and P are correlated. The quadratic cannot
    follow the kink; fitted on values only, its residual leaks into the V slope, which the TSO's choice of the PCC
    voltage depends on. Fitted on values and slopes, the V slope is kept."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(200, 3))
    x[:, 2] = 0.6 * x[:, 0] + 0.4 * x[:, 2]
    y = 100 * np.maximum(0.6 - x[:, 0], 0) + 5 * x[:, 1] ** 2 - 3 * x[:, 2]
    grad = np.column_stack([-100.0 * (x[:, 0] < 0.6), 10 * x[:, 1], np.full(len(x), -3.0)])
    plain = np.abs(fit_cost(x, y).gradient(x)[:, 2] + 3).mean()
    both = np.abs(fit_cost(x, y, gradients=grad).gradient(x)[:, 2] + 3).mean()
    assert both < 0.5 * plain


OFFER_OPTIONS = {"degrees": (4,), "convex_options": (False,), "regs": (1e-5,), "n_labelled": 160, "n_cost": 50,
                 "progress": False, "pcc": {"ds": "case33bw", "ts_bus": 4}}


@pytest.fixture(scope="module")
def sampled():
    net = td.load_system("case9+case33bw").ds["case33bw"]
    return net, sample_for(net, 30, 2, n_workers=0, progress=False)


@pytest.fixture(scope="module")
def offer(sampled):
    net, s = sampled
    o, rep = build_offer(net, s, **OFFER_OPTIONS)
    return o, rep


def test_offer_round_trips_bit_for_bit(offer, tmp_path):
    o, _ = offer
    path = o.save(tmp_path / "offer.json")
    o2 = Offer.load(path)
    assert o2.to_dict() == o.to_dict()
    assert path.read_bytes() == o2.save(tmp_path / "again.json").read_bytes()
    assert np.array_equal(o2.polynomial.coef, o.polynomial.coef)
    assert path.stat().st_mode & 0o777 == 0o644  # readable by whoever the DSO sends it to


def test_offer_reveals_no_topology(offer):
    d = offer[0].to_dict()
    assert d["pcc"] == {"ds": "case33bw", "ts_bus": 4}  # the TS bus is the TSO's own information
    d.pop("pcc")
    text = json.dumps(d)
    for word in ("line", "bus", "r_ohm", "x_ohm", "impedance", "load", "sgen"):
        assert word not in text


def test_offer_errors_are_reported(offer):
    _, rep = offer
    for key in ("test_false_feasible_rate", "test_false_feasible_upper", "test_false_infeasible_rate",
                "test_accuracy", "test_volume_kept", "hull_volume_kept", "cost_r2", "cost_rel_error_max",
                "cost_gradient_rel_error_mean", "cost_gradient_rel_error_max"):
        assert np.isfinite(rep.attrs[key])
    assert rep.cost_gradient.shape == rep.cost_point.shape
    ok = rep.cost_success.values.astype(bool)
    assert np.isfinite(rep.cost_gradient.values[ok]).all()
    assert rep.attrs["test_n_infeasible"] > 0 and rep.attrs["test_n_feasible"] > 0


def test_reported_test_errors_match_the_stored_points(offer):
    """The offer's test errors are recomputed from the stored labelled points and the offer itself."""
    o, rep = offer
    test = rep.labelled_split.values == "test"
    assert test.sum() > 0 and not np.any(test & ~rep.labelled_success.values.astype(bool))
    x = o.box.denormalise(rep.labelled_point.values[test])
    said = o.feasible(x[:, 0], x[:, 1], x[:, 2])
    truth = rep.labelled_distance.values[test] < o.info["tol"]
    n_ff = int((said & ~truth).sum())
    assert o.info["test_n_infeasible"] == int((~truth).sum())
    assert o.info["test_n_false_feasible"] == n_ff
    assert o.info["test_false_feasible_rate"] == pytest.approx(n_ff / (~truth).sum())
    assert o.info["test_false_infeasible_rate"] == pytest.approx((~said & truth).sum() / truth.sum())
    # shell and uniform points were both drawn, and the three sets do not overlap
    assert set(rep.labelled_kind.values.astype(str)) == {"shell", "uniform"}
    assert set(rep.labelled_split.values.astype(str)) <= {"train", "validation", "test", "failed"}


def test_clopper_pearson_upper_bound():
    # no event in n trials: the bound solves (1 - p)^n = 0.05
    assert clopper_pearson_upper(0, 300) == pytest.approx(1 - 0.05 ** (1 / 300), rel=1e-9)
    assert clopper_pearson_upper(0, 300) < 0.01 < clopper_pearson_upper(0, 250)
    assert clopper_pearson_upper(1, 100) > clopper_pearson_upper(0, 100) > 0
    assert clopper_pearson_upper(5, 5) == 1.0 and clopper_pearson_upper(0, 0) == 1.0
    # element by element on arrays, the same bounds as one by one
    k, n = np.array([0, 1, 5, 0]), np.array([300, 100, 5, 0])
    assert clopper_pearson_upper(k, n) == pytest.approx([clopper_pearson_upper(a, b) for a, b in zip(k, n)])


def test_clopper_pearson_interval():
    # no event in n trials: the upper end solves (1 - p)^n = 0.025; all n: the lower end solves p^n = 0.025
    assert clopper_pearson_interval(0, 40) == pytest.approx((0.0, 1 - 0.025 ** (1 / 40)), rel=1e-9)
    assert clopper_pearson_interval(40, 40) == pytest.approx((0.025 ** (1 / 40), 1.0), rel=1e-9)
    lo, hi = clopper_pearson_interval(7, 40)
    assert lo < 7 / 40 < hi and (1 - hi, 1 - lo) == pytest.approx(clopper_pearson_interval(33, 40))  # mirrored
    assert clopper_pearson_interval(0, 0) == (0.0, 1.0)


def test_classification_counts_and_box():
    ball = ImplicitPolynomial(2, np.array([-0.25, 0, 0, 0, 1, 0, 0, 1, 0, 1]))  # |x|^2 - 0.25, exponents graded
    assert np.allclose(ball(np.array([[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]])), 0)
    pts = np.array([[0.0, 0, 0], [0.4, 0, 0], [0.6, 0, 0], [0.1, 0.1, 0.1], [0.9, 0.9, 0.9]])
    truth = np.array([True, False, False, True, False])
    ev = classification_errors(ball, pts, truth)
    assert (ev["n_infeasible"], ev["n_false_feasible"], ev["n_feasible"], ev["n_false_infeasible"]) == (3, 1, 2, 0)
    assert ev["false_feasible_rate"] == pytest.approx(1 / 3) and ev["accuracy"] == pytest.approx(0.8)
    # outside the box the offer declares nothing feasible, whatever f says
    wide = ImplicitPolynomial(2, np.array([-100.0, 0, 0, 0, 1, 0, 0, 1, 0, 1]))
    assert classification_errors(wide, np.array([[1.5, 0, 0]]), np.array([False]))["n_false_feasible"] == 0
    assert classification_errors(ball, pts[truth], truth[truth])["false_feasible_rate"] is None


def test_shell_points_straddle_the_boundary():
    rng = np.random.default_rng(4)
    d = rng.normal(size=(300, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    pts = shell_points(0.6 * d, d, 2000, rng, offsets=(0.01, 0.2), outward=0.7, jitter=0.02)
    assert pts.shape == (2000, 3) and np.all(np.abs(pts) <= 1)
    r = np.linalg.norm(pts, axis=1)
    assert np.all(np.abs(r - 0.6) < 0.2 + 0.1)
    assert 0.6 < np.mean(r > 0.6) < 0.8  # mostly outwards, as asked


def test_volume_kept_and_pull_inside():
    rng = np.random.default_rng(5)
    d = rng.normal(size=(800, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    ball = ImplicitPolynomial(2, np.array([-0.36, 0, 0, 0, 1, 0, 0, 1, 0, 1]))  # radius 0.6
    assert volume_kept(ball, 0.6 * d, rng)["hull_volume_kept"] == pytest.approx(1.0, abs=0.01)
    shrunk = ImplicitPolynomial(2, ball.coef, 0.36 - 0.25, False)  # radius 0.5
    v = volume_kept(shrunk, 0.6 * d, rng)
    assert v["hull_volume_kept"] == pytest.approx((0.5 / 0.6) ** 3, abs=0.03) and v["outside_hull"] == 0
    inside = pull_inside(shrunk, 0.6 * d[:50], d[:50])
    assert len(inside) == 50 and np.all(shrunk(inside) <= 0)
    assert np.allclose(np.linalg.norm(inside, axis=1), 0.5, atol=0.01)


def test_casadi_and_pyomo_agree_with_numpy(offer):
    import pyomo.environ as pyo

    o, _ = offer
    rng = np.random.default_rng(3)
    xt = rng.uniform(-1, 1, size=(200, 3))
    x = o.box.denormalise(xt)
    p, q, v = ca.SX.sym("p"), ca.SX.sym("q"), ca.SX.sym("v")
    f_ca, c_ca = offer_casadi(o, p, q, v)
    fun = ca.Function("fc", [p, q, v], [f_ca, c_ca])
    model = pyo.ConcreteModel()
    blk = offer_pyomo_block(o, model, "offer")
    f_np = o.f(x[:, 0], x[:, 1], x[:, 2])
    c_np = o.cost_of(x[:, 0], x[:, 1], x[:, 2])
    for k in range(len(x)):
        fv, cv = fun(*x[k])
        assert float(fv) == pytest.approx(f_np[k], rel=1e-9, abs=1e-9)
        assert float(cv) == pytest.approx(c_np[k], rel=1e-9, abs=1e-9)
        blk.p_mw.set_value(x[k, 0], skip_validation=True)
        blk.q_mvar.set_value(x[k, 1], skip_validation=True)
        blk.vm_pu.set_value(x[k, 2], skip_validation=True)
        assert pyo.value(blk.f) == pytest.approx(f_np[k], rel=1e-9, abs=1e-9)
        assert pyo.value(blk.cost) == pytest.approx(c_np[k], rel=1e-9, abs=1e-9)


def test_offer_file_format_is_checked(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a forlab offer"):
        Offer.load(bad)


@pytest.mark.parametrize(("content", "says"), [
    ([{}], 'it is a JSON list; an offer file is one JSON object with "format": "forlab-offer/1"$'),
    ("forlab-offer/1", "it is a JSON string; an offer file is one JSON object"),
    (3, "it is a JSON number; an offer file is one JSON object"),
    ({"box": {}}, r"""it has no "format" field \(expected 'forlab-offer/1'\)$"""),
])
def test_a_file_that_is_no_offer_object_says_what_it_holds(tmp_path, content, says):
    """Review R1 #20: a JSON list was "not a forlab offer (format 'list', ...)", as if 'list' were a format."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=f"not a forlab offer: {says}") as err:
        Offer.load(path)
    assert "format 'list'" not in str(err.value)


def test_gradients_match_finite_differences():
    poly = ImplicitPolynomial(4, np.linspace(-1, 1, 35))
    cost = QuadraticCost(np.eye(3), np.array([1.0, 2.0, 3.0]), 4.0)
    o = Offer(Box(np.array([0.0, -1.0, 0.95]), np.array([2.0, 1.0, 1.05])), poly, cost)
    x = np.array([1.2, 0.3, 1.01])
    gf, gc = o.gradients(*x)
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        fd = (o.f(*(x + e)) - o.f(*(x - e))) / (2 * h)
        cd = (o.cost_of(*(x + e)) - o.cost_of(*(x - e))) / (2 * h)
        assert gf[0, i] == pytest.approx(fd[0], rel=1e-5, abs=1e-6)
        assert gc[0, i] == pytest.approx(cd[0], rel=1e-5, abs=1e-6)


def test_cost_gradients_match_finite_differences(offer):
    """The slopes from the cost OPF multipliers are the derivatives of the DS cost at the PCC point."""
    _, rep = offer
    net = td.load_system("case9+case33bw").ds["case33bw"]
    ok = rep.cost_success.values.astype(bool) & (rep.cost_kind.values == "inside")
    pts = rep.cost_point.values[ok][:2]
    h = 1e-3
    shifted = np.vstack([p + s * h * e for p in pts for e in np.eye(3) for s in (1.0, -1.0)])
    res = cost_points(net, np.vstack([pts, shifted]), progress=False)
    assert res["success"].all()
    fd = (res["cost"][2::2] - res["cost"][3::2]).reshape(2, 3) / (2 * h)
    assert np.allclose(res["gradient"][:2], fd, rtol=1e-3, atol=1e-2 * (1 + np.abs(fd).max()))
    assert np.abs(fd).max() > 1.0  # the DS cost does depend on the PCC point


# ---------------------------------------------------------------- offer files from another party (issue 20)
def _good_dict():
    poly = ImplicitPolynomial(2, np.array([-0.5, 0, 0, 0, 1.0, 0, 0, 1.0, 0, 1.0]))
    cost = QuadraticCost(np.diag([2.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0]), 3.0)
    box = Box(np.array([2.0, -1.0, 0.95]), np.array([6.0, 1.0, 1.05]))
    return Offer(box, poly, cost, pcc={"ds": "x", "ts_bus": 1}, base={"sn_mva": 10.0}).to_dict()


_EXPONENTS = r"polynomial\.exponents \(degree 2\) must be integers of shape \(10, 3\).*re-save the offer"


def _edited(edit):
    d = json.loads(json.dumps(_good_dict()))
    edit(d)
    return d


@pytest.mark.parametrize("edit,match", [
    (lambda d: d["polynomial"]["coef"].__setitem__(3, float("nan")), r"polynomial\.coef.*NaN or infinite"),
    (lambda d: d["cost"].__setitem__("c0", float("inf")), r"cost\.c0.*NaN or infinite"),
    (lambda d: d["polynomial"].__setitem__("margin", float("nan")), r"polynomial\.margin"),
    (lambda d: d["cost"].__setitem__("H", [[-1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]), "negative eigenvalue"),
    (lambda d: d["cost"].__setitem__("H", [[1.0, 0.5, 0], [0, 1.0, 0], [0, 0, 1.0]]), "not symmetric"),
    (lambda d: d["box"].__setitem__("hi", [2.0, 1.0, 1.05]), r"box p_mw: lo 2\.0 >= hi 2\.0"),
    (lambda d: d["box"].__setitem__("lo", [2.0, 3.0, 0.95]), r"box q_mvar: lo 3\.0 >= hi 1\.0"),
    (lambda d: d["box"].update(lo=[-1000.0, -1000.0, 0.95], hi=[1000.0, 1000.0, 1.05]), "above max_mva"),
    (lambda d: d["box"].update(lo=[2.0, -1.0, 95.0], hi=[6.0, 1.0, 105.0]), r"vm_pu .* leaves"),
    (lambda d: d["polynomial"].__setitem__("degree", 150), r"degree must be an integer from 1 to 6"),
    (lambda d: d["polynomial"].__setitem__("degree", True), r"degree must be an integer"),
    # review R1 #20: a list of the wrong length is counted ("got 34 numbers, expected 35"), not printed
    (lambda d: d["polynomial"].__setitem__("degree", 4),
     (r"polynomial\.coef \(degree 4\): got 10 numbers, expected 35 \(one per monomial of degree <= 4 .*: correct "
      r"polynomial\.degree or the coefficients$")),
    (lambda d: d["polynomial"]["coef"].pop(), r"polynomial\.coef \(degree 2\): got 9 numbers, expected 10 \("),
    (lambda d: d["cost"].__setitem__("H", [[1.0, 0], [0, 1.0]]), r"cost\.H: got shape \(2, 2\), expected \(3, 3\) \(a row and"),
    (lambda d: d["box"].__setitem__("lo", ["2", "-1", "0.95"]), r"box\.lo must be numbers"),
    (lambda d: d["box"].__setitem__("lo", [2.0, -1.0]),
     r"box\.lo: got 2 numbers, expected 3 \(one per axis of \['p_mw', 'q_mvar', 'vm_pu'\]\)$"),
    (lambda d: d.pop("cost"), "section 'cost' is missing"),
    (lambda d: d.__setitem__("base", {"sn_mva": 0.0}), r"base\.sn_mva must be positive"),
    (lambda d: d["box"].__setitem__("axes", ["q_mvar", "p_mw", "vm_pu"]), "box axes must be"),
    # review finding: a negative margin (a box corner then offered) and an empty region (f = 1) were accepted
    (lambda d: d["polynomial"].__setitem__("margin", -3.0), r"polynomial\.margin is -3\.0: .* must be >= 0"),
    (lambda d: d["polynomial"].__setitem__("coef", [1.0] + [0.0] * 9), r"region is empty: f \+ m > 0 at all 21³"),
    (lambda d: d["polynomial"].__setitem__("margin", 5.0), "region is empty"),
    # review finding: exponents and convex were read unchecked (null escaped as a bare TypeError, "false" read True)
    (lambda d: d["polynomial"].__setitem__("exponents", None), _EXPONENTS),
    (lambda d: d["polynomial"].__setitem__("exponents", [[0, 0], [1]]), _EXPONENTS),
    (lambda d: d["polynomial"].__setitem__("exponents", "abc"), _EXPONENTS),
    (lambda d: d["polynomial"]["exponents"][0].__setitem__(0, 0.5), _EXPONENTS),
    (lambda d: d["polynomial"]["exponents"].pop(), _EXPONENTS),
    (lambda d: d["polynomial"]["exponents"].reverse(),
     r"polynomial\.exponents: the file orders the monomials differently .* re-save the offer with this forlab version"),
    (lambda d: d["polynomial"].__setitem__("convex", "false"), r"polynomial\.convex must be true or false"),
    (lambda d: d["polynomial"].__setitem__("convex", None), r"polynomial\.convex must be true or false"),
])
def test_bad_offer_file_is_refused_with_what_to_change(tmp_path, edit, match):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_edited(edit)))  # json writes NaN/Infinity tokens, and json.load reads them back
    with pytest.raises(ValueError, match=match) as err:
        Offer.load(path)
    assert str(path) in str(err.value)


def test_the_degrees_are_stated_once(monkeypatch):
    """Review finding: the offer check, its message and `build_offer`'s default each restated the degrees that
    `fit` knows, so a degree added there would have been refused in an offer and never tried."""
    import inspect

    from forlab.p1_for import offer, polynomial, representation

    assert offer.MAX_DEGREE == max(polynomial.DEGREES)
    assert inspect.signature(representation.build_offer).parameters["degrees"].default is polynomial.DEGREES
    monkeypatch.setattr(offer, "DEGREES", (2, 3))
    with pytest.raises(ValueError, match=r"from 1 to 6 \(forlab fits 2 or 3\)"):
        Offer.from_dict(_edited(lambda d: d["polynomial"].__setitem__("degree", 150)))


def test_good_offer_file_loads_and_a_large_ds_can_raise_the_bound(tmp_path):
    Offer.from_dict(_good_dict())
    bare = _edited(lambda d: [d["polynomial"].pop(k) for k in ("exponents", "convex")])  # both fields are optional
    assert not Offer.from_dict(bare).polynomial.convex
    big = _edited(lambda d: d["box"].update(lo=[800.0, -900.0, 0.95], hi=[1200.0, 900.0, 1.05]))
    with pytest.raises(ValueError, match="max_mva"):
        Offer.from_dict(big)
    assert Offer.from_dict(big, max_mva=5000.0).box.hi[0] == 1200.0


def test_huge_degree_is_refused_before_the_monomials_are_built(monkeypatch):
    """A degree of 150 took 17.6 s to refuse (the exponent list grows as degree^4); now nothing is built."""
    from forlab.p1_for import polynomial

    def refuse(degree):
        raise AssertionError(f"exponents({degree}) built before the degree was checked")

    d = _edited(lambda d: d["polynomial"].update(degree=150, coef=[0.0] * 585276))
    monkeypatch.setattr(polynomial, "exponents", refuse)  # nothing is built: the check comes first
    with pytest.raises(ValueError, match="degree"):
        Offer.from_dict(d)


def test_oversized_or_non_json_file_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(" " * 1_000_001)
    with pytest.raises(ValueError, match="bytes is not an offer"):
        Offer.load(big)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "forlab-offer/1", "box": ')
    with pytest.raises(ValueError, match="not JSON"):
        Offer.load(bad)


def test_semantic_checks_can_be_left_to_a_report():
    """A tool that reports on a bad file itself (chapter 10's checks table) reads it with check=False."""
    d = _edited(lambda d: d["cost"].__setitem__("H", [[-1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]))
    assert Offer.from_dict(d, check=False).cost.H[0, 0] == -1.0
    with pytest.raises(ValueError, match="degree"):  # the safety checks stay
        Offer.from_dict(_edited(lambda d: d["polynomial"].__setitem__("degree", 150)), check=False)


# ---------------------------------------------------------------- the DSO's library and the TSO's start (issue 16)
def test_the_price_fit_keeps_its_cost_opfs_as_the_dsos_library(sampled, offer):
    """The cost OPFs of the price fit are kept, primal and dual, for the DSO's online warm starts: the same offer,
    one library entry per successful cost point, at that point, and each entry a solution of its cost OPF (a warm
    solve from it ends at once, at the reported cost)."""
    from forlab.p1_for.dso_opf import CostLibrary, DSOModel

    net, s = sampled
    model = DSOModel(net)
    o, rep, lib = build_offer(net, s, model=model, return_library=True, **OFFER_OPTIONS)
    assert o.to_dict() == offer[0].to_dict()  # keeping the solutions changes nothing in the offer
    ok = rep.cost_success.values.astype(bool)
    assert isinstance(lib, CostLibrary) and lib.model is model and len(lib) == ok.sum() >= 20
    assert np.allclose(lib.points, rep.cost_point.values[ok], atol=o.info["tol"])
    for k in (0, len(lib) // 2, len(lib) - 1):
        s_k, _ = model.cost_solve(o.box.denormalise(lib.points[k]), o.box, start=lib.starts[k])
        assert s_k.success and s_k.iterations <= 3
        assert s_k.fpu_cost == pytest.approx(rep.cost_value.values[ok][k], rel=1e-6, abs=1e-6)


def test_a_ds_with_a_unit_that_is_no_fpu_is_refused():
    """P1 reads an FPU's set-point by its position among the DS's units: a unit that is neither the PCC nor an FPU
    (here a controllable sgen without a PQ chart) would be read as one, so the DSO's model refuses the net."""
    import copy

    import pandapower as pp

    from forlab.p1_for.dso_opf import DSOModel

    net = copy.deepcopy(td.load_system("case9+case33bw").ds["case33bw"])
    pp.create_sgen(net, 5, p_mw=0.1, max_p_mw=0.2, min_p_mw=0.0, max_q_mvar=0.1, min_q_mvar=-0.1, controllable=True)
    with pytest.raises(ValueError, match="PCC's ext_grid and its FPUs"):
        DSOModel(net)


def test_a_warm_start_of_another_ds_is_refused():
    from forlab.p1_for.dso_opf import DSOModel

    model = DSOModel(td.load_system("case9+case33bw").ds["case33bw"])
    n = model.opf.nx
    with pytest.raises(ValueError, match="solved on another DS"):
        model.warm_start(np.zeros(n + 1), np.zeros(len(model.opf.lbg)), np.zeros(n + 1))


def test_the_central_point_lies_in_the_largest_part_of_the_region():
    """A region of two parts, f < 0 inside exactly one of a flat ellipsoid A and a smaller ball B: the start is A's
    centre, not the box centre (outside both) nor B, where f is smallest."""
    from forlab.p1_for.polynomial import central_point, monomials

    a, b, e = np.array([0.3, 0.3, 0.3]), np.array([-0.7, -0.7, -0.7]), np.array([0.5, 0.5, 0.1])

    def f(x):
        return (np.sum(((x - a) / e) ** 2, axis=1) - 1) * (np.sum((x - b) ** 2, axis=1) - 0.2**2)

    x = np.random.default_rng(0).uniform(-1, 1, (400, 3))
    poly = ImplicitPolynomial(4, np.linalg.lstsq(monomials(x, exponents(4)), f(x), rcond=None)[0])  # exact: degree 4
    assert poly(np.zeros((1, 3)))[0] > 0 and poly(b[None])[0] < poly(a[None])[0] < 0
    assert np.linalg.norm(central_point(poly) - a) <= 0.1 + 1e-9  # within the grid's spacing


def test_the_edge_on_a_segment_is_where_the_ball_ends():
    """The ball |x| <= 0.5: the segment from its centre to (2, 0, 0) leaves it at a quarter of its length, the
    share bracketed by an inside and an outside point 2^-steps apart."""
    from forlab.p1_for.polynomial import edge_on_segment

    def inside(x):
        return bool(np.linalg.norm(x) <= 0.5)

    lo, hi = edge_on_segment(inside, np.zeros(3), np.array([2.0, 0.0, 0.0]), steps=50)
    assert hi - lo == pytest.approx(2.0 ** -50) and lo <= 0.25 <= hi and lo == pytest.approx(0.25, abs=1e-14)
    assert inside(np.array([2.0 * lo, 0, 0])) and not inside(np.array([2.0 * hi, 0, 0]))


def test_an_offer_on_a_model_of_another_load_level_is_refused_with_other_limits():
    """`make_offer` re-uses a DS model of another load level (its loads set); one built with other voltage limits
    than the offer asks for is refused before any work."""
    from forlab.p1_for.coordinate import scale_loads
    from forlab.p1_for.dso_opf import DSOModel
    from forlab.p1_for.representation import make_offer

    dsn = td.load_system("case9+case33bw").ds["case33bw"]
    model = DSOModel(dsn, vm_limits=(0.9, 1.1))
    with pytest.raises(ValueError, match="other voltage limits"):
        make_offer(scale_loads(dsn, 0.9), model=model)
    with pytest.raises(ValueError, match="other voltage limits"):
        make_offer(scale_loads(dsn, 0.9), model=model, vm_limits=(0.95, 1.05))
