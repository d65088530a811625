"""award_eval: reproducible, ranked evaluation of nominees for a municipal digitalisation award.

The public names below are imported on first use (PEP 562), not with the package: ``import
award_eval`` (and every ``award_eval.x`` submodule, which imports the package first) would
otherwise load pandas, scipy and scikit-learn even for ``award-eval run`` with nothing to do.
``from award_eval import load_framework`` works as before.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from award_eval.version import __version__

#: public name -> the module that defines it
_PUBLIC: dict[str, str] = {
    "Framework": "award_eval.criteria",
    "load_framework": "award_eval.criteria",
    "AwardData": "award_eval.data",
    "load_award_data": "award_eval.data",
    "AwardEvalError": "award_eval.errors",
    "InputError": "award_eval.errors",
    "write_sheets": "award_eval.jury.sheets",
    "completeness": "award_eval.jury.scores",
    "completeness_summary": "award_eval.jury.scores",
    "load_jurors": "award_eval.jury.scores",
    "read_jury_scores": "award_eval.jury.scores",
    "ValidationReport": "award_eval.validation",
    "validate": "award_eval.validation",
}

__all__ = ["AwardData", "AwardEvalError", "Framework", "InputError", "__version__",
           "completeness", "completeness_summary", "load_award_data", "load_framework",
           "load_jurors", "read_jury_scores", "write_sheets",
           "ValidationReport", "validate"]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ below does this
    from award_eval.criteria import Framework, load_framework
    from award_eval.data import AwardData, load_award_data
    from award_eval.errors import AwardEvalError, InputError
    from award_eval.jury.scores import completeness, completeness_summary, load_jurors, read_jury_scores
    from award_eval.jury.sheets import write_sheets
    from award_eval.validation import ValidationReport, validate


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:  # AttributeError lets ``from award_eval import jury`` import the submodule
        raise AttributeError(f"module 'award_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
