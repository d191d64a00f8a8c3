"""Support package of ray-asyncio-dojo: the harness behind the katas.

Learners only ever need `todo` (used by the stubs). Everything else here is for the
kata tests, the self-check and the `dojo` command.
"""

from dojo.harness.todo import NotDoneYet, todo

__all__ = ["NotDoneYet", "todo"]
