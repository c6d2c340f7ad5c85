"""Two ways of changing what an import does, for the changes of ``bot.rasa_patches``.

Both act through ``sys.meta_path``, Python's own list of where modules are
found, and only for the names they are given; every other import is found as
usual.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import sys
from typing import Any, Iterator, Optional, Text


class _Hidden(importlib.abc.MetaPathFinder):
    def __init__(self, package: Text) -> None:
        self.package = package

    def find_spec(self, name: Text, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] == self.package:
            raise ModuleNotFoundError(f"{name} is hidden here", name=name)
        return None


@contextlib.contextmanager
def hidden(package: Text) -> Iterator[None]:
    """Inside the block, importing ``package`` (or any part of it) fails as if
    it were not installed; after it, the package can be imported again.

    A package already imported is in ``sys.modules`` and is not hidden.
    """
    finder = _Hidden(package)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


class _OnFirstUse(importlib.abc.MetaPathFinder):
    def __init__(self, module: Text) -> None:
        self.module = module

    def find_spec(self, name: Text, path: Any = None, target: Any = None) -> Optional[Any]:
        if name != self.module:
            return None
        sys.meta_path.remove(self)  # once: the module is then in sys.modules
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def load_on_first_use(module: Text) -> None:
    """Makes the next import of ``module`` lazy (``importlib.util.LazyLoader``):
    the import gives back the module at once, and its code runs when one of
    its names is first read. Does nothing if the module is already imported.
    """
    if module not in sys.modules:
        sys.meta_path.insert(0, _OnFirstUse(module))
