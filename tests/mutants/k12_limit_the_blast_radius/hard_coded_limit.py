"""Mutant: the limit is hard-coded to 4 (the number in the task) instead of taken from
`make_gateway(limit)`. Right for limit 4, wrong for any other."""

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for make_gateway

BREAKS = "limit-comes-from-make-gateway"
SAYS = ("hard-coded 4",)


def make_gateway(limit: int):
    return Gateway.remote(4)  # the mistake: the number in the task, not the limit asked for
