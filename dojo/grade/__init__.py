"""Grading a class: per-learner runs (learner_run), the pytest plugin inside them (plugin), the
whole class (class_run), the files written (report) and the `dojo grade` command (cli)."""
