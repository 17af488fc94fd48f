"""pytest plugin of yibao (registered through the ``pytest11`` entry point).

Placeholder: case-file collection lands with issue 7. It imports nothing from yibao at
import time, so pytest starts even where the compiled core is missing.
"""
