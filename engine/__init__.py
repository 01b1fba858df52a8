"""Merchant Assistant's engine: the shop store, importers and the local models.

Importing the package switches off the usage reporting of the libraries the models run
on, because the app must open no network connection. onnxruntime, which runs the Silero
speech detector, otherwise queues usage events in ~/.cache/Microsoft for upload.

It also installs the import hook of engine.heavy_imports, so that the first import of
torch and the other model libraries on a worker thread does not stall the window.
"""

import os

from engine import heavy_imports

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
heavy_imports.install()
