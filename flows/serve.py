"""``koubei serve``: the daily cron schedule, and what must keep running for it to fire.

A schedule needs a Prefect API that persists (not the temporary one a plain run
starts) plus this serving process. If ``PREFECT_API_URL`` is set, that server is
used; otherwise a local ``prefect server start`` is launched on 127.0.0.1:4200 and
stopped when serving stops. See docs/operations.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.config import Config

LOCAL_API = "http://127.0.0.1:4200/api"


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_local_server(api: str = LOCAL_API, wait_seconds: int = 90) -> subprocess.Popen | None:
    if _healthy(api):
        return None
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", "4200"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + wait_seconds
    while time.time() < deadline:
        if _healthy(api):
            return proc
        time.sleep(1)
    proc.terminate()
    raise RuntimeError("the local Prefect server did not start within 90 s; start it yourself: prefect server start")


def serve_daily(config_path: Path, config: Config) -> None:
    from prefect.schedules import Cron

    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_local_server()
        os.environ["PREFECT_API_URL"] = LOCAL_API
    from flows.daily import daily

    try:
        daily.serve(
            name="koubei-daily",
            schedules=[Cron(config.schedule.cron(), timezone=config.schedule.timezone)],
            parameters={"config_path": str(Path(config_path).resolve())},
        )
    finally:
        if server:
            server.terminate()
