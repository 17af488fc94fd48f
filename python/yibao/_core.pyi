# The compiled core is private; its API is typed loosely here and wrapped with full types by
# the Python modules that use it (adjudicate.py, _compile.py, _money.py, accounts.py, ...).
from typing import Any

def __getattr__(name: str) -> Any: ...
