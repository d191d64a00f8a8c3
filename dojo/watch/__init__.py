"""`dojo watch` and `dojo rotate`: the file watcher (watcher) and the forked test runner on a
kept Ray head (runner)."""
