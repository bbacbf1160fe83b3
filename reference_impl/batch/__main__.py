"""``python -m reference_impl.batch score ...`` = ``ibml batch score ...``; the file ``spark-submit`` is given.

``spark-submit`` wants a Python file rather than a console script, so docs/spark.md passes this one.
"""

import sys

from reference_impl.cli import main

if __name__ == "__main__":
    sys.exit(main(["batch", *sys.argv[1:]]))
