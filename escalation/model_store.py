"""The shipped triage model (escalation/data/triage_model.json), read once per process."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from escalation.signals.classifier import TriageModel

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "triage_model.json"


@lru_cache(maxsize=1)
def shipped_model() -> TriageModel:
    """The committed model; `escalation_train` rewrites the file (restart to load a new one)."""
    model = TriageModel.from_dict(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    model.pushes(model.labels[0])  # index the explanations now, not on a visitor's message
    return model
