"""Shared fixtures: real parts, started locally (demo site on 127.0.0.1, DuckDB files, Prefect)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flows.config import Config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _no_hub_network():
    """Any attempt to reach the Hugging Face hub fails the test that makes it."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if isinstance(host, str) and "huggingface" in host:
            raise AssertionError(f"test reached for the model hub: {host}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    yield
    socket.getaddrinfo = real


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.exists():
        pytest.skip("../shared/data is not beside the repository")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.exists():
        pytest.skip("../shared/seeds is not beside the repository")
    return path


@pytest.fixture(scope="session")
def base_model_dir() -> Path:
    from nlp.sentiment.base_build import build_base_model

    return build_base_model()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The rendered demo story served over HTTP on 127.0.0.1; yields (base_url, root, first, last)."""
    from crawlers.demo_site.server import DemoServer
    from flows.demo import prepare_demo

    data_dir = tmp_path_factory.mktemp("demo")
    root, first, last = prepare_demo(data_dir)
    with DemoServer(root) as base_url:
        yield base_url, root, first, last


@pytest.fixture
def another_writer():
    """``with another_writer(db):`` a second process holds the DuckDB file read-write, as a running flow does."""

    @contextlib.contextmanager
    def hold(db: Path):
        code = f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(120)"
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            yield proc
        finally:
            proc.kill()
            proc.wait()

    return hold


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_pipeline(demo_site, prefect_harness, tmp_path_factory):
    """The demo's 30 days crawled over HTTP and backfilled by the Prefect flow into a real DuckDB
    file, once per session; yields (config_path, config, first, last, flow result). Tests that
    change the warehouse work on a copy (see tests/dashboard/conftest.py)."""
    from flows.config import load_config
    from flows.daily import backfill
    from flows.demo import write_demo_config

    base_url, _root, first, last = demo_site
    data_dir = tmp_path_factory.mktemp("e2e")
    config_path = write_demo_config(data_dir, base_url)
    result = backfill(str(config_path), first, last, True)
    return config_path, load_config(config_path), first, last, result


@dataclass(frozen=True)
class WarehouseCopy:
    config_path: Path
    config: Config

    @property
    def db(self) -> Path:
        return self.config.warehouse.path


@pytest.fixture
def warehouse_copy(demo_pipeline, tmp_path, monkeypatch) -> WarehouseCopy:
    """A private copy of the demo warehouse and a config for it (with the demo's logins), for
    tests that change the data; KOUBEI_CONFIG points at it, as `koubei dashboard` does."""
    from flows.config import load_config
    from flows.demo import demo_config_text

    config = demo_pipeline[1]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(config.warehouse.path, data_dir / "koubei.duckdb")
    config_path = tmp_path / "koubei.yaml"
    config_path.write_text(demo_config_text("http://127.0.0.1:1", data_dir), encoding="utf-8")
    monkeypatch.setenv("KOUBEI_CONFIG", str(config_path))
    return WarehouseCopy(config_path, load_config(config_path))
