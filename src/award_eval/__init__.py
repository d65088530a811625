"""award_eval: reproducible, ranked evaluation of nominees for a municipal digitalisation award."""
from __future__ import annotations

__version__ = "0.1.0"

from .criteria import Framework, load_framework
from .data import AwardData, load_award_data
from .errors import AwardEvalError, InputError

__all__ = ["AwardData", "AwardEvalError", "Framework", "InputError", "__version__",
           "load_award_data", "load_framework"]
