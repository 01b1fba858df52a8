"""Import the large model libraries without stalling other threads or racing.

The first import of torch (and of libraries built on it) happens on a worker
thread while the window keeps painting. Two things made the window stall then,
measured on the 2-core development machine with a 20 ms timer on the GUI thread:

- Full garbage collections during the import. torch, torchvision and
  transformers create hundreds of thousands of objects, and each generation-2
  collection held the interpreter lock for 65-195 ms, longer as the heap grew.
- Loading torch's native libraries. The dynamic loader ran for 190-230 ms
  while the importing thread held the interpreter lock.

`install()` adds an import hook for the packages in `HEAVY_PACKAGES`. While one
of them is imported, garbage collection is paused, and the objects the import
created are then moved out of the collector's reach (they live as long as the
process). For torch, the native libraries are loaded first through libc's
`dlopen`, called through ctypes, which releases the interpreter lock. With both,
the longest stall while importing torch and torchvision fell from
about 230 ms to under 60 ms.

When a second thread imports a submodule such as torch.nn while the first is
still running torch's own import, Python gives the second thread the half-built
torch module, and it fails with attribute errors. `load()` imports libraries one
thread at a time. Code that first needs one of these libraries in a job calls
`load()` at the start of a function, never at module level.

`paused_collection()` gives the same pause to code that builds a large structure
which then lives long, such as the search index of a 50,000-product catalog.
Building that index brought generation-2 collections of 74-92 ms each, two of
them within one 370-528 ms stall of the window.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import importlib.abc
import logging
import os
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Top-level packages whose first import is long or builds a large heap.
HEAVY_PACKAGES = frozenset(
    {
        "torch",
        "torchvision",
        "transformers",
        "sentence_transformers",
        "efficientnet_lite_pytorch",
        "gensim",
        "sklearn",
        "scipy",
        "faster_whisper",
        "ctranslate2",
        "onnxruntime",
    }
)

# Native libraries loaded before the package's Python code runs: globs inside the
# package folder, in load order, and whether the library's symbols are global.
# The flags are the ones the package's own import uses. Loading torch's extension
# with global symbols made faster-whisper (ctranslate2) resolve to torch's copies
# of shared math routines, and it then transcribed every recording as "".
NATIVE_LIBRARIES = {
    "torch": (("lib/libtorch_global_deps.*", True), ("_C.*.so", False)),
}

_load_lock = threading.RLock()
_pause_lock = threading.Lock()
# Open import hooks and paused_collection() blocks, across all threads.
_pause_depth = 0
_gc_was_enabled = False
_installed = False
# Heavy packages whose first import started outside load(); read by the tests.
unguarded_imports: list[str] = []


def load(*names: str) -> None:
    """Import the named modules, one thread at a time across the process.

    Args:
        names: module names, for example "torch" or "sentence_transformers".
    """
    if all(_is_imported(name) for name in names):
        return
    with _load_lock:
        for name in names:
            importlib.import_module(name)


def _is_imported(name: str) -> bool:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def install() -> None:
    """Put the import hook in front of Python's own finders, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    sys.meta_path.insert(0, _HeavyPackageFinder())


class _HeavyPackageFinder(importlib.abc.MetaPathFinder):
    """Find heavy packages with the other finders and wrap how they are run."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in HEAVY_PACKAGES or fullname in sys.modules:
            return None
        spec = _find_with_others(self, fullname, path, target)
        if (
            spec is None
            or spec.loader is None
            or not hasattr(spec.loader, "exec_module")
        ):
            return spec
        run_module = spec.loader.exec_module
        folder = _package_folder(spec)

        def exec_module(module):
            # Checked here, not in find_spec, because importlib.util.find_spec
            # probes a package without importing it.
            if not _load_lock_is_mine():
                unguarded_imports.append(fullname)
            _pause_collection()
            try:
                if folder is not None:
                    _load_native_libraries(fullname, folder)
                run_module(module)
            finally:
                _resume_collection()

        # Only this spec's loader instance changes, so isinstance checks and
        # resource readers on the loader keep working.
        spec.loader.exec_module = exec_module
        return spec


def _find_with_others(hook, fullname, path, target):
    for finder in sys.meta_path:
        if finder is hook or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


def _load_lock_is_mine() -> bool:
    # RLock has no public owner check, so this uses the one threading.Condition uses.
    return _load_lock._is_owned()


def _package_folder(spec) -> Path | None:
    locations = spec.submodule_search_locations
    return Path(locations[0]) if locations else None


@contextlib.contextmanager
def paused_collection():
    """Pause garbage collection in the block, then freeze the objects it made.

    Use it for work that allocates many objects which stay alive afterwards.
    Objects freed by reference counting are still freed, but cyclic garbage made in
    the block is never collected.
    """
    _pause_collection()
    try:
        yield
    finally:
        _resume_collection()


def _pause_collection() -> None:
    global _pause_depth, _gc_was_enabled
    with _pause_lock:
        if _pause_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _pause_depth += 1


def _resume_collection() -> None:
    global _pause_depth
    with _pause_lock:
        _pause_depth -= 1
        if _pause_depth == 0:
            # The import's objects stay for the life of the process. Keeping the
            # collector off them keeps later full collections short.
            # NOTE: freeze() also takes every other thread's objects and the cyclic
            # garbage the import left, which is then never freed: about 9,400
            # unreachable objects after the Photos, Reviews and Voice jobs ran.
            gc.freeze()
            if _gc_was_enabled:
                gc.enable()


def _load_native_libraries(package: str, folder: Path) -> None:
    patterns = NATIVE_LIBRARIES.get(package)
    if not patterns or os.name != "posix":
        return
    try:
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
    except (OSError, AttributeError):
        return
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    for pattern, is_global in patterns:
        flags = os.RTLD_NOW | (os.RTLD_GLOBAL if is_global else os.RTLD_LOCAL)
        for library in sorted(folder.glob(pattern)):
            # A failure here is harmless: Python's import loads the library itself
            # and reports any real problem.
            if not dlopen(os.fsencode(library), flags):
                log.debug("Could not preload %s, so the import loads it", library)
