"""The package list for setuptools (everything else is in pyproject.toml).

The folders ``core/`` and ``plugins/`` are installed as ``zhurnal.core`` and ``zhurnal.plugins``
(``package-dir`` in pyproject.toml). Every folder below them is listed, the data-only ones
(templates, static, translations) included, so a new sub-package needs no entry here.
"""
from setuptools import find_namespace_packages, setup

PACKAGES = ["zhurnal"] + [
    f"zhurnal.{top}{'.' + sub if sub else ''}"
    for top in ("core", "plugins")
    for sub in ["", *find_namespace_packages(top, exclude=["*__pycache__*"])]
]

setup(packages=PACKAGES)
