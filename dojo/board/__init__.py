"""The class board (`dojo board`): a live grid of every learner's katas for the facilitator.

How the pieces fit (each module has one job):

* state.py     the grid itself and the rules for changing it: who may write which row, what
               a report may hold, and what was refused. Pure Python, no Ray.
* live.py      that state with change notification (coroutines), as the actor runs it.
* actor.py     a named, detached Ray actor ("dojo-board" in namespace "dojo-board") on the
               room's head running live.py. It outlives the web server: restarting
               `dojo board` loses nothing the head still holds.
* identity.py  a learner's row name and the secret token that proves the row is theirs.
* reporter.py  the learner's side: the dojo's pytest plugin hands it each test outcome, and
               when RAY_ADDRESS names the room's head it sends them to the actor as
               fire-and-forget actor calls. No actor, no cost beyond one lookup per run.
* send.py      a process of its own that sends for a run that never connected to Ray.
* randori.py   `dojo rotate`'s driver timer and kata state, sent to the actor too.
* server.py    the web server: reads the actor (long polls on its version number) and pushes
               every change to browsers as server-sent events; read-only for viewers.
* command.py   what `dojo board` does with its options.
* static/board.html  the page: one static file, no build step, no CDN.
"""
