"""The dask backend (joblib's dask backend on a distributed LocalCluster) gives the loky result."""

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner.likelihood import Paraboloid
from cevns.scanner.scan import run_scan

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed not installed (pip install 'dask[distributed]' or the [dask] extra)",
)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as c:
        yield c


LIK = Paraboloid(["a", "b"], [0.1, 2.0], [[1.0, 0.3], [0.3, 2.0]], chi2_min=1.0)
AXES = [Axis("a", -3, 3, 45), Axis("b", 0.1, 30, 40, "log")]


def test_dask_client_and_address_give_the_loky_result(tmp_path, cluster):
    ref = run_scan(LIK, AXES, output=tmp_path / "loky", chunk_size=128, progress=False)
    with distributed.Client(cluster) as client:
        viaclient = run_scan(
            LIK,
            AXES,
            output=tmp_path / "dask",
            backend="dask",
            scheduler=client,
            n_jobs=2,
            chunk_size=100,
            progress=False,
        )
    viaaddr = run_scan(
        LIK, AXES, backend="dask", scheduler=cluster.scheduler_address, chunk_size=77, progress=False
    )
    for r in (viaclient, viaaddr):
        for key in ("chi2", "dchi2", "eta"):
            assert np.asarray(getattr(r, key)).tobytes() == np.asarray(getattr(ref, key)).tobytes(), key
    assert viaclient.metadata["backend"] == "dask"
