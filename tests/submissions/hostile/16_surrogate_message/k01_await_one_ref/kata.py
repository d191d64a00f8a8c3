"""HOSTILE-CLASS attack: an exception message holding a lone surrogate.

Tries: greet raises ValueError("\udcff"); the message cannot be encoded as UTF-8, which stopped
the grader writing results.json (a traceback, exit 1, later learners never graded).
Must happen: this learner fails (0 points) with its message written with a replacement
character; every later learner is graded.
"""


async def greet(name: str, delay: float = 1.0) -> str:
    raise ValueError("\udcff")
