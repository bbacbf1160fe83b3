"""``python -m reference_impl.batch score ...`` = ``ibml batch score ...``; the file ``spark-submit`` is given.

``spark-submit`` wants a Python file rather than a console script, so docs/spark.md passes this one. It
runs the ``batch`` command group on its own (:func:`reference_impl.commands.batch.main`), not the whole
``ibml`` command line.
"""

import sys

from reference_impl.commands.batch import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
