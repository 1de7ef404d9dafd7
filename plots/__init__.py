"""Publication figures of cevns-scan results: contours, Δχ² profiles, data-vs-prediction spectra.

Every plot function takes an optional matplotlib ``ax`` (or ``axes``), creates a paper-style figure when none
is given (3.4 in single-column width, 8–9 pt fonts, constrained layout) and returns the artists it drew.
:func:`save` writes PNG and/or PDF. The library never calls ``plt.show()``. Usage and the ``cevns plot``
command: docs/plots.md.
"""

from .contours import ContourArtists, ContourEntry, load_reference, plot_contours, result_label
from .profiles import LEVELS, ProfileArtists, plot_profile, profile_from_result
from .spectra import SpectrumArtists, SpectrumData, plot_spectrum, spectrum_data
from .style import COLUMN_WIDTH, DOUBLE_WIDTH, axis_label, cl_label, experiment_label, save

__all__ = [
    "plot_contours",
    "load_reference",
    "result_label",
    "ContourArtists",
    "ContourEntry",
    "plot_profile",
    "profile_from_result",
    "ProfileArtists",
    "LEVELS",
    "plot_spectrum",
    "spectrum_data",
    "SpectrumArtists",
    "SpectrumData",
    "save",
    "axis_label",
    "cl_label",
    "experiment_label",
    "COLUMN_WIDTH",
    "DOUBLE_WIDTH",
]


def __dir__():
    return __all__
