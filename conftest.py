# The dojo's pytest plumbing (--solutions, one Ray per session, probes, reports) lives in
# the support package so that katas/ holds only what a learner needs.
pytest_plugins = ["dojo.pytest_plugin"]
