"""Outcomes in the dojo's run records (dojo.pytest_plugin writes them; progress, overview,
watch and verify read them) beyond pytest's own "passed", "failed", "skipped"."""

# A test skipped because an earlier test of its kata failed in the same run: it says nothing
# about the code, so no reader counts it as a pass or a failure.
NOT_RUN = "not_run"
