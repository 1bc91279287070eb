"""``mscnk run --ensemble``: an experiment under every parameter set of an ensemble, and the
median and 5-95 % band of each readout over them."""

from __future__ import annotations

from pathlib import Path

from mscnk._cli_common import Format, errors, print_records


def with_ensemble(file: Path, ensemble: Path) -> dict:
    """The experiment of ``file`` with every row of ``ensemble`` as its parameter sets."""
    import pandas as pd

    from mscnk.experiment import ConditionError, read_data

    document = read_data(file, "experiment file")
    if not isinstance(document, dict):
        raise ConditionError([f"experiment file {str(file)!r}: --ensemble needs a mapping "
                              "(a condition or an experiment)"])
    if "parameter_sweep" in document:
        raise ConditionError([f"experiment file {str(file)!r} has a parameter_sweep; "
                              "--ensemble gives the parameter sets itself"])
    try:
        table = pd.read_csv(ensemble)
    except (OSError, ValueError) as error:
        raise ConditionError([f"--ensemble {str(ensemble)!r}: {error}"]) from None
    if table.empty:
        raise ConditionError([f"--ensemble {str(ensemble)!r}: no parameter sets (rows)"])
    return {**document, "parameter_sweep": {"sets": table.to_dict("records")}}


def print_bands(path: Path, units: dict[str, str]) -> None:
    """Median and 5-95 % band of every readout in every condition, over the parameter sets."""
    from mscnk.store import RunStore

    store = RunStore.open(path)
    frame = store.read()
    swept = [f for f in store.metadata().get("swept_fields", []) if f in frame.columns]
    labels = frame["condition"].astype(str)
    for field in swept:  # a swept condition's rows differ by its swept fields
        labels = labels + f" {field}=" + frame[field].astype(str)
    conditions = list(dict.fromkeys(labels))
    rows = []
    for readout, unit in units.items():
        cells = []
        for condition in conditions:
            values = frame.loc[labels == condition, readout].dropna()
            cells.append("-" if values.empty else
                         f"{values.median():.4g} [{values.quantile(0.05):.4g}, "
                         f"{values.quantile(0.95):.4g}]")
        if any(c != "-" for c in cells):
            rows.append([readout, unit, *cells])
    sets = frame["parameter_set"].nunique()
    print_records(["readout", "unit", *conditions], rows, Format.table)
    errors.print(f"median [5 %, 95 %] over {sets} parameter sets", highlight=False)
