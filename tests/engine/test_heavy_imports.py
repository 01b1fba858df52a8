"""Heavy imports: no garbage collection while importing, native preload, one thread."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_child(code: str) -> dict:
    """Run `code` in a fresh interpreter and return the JSON object it prints last."""
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_torch_import_runs_no_collection():
    result = run_child(
        """
        import gc, json, threading
        import engine
        collections = []
        gc.callbacks.append(
            lambda phase, info: phase == "start" and collections.append(info["generation"])
        )
        thread = threading.Thread(target=lambda: __import__("torch"))
        thread.start()
        thread.join()
        during = list(collections)
        gc.collect()
        import torch
        print(json.dumps({
            "during": during,
            "enabled": gc.isenabled(),
            "frozen": gc.get_freeze_count(),
            "works": float(torch.ones(3).sum()),
        }))
        """
    )

    assert result["during"] == []
    assert result["enabled"] is True
    assert result["frozen"] > 100_000
    assert result["works"] == 3.0


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self/maps"
)
def test_torch_libraries_preloaded():
    result = run_child(
        """
        import importlib.util, json, sys
        from pathlib import Path
        from engine import heavy_imports
        folder = Path(importlib.util.find_spec("torch").origin).parent
        heavy_imports._load_native_libraries("torch", folder)
        maps = Path("/proc/self/maps").read_text()
        print(json.dumps({
            "mapped": "libtorch_cpu.so" in maps,
            "imported": "torch" in sys.modules,
        }))
        """
    )

    assert result["mapped"] is True
    assert result["imported"] is False


def test_collection_stays_off_when_it_was_off():
    result = run_child(
        """
        import gc, json
        import engine
        gc.disable()
        import sklearn
        print(json.dumps({"enabled": gc.isenabled()}))
        """
    )

    assert result["enabled"] is False


@pytest.mark.slow
def test_loader_keeps_resources():
    result = run_child(
        """
        import importlib.machinery, importlib.resources, json
        import engine
        import torch
        print(json.dumps({
            "loader": isinstance(
                torch.__spec__.loader, importlib.machinery.SourceFileLoader
            ),
            "lib": (importlib.resources.files("torch") / "lib").is_dir(),
        }))
        """
    )

    assert result["loader"] is True
    assert result["lib"] is True


@pytest.mark.slow
def test_jobs_import_through_load():
    # What the tabs start at once: the photo network and its class names, the
    # review and search sentence model, the speech gate and recogniser.
    result = run_child(
        """
        import json, threading
        import numpy as np
        from engine import heavy_imports, text_embeddings
        from engine.vision import backbone
        from engine.voice import gate, whisper
        from engine.reviews import models

        errors = []

        def run(work):
            try:
                work()
            except Exception as error:
                errors.append(repr(error))

        jobs = [
            backbone.load_network,
            backbone.imagenet_class_names,
            text_embeddings.load_model,
            models.use_one_torch_thread,
            lambda: gate.detect_speech(np.full(16000, 0.1, dtype=np.float32)),
            whisper.load_model,
        ]
        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        vector = text_embeddings.embed(["blue running shoe"])
        print(json.dumps({
            "errors": errors,
            "unguarded": heavy_imports.unguarded_imports,
            "width": int(vector.shape[1]),
        }))
        """
    )

    assert result["errors"] == []
    assert result["unguarded"] == []
    assert result["width"] == 384


@pytest.mark.slow
def test_speech_after_torch(shared_data):
    # torch's libraries are preloaded with local symbols, as torch loads them.
    # With global symbols, faster-whisper returned "" for every recording.
    recording = shared_data / "pocketsphinx-test-speech" / "audio" / "goforward.wav"
    result = run_child(
        f"""
        import json
        import engine
        import torch
        from engine.voice import whisper
        from engine.voice.audio import load_audio
        from engine.voice.gate import detect_speech
        gate = detect_speech(load_audio({str(recording)!r}))
        print(json.dumps({{"text": whisper.recognize(gate.audio)[0].text}}))
        """
    )

    assert "forward" in result["text"].lower()


def test_colour_naming_imports_guarded():
    # Tagging names colours on several photo threads at once, so scipy's first
    # import can start on any of them.
    result = run_child(
        """
        import json, threading
        from PIL import Image
        from engine import heavy_imports
        from engine.vision.colours import dominant_colours
        image = Image.new("RGB", (96, 96), (200, 30, 30))
        threads = [
            threading.Thread(target=dominant_colours, args=(image,)) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps({"unguarded": heavy_imports.unguarded_imports}))
        """
    )

    assert result["unguarded"] == []


def test_find_spec_is_no_import():
    # torch._dynamo probes optional packages with importlib.util.find_spec.
    result = run_child(
        """
        import importlib.util, json, sys
        from engine import heavy_imports
        found = importlib.util.find_spec("sklearn") is not None
        print(json.dumps({
            "found": found,
            "imported": "sklearn" in sys.modules,
            "unguarded": heavy_imports.unguarded_imports,
        }))
        """
    )

    assert result["found"] is True
    assert result["imported"] is False
    assert result["unguarded"] == []


def test_paused_collection_freezes_objects():
    result = run_child(
        """
        import gc, json
        from engine import heavy_imports
        with heavy_imports.paused_collection():
            inside = gc.isenabled()
            lists = [[number] for number in range(50_000)]
        print(json.dumps({
            "inside": inside,
            "after": gc.isenabled(),
            "frozen": gc.get_freeze_count(),
        }))
        """
    )

    assert result["inside"] is False
    assert result["after"] is True
    assert result["frozen"] >= 50_000
