"""Trained models on disk, safe to load from a shared folder: skops, not pickle.

Each model is ``<models dir>/<name>/<version>/model.skops`` with ``metadata.json`` next
to it (training window, days, features, the code's version, when). Loading refuses a
file holding any type outside ``TRUSTED``: a pickle would run whatever code a tampered
file holds, skops only rebuilds the types it is told to trust. The newest version of
each model is the one ``predict`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version as package_version
import json
import os
from pathlib import Path
import tempfile
from typing import Any

import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException

TRUSTED = frozenset(
    {
        "energy_lakehouse.models.consensus.WeatherConsensus",
        "energy_lakehouse.models.cop.CopModel",
        "energy_lakehouse.models.pv.PvModel",
        "energy_lakehouse.models.heatpump.HeatPumpModel",
        "energy_lakehouse.models.load.LoadModel",
        "energy_lakehouse.models.grid.GridModel",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)
MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"


class ArtifactError(Exception):
    """A stored model is missing, unreadable or holds types we do not trust."""


@dataclass(frozen=True)
class Artifact:
    """One stored model and what is known about it."""

    name: str
    version: str
    model: Any
    metadata: dict[str, Any]


def code_version() -> str:
    """Return the installed package's version, recorded with every model."""
    try:
        return package_version("home-energy-lake")
    except PackageNotFoundError:
        return "unknown"


def save(
    models_dir: Path, name: str, version: str, model: object, metadata: dict[str, Any]
) -> Path:
    """Write a model and its metadata; a half-written version is never visible."""
    final = models_dir / name / version
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=final.parent))
    sio.dump(model, staging / MODEL_FILE)
    document = {"name": name, "version": version, "code_version": code_version(), **metadata}
    (staging / METADATA_FILE).write_text(json.dumps(document, indent=2, default=str), "utf-8")
    os.replace(staging, final)
    return final


def versions(models_dir: Path, name: str) -> list[str]:
    """Return the stored versions of a model, oldest first (versions sort by time)."""
    folder = models_dir / name
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / METADATA_FILE).is_file())


def load(models_dir: Path, name: str, version: str | None = None) -> Artifact:
    """Load a model (the newest when no version is given), trusting only ``TRUSTED``."""
    known = versions(models_dir, name)
    if not known:
        raise ArtifactError(f"no trained {name} model in {models_dir}: run 'train' first")
    chosen = version or known[-1]
    folder = models_dir / name / chosen
    try:
        data = (folder / MODEL_FILE).read_bytes()
        metadata = json.loads((folder / METADATA_FILE).read_text("utf-8"))
        # skops refuses, before building anything, a file with a type outside the list.
        model = sio.loads(data, trusted=sorted(TRUSTED))
    except UntrustedTypesFoundException as err:
        raise ArtifactError(f"{folder / MODEL_FILE} holds types we do not trust: {err}") from err
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise ArtifactError(f"cannot read {folder}: {err}") from err
    return Artifact(name=name, version=chosen, model=model, metadata=metadata)
