"""Mutant: make_client returns the actor class itself, not an actor made from it."""

from solutions.k11_threaded_actor.kata import *  # the solution, but for make_client

BREAKS = "make-client-gives-an-actor"
SAYS = ("returning the class", "LegacyClient.remote()")


def make_client():
    return LegacyClient
