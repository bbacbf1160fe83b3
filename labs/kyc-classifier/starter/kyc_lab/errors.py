"""The errors this lab raises: the ibml hierarchy, reused (the lab is not about exception design).

Raise :class:`ReviewQueueError` with a ``kind`` saying *what* went wrong, so the API can map it to a
status code without reading the message:

* ``ErrorKind.NOT_FOUND`` (404): no such review item;
* ``ErrorKind.CONFLICT`` (409): the item is not in a state that allows this (not pending, claimed by
  someone else, already decided);
* ``ErrorKind.INVALID`` (422): a bad argument (empty reviewer, a label that is not allowed).

:class:`AccessDeniedError` is for a role that may not read document text. Bad input to the model
(a bare string instead of a list of texts, probabilities of the wrong shape) raises
:class:`DataValidationError`, which is also a ``ValueError``.

>>> ReviewQueueError("review item 9 does not exist", kind=ErrorKind.NOT_FOUND).kind.value
'not_found'
"""

from reference_impl.errors import AccessDeniedError, DataValidationError, ErrorKind, ReviewQueueError

__all__ = ["AccessDeniedError", "DataValidationError", "ErrorKind", "ReviewQueueError"]
