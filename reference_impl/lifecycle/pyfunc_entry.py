"""Models-from-code entry point MLflow executes when it loads an ibml pyfunc model.

MLflow copies this file into every logged model; loading runs it, and ``set_model`` hands MLflow
the wrapper, which then loads the native object named in the model's artifacts.
"""

from reference_impl.lifecycle.pyfunc import NativeModelWrapper
from reference_impl.lifecycle.tracking import quiet_mlflow

with quiet_mlflow():
    from mlflow.models import set_model

set_model(NativeModelWrapper())
