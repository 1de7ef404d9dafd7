"""The `cevns` command line, run in-process: JSON outputs and one-line errors with exit status 2."""

import json

import pytest

from cevns.scanner.cli import main
from cevns.scanner.params import PARAMETERS


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rate_json(capsys):
    code, out, err = run(capsys, "rate", "coherent-csi-2021", "--json")
    assert code == 0 and err == ""
    res = json.loads(out)
    assert res["experiment"] == "coherent-csi-2021"
    assert set(res["counts"]) == {"cevns", "brn", "nin", "ss"}
    assert abs(res["counts"]["cevns"] / 341 - 1) < 0.01, "SM CEvNS vs 341 (seed 000:143), tolerance 1 %"
    assert abs(res["counts"]["ss"] - 1295) < 1e-9
    assert res["observed"] == 1578
    assert abs(sum(res["cevns_by_flavour"].values()) - res["counts"]["cevns"]) < 1e-9 * res["counts"]["cevns"]


def test_rate_set_norm(capsys):
    _, out0, _ = run(capsys, "rate", "coherent-csi-2021", "--json")
    code, out, _ = run(capsys, "rate", "coherent-csi-2021", "--set", "cevns_norm=2", "--json")
    assert code == 0
    a, b = json.loads(out0)["counts"]["cevns"], json.loads(out)["counts"]["cevns"]
    assert abs(b / a - 2) < 1e-12


def test_rate_with_a_model(capsys):
    """`cevns rate --model`: the counts are the experiment's prediction under that model (a universal Z' of 10 MeV
    with g = 1e-4 changes the CsI CEvNS rate visibly; zero coupling gives back the SM exactly)."""
    from cevns.scanner.experiments import get_experiment

    args = ("rate", "coherent-csi-2021", "--model", "zprime-universal", "--set", "m_zp=10", "--json")
    code, out, err = run(capsys, *args, "--set", "g_zp=1e-4")
    assert code == 0 and err == ""
    res = json.loads(out)
    assert res["model"] == "zprime-universal"
    want = get_experiment("coherent-csi-2021").predict({"g_zp": 1e-4, "m_zp": 10.0}, model="zprime-universal")
    assert res["counts"]["cevns"] == pytest.approx(float(want["cevns"].sum()), rel=1e-12)
    _, out0, _ = run(capsys, "rate", "coherent-csi-2021", "--json")
    sm = json.loads(out0)["counts"]["cevns"]
    assert abs(res["counts"]["cevns"] / sm - 1) > 0.1
    _, outz, _ = run(capsys, *args, "--set", "g_zp=0")
    assert json.loads(outz)["counts"]["cevns"] == pytest.approx(sm, rel=1e-12)


def test_fit_json(capsys):
    code, out, err = run(capsys, "fit", "coherent-csi-2021", "--free", "rn", "--json")
    assert code == 0 and err == ""
    res = json.loads(out)
    for key in ("best", "interval_1sigma", "interval_90", "chi2_min", "nuisances"):
        assert key in res, key
    best = res["best"]["rn"]
    lo1, hi1 = res["interval_1sigma"]["rn"]
    lo9, hi9 = res["interval_90"]["rn"]
    assert lo9 < lo1 < best < hi1 < hi9
    assert abs(best - 5.47) < 0.15, "R_n vs 5.47 fm (seed 000:183), tolerance 0.15 fm"
    assert set(res["nuisances"]) == {"eta_cevns", "eta_brn", "eta_nin", "eta_ss"}


def test_list_json(capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    res = json.loads(out)
    assert "coherent-csi-2021" in res["experiments"]
    assert "rn" in res["experiments"]["coherent-csi-2021"]["parameters"]
    assert "sm" in res["models"]
    assert "tmm" in res["experiments"]["xenonnt-er-2022"]["models"]
    assert res["experiments"]["apv-cs"]["models"] == ["sm", "darkz"]


def assert_one_line_error(code, out, err, *needles):
    assert code == 2
    assert out == ""
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], (n, lines[0])


def test_unknown_experiment(capsys):
    assert_one_line_error(*run(capsys, "rate", "coherent-csi-2012", "--json"), "coherent-csi-2012", "unknown")
    assert_one_line_error(*run(capsys, "fit", "no-such-exp", "--free", "rn", "--json"), "no-such-exp")


def test_unknown_parameter(capsys):
    assert_one_line_error(*run(capsys, "fit", "coherent-csi-2021", "--free", "rnn", "--json"),
                          "rnn", "did you mean 'rn'")
    assert_one_line_error(*run(capsys, "rate", "coherent-csi-2021", "--set", "sin2ww=0.2"),
                          "sin2ww", "did you mean")


def test_parameter_not_applying(capsys):
    if "rn_ar" not in PARAMETERS:
        pytest.skip("the parameter registry knows no rn_ar")
    assert_one_line_error(*run(capsys, "fit", "coherent-csi-2021", "--free", "rn_ar", "--json"),
                          "rn_ar", "does not apply")


@pytest.mark.parametrize("value,needle", [("nan", "not finite"), ("abc", "not a number")])
def test_bad_fixed_value(capsys, value, needle):
    assert_one_line_error(*run(capsys, "fit", "coherent-csi-2021", "--free", "sin2w", "--fix", f"rn={value}",
                               "--json"), "rn", needle)


def test_unknown_model(capsys):
    assert_one_line_error(*run(capsys, "fit", "coherent-csi-2021", "--free", "rn", "--model", "zprimee"),
                          "zprimee", "model")
