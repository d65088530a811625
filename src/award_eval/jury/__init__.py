"""Jury scores: read and check them (scores), aggregate and compare them (aggregate), agreement (reliability)."""
from award_eval.jury.aggregate import (  # noqa: F401
    agreement,
    constant_jurors,
    criterion_scores,
    disagreement,
    disagreements,
    juror_severity,
    method_comparison,
    standardised,
    to_percent,
    trim_count,
    trimmed_mean,
)
from award_eval.jury.scores import (  # noqa: F401
    CSV_SUFFIXES,
    METHODS,
    SCORE_COLUMNS,
    XLSX_SUFFIXES,
    completeness,
    completeness_summary,
    expected_scores,
    jurors_from_scores,
    load_jurors,
    read_jury_scores,
    read_raw,
    scores_to_csv,
)
