"""Merchant Assistant's engine: the shop store, importers and the local models.

Importing the package switches off the usage reporting of the libraries the models run
on, because the app must open no network connection. onnxruntime, which runs the Silero
speech detector, otherwise queues usage events in ~/.cache/Microsoft for upload.
"""

import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
