"""python benchmarks/auditgen [options], or python -m auditgen [options] with benchmarks/ on sys.path."""
import os
import sys

if not __package__:     # run as a directory: sys.path[0] is this package, make it its parent
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from auditgen.cli import main  # noqa: E402

sys.exit(main())
