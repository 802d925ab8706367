"""The command line: history into a folder, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from house_simulator.__main__ import main


def test_history_command_writes_lake_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = tmp_path / "given.jsonl"
    faults.write_text(
        json.dumps(
            {
                "kind": "pv_string_loss",
                "start": "2026-03-03T00:00:00Z",
                "end": "2026-03-05T00:00:00Z",
                "params": {"fraction": 0.3},
            }
        )
        + "\n"
    )
    code = main(
        [
            "history",
            "--days", "1",
            "--lake", str(tmp_path / "lake"),
            "--seed", "3",
            "--epoch", "2026-03-03",
            "--end", "2026-03-04",
            "--faults", str(faults),
            "--truth", str(tmp_path / "truth"),
        ]
    )  # fmt: skip
    assert code == 0
    assert "wrote 1 days" in capsys.readouterr().out
    assert list((tmp_path / "lake/solar/raw/2026/03/03").glob("34119102_powerflow_*.jsonl.gz"))
    logged = (tmp_path / "truth/faults.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in logged] == ["pv_string_loss"]
    assert (tmp_path / "truth/truth_daily.csv").read_text().startswith("date,pv_wh,")


def test_history_refuses_nonsense(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["history", "--days", "0", "--lake", str(tmp_path)])
    assert "--days must be positive" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"kind": "gremlins", "start": "2026-03-03T00:00:00Z", "end": "2026-03-04T00:00:00Z"}\n'
    )
    code = main(["history", "--days", "1", "--lake", str(tmp_path / "lake"), "--faults", str(bad)])
    assert code == 1
    assert "unknown fault kind" in capsys.readouterr().err
