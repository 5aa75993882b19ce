"""Indicator frameworks (绩效指标体系) as data, installed as the package data ``perfxl.templates``.

setup.cfg maps this folder to ``perfxl.templates`` (``package_dir``), so an installed perfxl adds no
top-level package of its own name here; perfxl/frameworks.py finds the files through
``importlib.resources.files("perfxl.templates")``, in a wheel and in an editable install alike.
"""
