"""JupyterLab in a real browser: open the explorer, Run All, the figure renders, no cell fails.

Uses Debian's Chromium (``apt-get install chromium``) driven by Playwright with the system
browser (no browser download). Skipped, with that instruction, where no browser exists.
The screenshot is kept as a test artifact in ``build/test-artifacts/``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from afstudy.notebooks import parameterize_copies
from afstudy.paths import NOTEBOOKS_DIR, PROJ_ROOT, SEEDS_DIR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJ_ROOT / "build" / "test-artifacts"
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="no browser: install Debian's Chromium with `apt-get install chromium` (.ci/run does)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    port, token = free_port(), secrets.token_hex(16)
    root = tmp_path_factory.mktemp("lab")  # a copy, so JupyterLab's autosave never touches notebooks/
    copies = parameterize_copies(NOTEBOOKS_DIR, tmp_path_factory.mktemp("copies"), {"out_root": str(tmp_path_factory.mktemp("out"))})
    shutil.copy(next(c for c in copies if c.name == "07-explorer.ipynb"), root / "07-explorer.ipynb")
    env = dict(os.environ)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("runtime"))
    log = open(tmp_path_factory.mktemp("log") / "lab.log", "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}", "--MappingKernelManager.default_kernel_name=afstudy",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@needs_browser
def test_explorer_runs_all_cells_and_renders_the_figure(lab: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{base}/lab/tree/07-explorer.ipynb?token={token}", timeout=120_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
        select = page.locator(".jp-Dialog button", has_text="Select")
        try:  # JupyterLab may ask which kernel to start: the notebook names "afstudy"
            select.first.click(timeout=15_000)
        except Exception:  # noqa: BLE001 - no dialog: the kernel started by itself
            pass
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_selector(".jp-OutputArea-output img", timeout=120_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "lab-explorer.png"), full_page=True)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "lab-explorer.png"), full_page=True)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count()
        images = page.locator(".jp-OutputArea-output img").count()
        kwic_rows = page.locator("table.afstudy-kwic tr").count()
        prompts = page.locator(".jp-InputPrompt").all_inner_texts()
        browser.close()
    assert errors == 0
    assert images >= 1
    assert kwic_rows >= 2
    assert not any("[ ]" in p or "[*]" in p for p in prompts if p.strip()), prompts


def test_explorer_data_functions(tmp_path: Path) -> None:
    from afstudy.cli import main
    from afstudy.cooccurrence import Spec
    from afstudy.explorer import ExplorerData, actor_quotes, kwic, kwic_html, strongest_pair

    assert main(["extract", str(SEEDS_DIR), "--out", str(tmp_path)]) == 0
    data = ExplorerData.load(tmp_path)
    assert data.most_quoted() == "zamir_kabulov"
    spec = Spec(unit="sentence", level="side", scope="voa")
    a, b = strongest_pair(data, spec)
    table = kwic(data, spec, a, b)
    assert len(table) >= 1 and set(table["outlet_id"]) == {"voa"}
    assert all(row.keyword in data.sentences.set_index("sentence_id").loc[row.sentence_id, "text"] for row in table.itertuples())
    assert "<b>" in kwic_html(table) and "No sentence" in kwic_html(table.iloc[0:0])
    quotes = actor_quotes(data, "zamir_kabulov", "voa")
    assert len(quotes) >= 10 and set(quotes["outlet_id"]) == {"voa"} and "term" not in set(quotes["kind"])
