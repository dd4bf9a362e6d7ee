"""Passes over IR predicates, one per module (each tested on its own):

simplify     flatten nested and/or, fold constants, drop double negations
normal_form  negation normal form (LogQL) and disjunctive normal form (audit policy)
index        the dispatch index's constraints per rule and the residual predicate
required     the top-level maps a predicate cannot hold without (the Lua guard)
"""
