"""The self-check gives each of its pytest sessions a Ray of its own (DOJO_NO_DAEMON): it runs
many at once, some in throwaway copies of the repository, where a reused head would only be
fought over and then linger. The reused head has tests of its own (tests/test_daemon.py)."""

import os

os.environ.setdefault("DOJO_NO_DAEMON", "1")
