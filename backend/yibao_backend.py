"""yibao's build backend: scikit-build-core, after one check of the Python version.

pip reads ``requires-python`` only after resolving, and on Python 3.10 it may spend many
minutes backtracking through pandas and pyarrow releases before it says why nothing fits.
This module is imported by pip before anything else is built or resolved, so an older
Python gets the reason at once.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - the point of this module
    raise SystemExit(
        "yibao needs Python 3.11 or newer; this is Python "
        f"{sys.version.split()[0]} ({sys.executable}). Install Python 3.11+ and run pip with it."
    )

from scikit_build_core.build import (  # noqa: E402  (after the check, on purpose)
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]
