"""Running a plan: plans, the run context, batch execution, kernels, HTML reports."""
