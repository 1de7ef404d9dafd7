"""Axis labels of every registered parameter render in matplotlib mathtext and carry the registry's unit."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cevns.plots.style import axis_label  # noqa: E402
from cevns.scanner.params import PARAMETERS  # noqa: E402


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_label_renders_with_unit(name):
    label = axis_label(name)
    assert label.split(" [")[0] != name, f"{name} has no symbol"
    fig, ax = plt.subplots()
    ax.set_xlabel(label)
    fig.savefig(io.BytesIO(), format="png")  # raises on mathtext errors
    plt.close(fig)
    if PARAMETERS[name].unit:
        assert "[" in label


def test_charge_radius_and_tmm_symbols():
    assert axis_label("rch2_emu").startswith(r"$\langle r^2_{\nu_{e\mu}}\rangle$")
    assert axis_label("tmm_l3").startswith(r"$|\Lambda_3|$")
    assert r"10^{-32}" in axis_label("rch2_ee")
