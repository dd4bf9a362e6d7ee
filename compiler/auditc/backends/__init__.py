"""Backends turn the IR (auditc.ir.Program) into artifacts.

Contract (each backend module): a pure function of the Program and options
that returns text; no I/O, no clock, no randomness, so builds are
byte-for-byte reproducible. Writing files is auditc.artifacts' job.
"""
