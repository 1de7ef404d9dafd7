"""The `cevns` command line: a thin layer over the library API.

Every user error (:class:`~cevns.scanner.errors.CevnsError`) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import CevnsError, ConfigError

__all__ = ["main", "build_parser"]


def _params(pairs) -> dict:
    out = {}
    for item in pairs or []:
        if "=" not in item:
            raise ConfigError(f"--set/--fix '{item}': expected NAME=VALUE")
        k, v = item.split("=", 1)
        if k.strip() in out:
            raise ConfigError(f"--set/--fix: parameter '{k.strip()}' given twice")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise ConfigError(f"--set/--fix '{item}': value '{v}' is not a number") from None
    return out


def _emit(obj, as_json: bool, text: str):
    print(json.dumps(obj, indent=2) if as_json else text)


def cmd_rate(args) -> int:
    from .experiments import get_experiment, split_combination

    if len(split_combination(args.experiment)) > 1:
        raise ConfigError(f"rate takes one experiment, got the combination '{args.experiment}': run it for each")
    exp = get_experiment(args.experiment)
    model = args.model
    if model == "sm":
        params = exp.check_params(_params(args.set))
        pred = exp.predict(params)
    else:
        exp.check_model(model)
        params = exp.check_params(_params(args.set), model)
        pred = exp.predict(params, model=model)
    counts = {k: float(v.sum()) for k, v in pred.items()}
    out = {"experiment": exp.name, "model": model, "params": params, "counts": counts,
           "observed": float(exp.observed().sum())}
    if hasattr(exp, "rate_summary"):  # experiment-specific figures, e.g. counts per day of a reactor run
        out.update(exp.rate_summary(params, model=model) if model != "sm" else exp.rate_summary(params))
    if hasattr(exp, "predict_cevns_by_flavour"):
        by = exp.predict_cevns_by_flavour(params, model=model)
        out["cevns_by_flavour"] = {k: float(v.sum()) for k, v in by.items()}
    where = f" ({model})" if model != "sm" else ""
    lines = [f"{exp.name}{where}: {exp.rate_heading}" + (f" at {params}" if params else " (SM)")]
    w = max(8, *(len(k) for k in counts))
    lines += [f"  {k:<{w}s} {v:10.2f}" for k, v in counts.items()]
    if exp.rate_is_counts:
        lines.append(f"  {'total':<{w}s} {sum(counts.values()):10.2f}   observed {out['observed']:.0f}")
    for k, v in out.get("cevns_by_flavour", {}).items():
        lines.append(f"  cevns from {k:<8s} {v:8.2f}")
    _emit(out, args.json, "\n".join(lines))
    return 0


def cmd_fit(args) -> int:
    from .fit import fit

    res = fit(args.experiments, args.free, model=args.model, fixed=_params(args.fix))
    lines = [f"{res['experiments']} ({res['model']}): chi2_min = {res['chi2_min']:.2f}"]
    for n, v in res["best"].items():
        lo1, hi1 = res["interval_1sigma"][n]
        lo_r, hi_r = res["search_range"][n]

        def end(x, lo_r=lo_r, hi_r=hi_r):  # a region that stops at the search range is not bounded there
            return f"{x:.4g}*" if x in (lo_r, hi_r) and x != 0.0 else f"{x:.4g}"  # 0: a physical bound

        regions = " ∪ ".join(f"[{end(a)}, {end(b)}]" for a, b in res["regions_90"][n])
        lines.append(f"  {n} = {v:.4g} +{hi1 - v:.3g} -{v - lo1:.3g} (1 sigma)   90% CL {regions}")
        if [[lo_r, hi_r]] == res["regions_90"][n]:
            lines.append(f"  ({n} is not constrained at 90 % CL within its search range [{lo_r:.4g}, {hi_r:.4g}])")
        elif "*" in regions:
            lines.append(f"  (* = end of the search range of {n}, not a limit)")
    if res["nuisances"]:
        lines.append("  nuisances: " + ", ".join(f"{k}={v:+.3f}" for k, v in res["nuisances"].items()))
    _emit(res, args.json, "\n".join(lines))
    return 0


def cmd_list(args) -> int:
    from .experiments import EXPERIMENTS, get_experiment
    from .params import PARAMETERS
    from .registry import MODELS

    out = {"experiments": {}, "models": MODELS,
           "parameters": {k: {"default": p.default, "unit": p.unit, "description": p.description}
                          for k, p in PARAMETERS.items()}}
    for name in EXPERIMENTS:
        e = get_experiment(name)
        opts = {k: {"default": d, "allowed": list(a) if isinstance(a, tuple) else a.__name__}
                for k, (d, a) in getattr(type(e), "OPTIONS", {}).items()}
        out["experiments"][name] = {"description": e.description, "parameters": list(e.parameters),
                                    "nuisances": list(e.nuisance_names), "options": opts,
                                    "models": list(e.models)}
    lines = ["experiments:"]
    for name, e in out["experiments"].items():
        lines.append(f"  {name}: {e['description']}")
        lines.append(f"      parameters: {', '.join(e['parameters'])}; options: {e['options'] or 'none'}")
        lines.append(f"      models: {', '.join(e['models'])}")
    lines.append("models:")
    lines += [f"  {k}: {v}" for k, v in MODELS.items()]
    lines.append("parameters:")
    lines += [f"  {k} [{p['unit'] or '-'}]: {p['description']}" for k, p in out["parameters"].items()]
    _emit(out, args.json, "\n".join(lines))
    return 0


def cmd_bench(args) -> int:
    from .bench import run_bench

    res = run_bench(quick=args.quick)
    lines = [f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in res.items()]
    _emit(res, args.json, "\n".join(lines))
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``cevns scan: error: …``, status 2) instead of usage + error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cevns", description="CEvNS rates, fits and scans on public data.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("rate", help="expected counts per component for one experiment")
    r.add_argument("experiment")
    r.add_argument("--set", action="append", metavar="NAME=VALUE", help="parameter value (repeatable)")
    r.add_argument("--model", default="sm", help="mediator model (default sm; see `cevns list`)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_rate)

    f = sub.add_parser("fit", help="best fit and Δχ² intervals of free parameters")
    f.add_argument("experiments", help="experiment name or a '+' combination")
    f.add_argument("--free", action="append", required=True, metavar="NAME", help="free parameter (repeatable)")
    f.add_argument("--fix", action="append", metavar="NAME=VALUE", help="fixed parameter value (repeatable)")
    f.add_argument("--model", default="sm")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_fit)

    li = sub.add_parser("list", help="experiments, models and parameters")
    li.add_argument("--json", action="store_true")
    li.set_defaults(func=cmd_list)

    b = sub.add_parser("bench", help="speed of the profiled χ² against the quad reference (same run)")
    b.add_argument("--json", action="store_true")
    b.add_argument("--quick", action="store_true", help="fewer repetitions")
    b.set_defaults(func=cmd_bench)

    try:
        from .cli_scan import register
    except ImportError:  # scan engine not installed in this build
        register = None
    if register is not None:
        register(sub)
    from .cli_plot import register as register_plot
    from .cli_validate import register as register_validate

    register_plot(sub)
    register_validate(sub)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CevnsError as exc:
        print(f"cevns: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGINT/SIGTERM caught by a running scan (ScanInterrupted)
        hint = "; resume with --resume" if getattr(args, "command", None) == "scan" else ""
        print(f"cevns: interrupted{hint}", file=sys.stderr)
        return 128 + int(getattr(exc, "signum", 2))
    except BrokenPipeError:  # output piped into `head` and closed early
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

