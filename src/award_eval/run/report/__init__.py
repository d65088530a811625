"""HTML reports: one evaluation's page (html) and the run's index (index)."""
