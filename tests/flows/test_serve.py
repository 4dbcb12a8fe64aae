"""`koubei serve` starts a local Prefect server and registers the daily cron schedule."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _post(url: str, body: dict) -> list:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_serve_registers_the_daily_schedule(tmp_path):
    if not _free(4200):
        pytest.skip("port 4200 is in use; koubei serve starts its local Prefect server there")
    config = tmp_path / "koubei.yaml"
    config.write_text(
        "brands: [{id: acme, name: ACME, aliases: {en: [ACME]}}]\n"
        "sources: [{id: feed, kind: rss, start_urls: ['https://example.com/feed.xml']}]\n"
        "schedule: {time: '07:15', timezone: Europe/Berlin}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, schedules = time.time() + 150, []
        while time.time() < deadline and not schedules:
            time.sleep(2)
            try:
                deployments = _post("http://127.0.0.1:4200/api/deployments/filter", {"limit": 10})
            except OSError:
                continue
            schedules = [s["schedule"] for d in deployments if d["name"] == "koubei-daily" for s in d.get("schedules", [])]
        assert schedules, "no koubei-daily deployment appeared"
        assert schedules[0]["cron"] == "15 7 * * *" and schedules[0]["timezone"] == "Europe/Berlin"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
