"""The learner's own "tests": they always pass. The grader must never run them."""


def test_returns_the_remote_greeting():
    assert True


def test_graded_by_my_own_tests():
    assert True
