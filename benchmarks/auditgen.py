"""`python benchmarks/auditgen.py ...`: the generator as a script (the code is the auditgen/ package
beside this file, which `import auditgen` finds first)."""

import sys

from auditgen import main

if __name__ == "__main__":
    sys.exit(main())
