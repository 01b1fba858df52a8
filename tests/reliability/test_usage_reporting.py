"""Libraries that would report usage over the network have that reporting switched off.

onnxruntime, which runs the Silero speech detector of the voice gate, queues usage events
in ~/.cache/Microsoft and uploads them unless ORT_DISABLE_TELEMETRY is set. A socket
block in Python does not see that upload, because it is made from onnxruntime's C++ code,
so this test checks its queue instead, in a child process with an empty home folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

GATE_SCRIPT = """
import sys
from pathlib import Path
from engine.voice.audio import load_audio
from engine.voice.gate import detect_speech
audio = load_audio(Path(sys.argv[1]))
print(detect_speech(audio).has_speech)
"""


def run_gate(home: Path, wav: Path) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ORT_", "HF_HUB_DISABLE"))
    }
    environment["HOME"] = str(home)
    environment["XDG_CACHE_HOME"] = str(home / ".cache")
    return subprocess.run(
        [sys.executable, "-c", GATE_SCRIPT, str(wav)],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_speech_gate_queues_no_usage_events(tmp_path, cases):
    home = tmp_path / "home"
    home.mkdir()

    result = run_gate(home, cases / "C38_speech_16k_mono_reference.wav")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert not (home / ".cache" / "Microsoft").exists()


def test_engine_import_sets_the_switches(monkeypatch):
    monkeypatch.delenv("ORT_DISABLE_TELEMETRY", raising=False)
    code = "import os, engine; print(os.environ['ORT_DISABLE_TELEMETRY'])"

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip() == "1"
