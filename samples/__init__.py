"""The demo round's sample register and units, installed as the package data ``perfxl.samples``.

setup.cfg maps this folder to ``perfxl.samples`` so ``perfxl demo`` finds it from any folder after
``pip install .``; ``make_samples.py`` beside it regenerates the register.
"""
