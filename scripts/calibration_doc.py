"""Write docs/calibration.md: how the default set is estimated, the last run, every label.

    python scripts/calibration_doc.py [--out docs/calibration.md]

Reads ``src/mscnk/scenarios/coculture/parameters.yaml`` (each parameter's provenance) and
``docs/calibration_run.txt`` (what ``scripts/calibrate_default.py`` printed when it last
wrote the defaults), so every number in the page comes from those two files.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "src" / "mscnk" / "scenarios" / "coculture" / "parameters.yaml"
RUN = ROOT / "docs" / "calibration_run.txt"
INTERVAL = re.compile(r"95 % interval \[([^,\]]+), ([^\]]+)\]")
SHRUNK = re.compile(r"prior variance shrunk by (\d+)%")
LABELS = ("cited", "prior", "fitted", "assumed")

PROCEDURE = """\
## How the default set is estimated

```bash
python scripts/calibrate_default.py --from-prior       # writes parameters.yaml and docs/calibration_run.txt
python scripts/calibration_doc.py                      # this page
mscnk docs                                             # docs/model.md
python scripts/validation_doc.py                       # docs/validation.md
```

`calibrate_default.py` estimates every parameter whose provenance is not a citation or an
explicit assumption (those stay fixed) with `mscnk.analysis.calibrate`:

- **Priors.** Each parameter's declared range is its prior range: log-normal with 95 % of its
  mass in `[lower, upper]` (logit-normal on the range where `lower` is 0),
  `mscnk.analysis._priors`. Where a source gives a range, the declared range is that range;
  elsewhere it is a stated wide range (most span a factor of 100). The search works in prior
  standard deviations.
- **A smooth posterior.** Half the sum of squared residuals: one per parameter (its distance
  from the prior median in prior SDs), one per expectation of the 38 findings
  (`tests/data`, copies of the shared findings) and of the catalog's mechanism checks,
  `sqrt(-2 log Phi(margin / 0.1))` (the probability of observing the expectation hold when
  its margin, a log-ratio or a share of a range, carries an error of 0.1), and for each
  published number with its accepted range the squared error from the range's middle (the
  range being +-1.96 SD).
- **Maximum a posteriori** by pyPESTO's trust-region least squares (`ls_trf`); the Jacobian
  comes by forward differences from one batch of `p + 1` parameter sets through the batched
  engine (`mscnk.analysis.Posterior`).
- **What the findings determine.** The Fisher information at the maximum gives each
  parameter's posterior variance (Laplace approximation). Parameters go back to their prior
  medians, least informed first (smallest `z^2 / var`), while returning all of them raises the
  -log posterior by at most 1.92 (the rise a 95 % likelihood-ratio test ignores for one
  parameter, quadratic approximation); they are labelled `prior`. The rest are estimated
  again and labelled `fitted` with a 95 % interval from the information at the new maximum
  (clipped to the prior range). If the real rise exceeds 1.92, fewer go back (the predicted
  rise aimed lower by the factor the prediction missed by, times 0.8) and the step runs again.

A `fitted` label therefore means the findings moved the value away from its prior median by
more than they can ignore; a wide interval means they fix it only jointly with others. A
`prior` label means the findings are indifferent to it within the tolerance: its value is a
prior median, not a measurement.

Where each fitted parameter acts (the findings and mechanism checks whose margins it moves
when changed by 20 %), and which act in only one, is listed in
[docs/validation.md](validation.md#where-each-parameter-acts) (`scripts/validation_doc.py`).
"""


def label_of(provenance: str) -> str:
    first = provenance.split(":", 1)[0].split(" ", 1)[0]
    return first if first in ("prior", "fitted", "assumed") else "cited"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "calibration.md")
    args = parser.parse_args()
    table = yaml.safe_load(PARAMETERS.read_text())
    labels = {name: label_of(str(row["provenance"])) for name, row in table.items()}
    counts = Counter(labels.values())
    lines = ["# How the default parameters were estimated", "",
             "One parameter set serves every finding. Each parameter in "
             "`src/mscnk/scenarios/coculture/parameters.yaml` carries a unit, a default, a "
             "prior range and a provenance label: `cited` (a paper, review or quantitative "
             "finding sets it), `prior` (the findings do not determine it; it sits at its "
             "prior median), `fitted` (estimated, with its 95 % interval) or `assumed` (with "
             "why). This page is written by `python scripts/calibration_doc.py`.", "",
             "## Provenance today", "",
             f"{len(table)} parameters: " + ", ".join(f"**{counts[k]} {k}**" for k in LABELS)
             + ".", "", PROCEDURE]
    if RUN.is_file():
        lines += ["## The last estimation, as it ran", "",
                  "What `scripts/calibrate_default.py` printed (steps and summary; the first "
                  "line is the command):", "", "```text", RUN.read_text().strip(), "```", ""]
    lines += ["## Fitted parameters and their intervals", "",
              "| parameter | value | 95 % interval | unit |", "| --- | ---: | --- | --- |"]
    for name, row in table.items():
        if labels[name] == "fitted":
            found = INTERVAL.search(str(row["provenance"]))
            interval = f"[{found.group(1)}, {found.group(2)}]" if found else "(none stated)"
            lines.append(f"| {name} | {float(row['value']):.4g} | {interval} | {row['unit']} |")
    lines += ["", "## Parameters at their prior medians", "",
              "| parameter | value (prior median) | prior range | prior variance removed by "
              "the findings | unit |", "| --- | ---: | --- | ---: | --- |"]
    for name, row in table.items():
        if labels[name] == "prior":
            shrunk = SHRUNK.search(str(row["provenance"]))
            lines.append(f"| {name} | {float(row['value']):.4g} | [{float(row['lower']):.4g}, "
                         f"{float(row['upper']):.4g}] | "
                         f"{shrunk.group(1) + ' %' if shrunk else 'not estimated yet'} | "
                         f"{row['unit']} |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{counts[k]} {k}" for k in LABELS))


if __name__ == "__main__":
    main()
