"""A learner folder nested too deep (class/nested/term1/group_b/k01...): must be listed as skipped with the reason, not graded and not dropped silently."""

from katas.k01_await_one_ref.kata import fetch_greeting


async def greet(name: str, delay: float = 1.0) -> str:
    """Run fetch_greeting on Ray and return its greeting without blocking the event loop."""
    # An ObjectRef is awaitable: awaiting it suspends only this coroutine, so the event loop
    # keeps running other work while the task runs. ray.get would block the loop's thread.
    return await fetch_greeting.remote(name, delay)
