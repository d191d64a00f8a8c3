# Learners' checkouts for tests/test_grade.py, graded by `dojo grade`; one even carries its
# own (cheating) test file. None of it is part of the self-check: collect nothing here.
collect_ignore_glob = ["*"]
