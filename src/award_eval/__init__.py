"""award_eval: reproducible, ranked evaluation of nominees for a municipal digitalisation award."""
from __future__ import annotations

__version__ = "0.1.0"

from .criteria import Framework, load_framework
from .data import AwardData, load_award_data
from .errors import AwardEvalError, InputError
from .jury import completeness, completeness_summary, load_jurors, read_jury_scores
from .sheets import write_sheets

__all__ = ["AwardData", "AwardEvalError", "Framework", "InputError", "__version__",
           "completeness", "completeness_summary", "load_award_data", "load_framework",
           "load_jurors", "read_jury_scores", "write_sheets"]
