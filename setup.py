"""Build of gramfix's optional compiled kernels; everything else is in pyproject.toml.

The extension is optional: without a working C compiler (or Python headers) the build
warns and the install goes on; gramfix then runs its pure Python/numpy path, which
stays the tested reference (``gramfix --version`` says which engine runs).

Cython is a build requirement (pyproject.toml), so pip fetches it into the isolated
build environment; a build without it (``--no-build-isolation`` in an environment
that lacks it) also falls back to the pure path.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = Path("gramfix/_native/scan.pyx")


class OptionalBuildExt(build_ext):
    """Optimise with the usual flags on GCC and Clang; a failed build is not fatal."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            for extension in self.extensions:
                extension.extra_compile_args += ["-O3", "-fno-strict-aliasing"]
        super().build_extensions()

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # a broken toolchain must not break the install
            self.warn(f"gramfix: the compiled scan was not built ({error}); pure path used")


def extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("gramfix: Cython is not installed; the compiled scan is not built")
        return []
    # The CRC of the source is compiled in: gramfix._native ignores a build whose
    # source has changed since (a stale editable install) instead of running it.
    crc = f"{zlib.crc32(SOURCE.read_bytes()):08x}"
    scan = Extension(
        "gramfix._native.scan",
        [str(SOURCE)],
        define_macros=[("GF_SOURCE_CRC", f'"{crc}"')],
        optional=True,
    )
    return cythonize([scan], compiler_directives={"language_level": "3"}, quiet=True)


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
