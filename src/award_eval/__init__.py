"""award_eval: reproducible, ranked evaluation of nominees for a municipal digitalisation award."""
from __future__ import annotations

from award_eval.version import __version__

from award_eval.criteria import Framework, load_framework
from award_eval.data import AwardData, load_award_data
from award_eval.errors import AwardEvalError, InputError
from award_eval.jury.sheets import write_sheets
from award_eval.jury.scores import (
           completeness,
           completeness_summary,
           load_jurors,
           read_jury_scores,
)
from award_eval.validation import ValidationReport, validate

__all__ = ["AwardData", "AwardEvalError", "Framework", "InputError", "__version__",
           "completeness", "completeness_summary", "load_award_data", "load_framework",
           "load_jurors", "read_jury_scores", "write_sheets",
           "ValidationReport", "validate"]
