"""In-process emulation of Fluent Bit's lua filter (see fluentbit.py)."""

from auditc.runtime.fluentbit import Emitted, FilterResult, FluentBitLua, LuaLoadError

__all__ = ["Emitted", "FilterResult", "FluentBitLua", "LuaLoadError"]
