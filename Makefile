# Two commands do all set-up: `make demo` and `make test`. Both create .venv if it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lab venv clean notebooks

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name award-eval --display-name "award_eval (.venv)" >/dev/null
	$(BIN)/python -m award_eval.run.kernels.install --name award-eval
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/award-eval run data/demo/plan.yaml --out runs/demo

# Two xdist workers, a test file per unit of work, slow files first (tests/conftest.py says how);
# `make test TEST_WORKERS=0` runs the suite serially in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Rooted at the repository, so criteria/, data/ and runs/ are visible beside notebooks/.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/evaluate.ipynb

# Re-execute the notebooks in place on the demo data (their stored outputs are what nbval checks).
notebooks: $(STAMP)
	cd notebooks && for nb in *.ipynb; do ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.kernel_name=award-eval --ExecutePreprocessor.timeout=900 "$$nb" || exit 1; done

clean:
	rm -rf runs .pytest_cache
