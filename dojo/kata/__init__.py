"""The katas as a whole: the catalogue, the learner's progress, the shipped stubs, and the
three-direction verification of stubs, solutions, mutants and alternatives."""
