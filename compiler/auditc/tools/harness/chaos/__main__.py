import sys

from auditc.tools.harness.chaos import main

sys.exit(main())
