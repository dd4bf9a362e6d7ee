import sys

from auditc.cli.main import main

sys.exit(main())
