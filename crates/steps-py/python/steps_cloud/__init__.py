"""steps_cloud: the STEPS cloud token API for Python, backed by the Rust SDK.

The original Python client's classes (``CloudContext``, ``User``,
``TokenType``, ``LoginToken``, ``JobToken``, ``ApiKey``), ``CloudError``
and its subclasses for what fails, ``perceval_token()``, and ``Emulator``,
a STEPS cloud in this process for tests. ``steps_cloud.pytest_plugin``
gives pytest fixtures over it (``steps_emulator``, ``steps_context``).
docs/python.md in the repository describes the package.
"""

# Everything is in the native module (the Rust crate, built by maturin as
# steps_cloud.steps_cloud); this package only re-exports it, so that a
# pytest plugin in Python can ship beside it. The native module lists every
# name it adds in its __all__, __version__ and __build__ included, which is
# what `import *` takes. The plugin is not imported here: pytest loads it
# through its entry point, and code that never runs pytest never imports
# pytest.
from . import steps_cloud as _native
from .steps_cloud import *  # noqa: F401,F403
from .steps_cloud import __build__, __version__  # noqa: F401

__all__ = list(_native.__all__)
