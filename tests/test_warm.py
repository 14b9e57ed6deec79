"""The warm notebook runner: isolated runs, cold-equal outputs, clear failures, clean exits."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from afstudy.cli import main
from afstudy.errors import NotebookError
from afstudy.paths import PROJ_ROOT
from afstudy.warm import TEMP_SUFFIX, NotebookRun, RunResult, WarmRunner

KERNELSPEC = {"name": "afstudy", "display_name": "Python (afstudy)", "language": "python"}


def make_notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """A notebook of code cells (the first one tagged ``parameters`` when given)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in cells]
    nbformat.write(nb, path)
    return path


def last_json(path: Path) -> Any:
    """The JSON printed by the last code cell of an executed notebook."""
    nb = nbformat.read(path, as_version=4)
    return json.loads("".join(o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"))


def last_json_text(text: str) -> Any:
    nb = nbformat.reads(text, as_version=4)
    return json.loads("".join(o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"))


def run_one(runner: WarmRunner, source: Path, output: Path, cwd: Path | None = None, **parameters: object) -> RunResult:
    (result,) = runner.run([NotebookRun(source, output, parameters, cwd=cwd or Path.cwd())])
    return result


@pytest.fixture(scope="module")
def runner() -> Iterator[WarmRunner]:
    with WarmRunner(jobs=2) as r:
        yield r


PROBE = """
import json, sys
import pandas as pd, matplotlib, afstudy.paths
print(json.dumps({"var": "leak_var" in globals(), "max_rows": pd.get_option("display.max_rows"),
                  "linewidth": matplotlib.rcParams["lines.linewidth"], "attr": hasattr(afstudy.paths, "LEAKED"),
                  "module": "afstudy_leak_probe" in sys.modules}))
"""
MUTATE = """
import sys, types
import pandas as pd, matplotlib, afstudy.paths
leak_var = 42
pd.set_option("display.max_rows", 7)
matplotlib.rcParams["lines.linewidth"] = 9.0
afstudy.paths.LEAKED = True
sys.modules["afstudy_leak_probe"] = types.ModuleType("afstudy_leak_probe")
"""
CLEAN = {"var": False, "max_rows": 60, "linewidth": 1.5, "attr": False, "module": False}


def test_no_state_leaks_from_one_warm_run_into_the_next(runner: WarmRunner, tmp_path: Path) -> None:
    mutate = make_notebook(tmp_path / "mutate.ipynb", MUTATE)
    probe = make_notebook(tmp_path / "probe.ipynb", PROBE)
    both = make_notebook(tmp_path / "both.ipynb", MUTATE, PROBE)
    results = [run_one(runner, nb, tmp_path / "out" / nb.name) for nb in (mutate, probe, both, probe)]
    assert all(r.ok and r.warm for r in results), results
    # In one run the probe sees every change (so it can see a leak) ...
    assert last_json(tmp_path / "out" / "both.ipynb") == {"var": True, "max_rows": 7, "linewidth": 9.0, "attr": True, "module": True}
    # ... and a run after those runs sees none of them.
    assert last_json(tmp_path / "out" / "probe.ipynb") == CLEAN


# Importing afstudy.plotting calls matplotlib.use("agg"), which sets rcParams["backend_fallback"]:
# every warm run starts with that import made (afstudy.* is preloaded), so the notebook makes it too.
FINGERPRINT = """
import hashlib, io, json, logging, os, signal, sys
import matplotlib, matplotlib.pyplot as plt, numpy as np, pandas as pd, spacy
import afstudy.paths, afstudy.plotting
(handler,) = logging.getLogger("spacy").handlers  # made when spaCy is imported; its format has a time, so:
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
logging.getLogger("spacy").warning("spaCy's log handler writes into the notebook")
fig, ax = plt.subplots(figsize=(2, 1.5))
ax.plot(np.arange(10) ** 2)
png = io.BytesIO()
fig.savefig(png, format="png", metadata={"Software": None})
keys = ("MPLBACKEND", "PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "TQDM_DISABLE", "AFSTUDY_OUTPUT_ROOT", "PYTHONPATH", "JPY_PARENT_PID")
print(json.dumps({
    "env": {k: os.environ.get(k) for k in keys}, "env_keys": sorted(os.environ), "hash": hash("afstudy"),
    "cwd": os.getcwd(), "path": sys.path, "argv0": sys.argv[0], "flags": str(sys.flags), "xoptions": sys._xoptions,
    "session_leader": os.getsid(0) == os.getpid() == os.getpgid(0), "stdin": sys.__stdin__.read(),
    "signals": {s.name: str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE)},
    "backend": matplotlib.get_backend(), "rcparams": hashlib.sha256(repr(sorted(matplotlib.rcParams.items())).encode()).hexdigest(),
    "png": hashlib.sha256(png.getvalue()).hexdigest(), "pandas": str(pd.describe_option("display", _print_desc=False))[:2000],
    "tokens": [t.text for t in spacy.blank("en")("Talks resume in Moscow, officials said.")],
    "package": str(afstudy.paths.PROJ_ROOT), "n": n,
}, sort_keys=True))
"""
TIMED = {"start_time", "end_time", "duration"}  # what papermill fills with times


def without_times(text: str) -> Any:
    """An executed notebook with papermill's times (and nbclient's execution timestamps) blanked."""
    nb = json.loads(text)
    for meta in [nb["metadata"]["papermill"], *(c["metadata"].get("papermill", {}) for c in nb["cells"])]:
        meta.update({k: None for k in TIMED & set(meta)})
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
    return nb


def test_a_warm_run_writes_what_a_cold_run_writes(runner: WarmRunner, tmp_path: Path) -> None:
    source = make_notebook(tmp_path / "fingerprint.ipynb", FINGERPRINT, parameters="n = 0")
    output = tmp_path / "out" / "fingerprint.ipynb"
    elsewhere = tmp_path / "elsewhere"  # not the fork server's cwd
    elsewhere.mkdir()
    with WarmRunner(jobs=1, warm=False) as cold_runner:
        cold = run_one(cold_runner, source, output, elsewhere, n=3)
    cold_text = output.read_text(encoding="utf-8")
    warm = run_one(runner, source, output, elsewhere, n=3)
    warm_text = output.read_text(encoding="utf-8")
    assert cold.ok and warm.ok and not cold.warm and warm.warm, (cold, warm)
    fingerprint = last_json(output)
    assert fingerprint["env"]["PYTHONHASHSEED"] == os.environ.get("PYTHONHASHSEED") and fingerprint["session_leader"] and fingerprint["n"] == 3
    assert fingerprint["cwd"] == str(elsewhere) and str(elsewhere) not in fingerprint["path"]
    logged = nbformat.read(output, as_version=4).cells[-1].outputs[0]
    assert (logged.name, logged.text) == ("stderr", "spacy WARNING spaCy's log handler writes into the notebook\n")
    assert last_json_text(warm_text) == last_json_text(cold_text)
    assert without_times(warm_text) == without_times(cold_text)
    # Only the time fields differ: put the warm run's times into the cold text and the bytes agree.
    assert warm_text != cold_text
    assert nbformat.writes(nbformat.from_dict(without_times(warm_text))) == nbformat.writes(nbformat.from_dict(without_times(cold_text)))
    assert json.loads(warm_text)["metadata"]["papermill"]["output_path"] == str(output)


def test_a_failing_cell_names_the_notebook_and_cell_and_leaves_no_output(runner: WarmRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = make_notebook(tmp_path / "fails.ipynb", "x = 1", "y = x / 0", "z = 2")
    output = tmp_path / "out" / "fails.ipynb"
    result = run_one(runner, source, output)
    assert not result.ok and result.warm
    assert result.error == f"{source}: cell 2 failed: ZeroDivisionError: division by zero"
    assert isinstance(result.exception, NotebookError) and result.exception.cell == 2
    assert not output.exists()
    failed = nbformat.read(output.with_suffix(".failed.ipynb"), as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in failed.cells if c.cell_type == "code" for o in c.outputs)
    assert sorted(p.name for p in output.parent.iterdir()) == ["fails.failed.ipynb"]
    # The command line (one cold run) says the same in one line, and a later success removes the failed copy.
    assert main(["notebook", str(source), str(output), "--cwd", str(Path.cwd())]) == 2
    err = capsys.readouterr().err
    assert err == f"afstudy: error: {source}: cell 2 failed: ZeroDivisionError: division by zero\n"
    make_notebook(source, "x = 1")
    assert run_one(runner, source, output).ok
    assert sorted(p.name for p in output.parent.iterdir()) == ["fails.ipynb"]


def test_parameters_are_injected_as_papermill_injects_them(runner: WarmRunner, tmp_path: Path) -> None:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    source = make_notebook(tmp_path / "params.ipynb", "import json; print(json.dumps([n, name, flag, ratio, items]))",
                           parameters='n = 0\nname = "a"\nflag = False\nratio = 1.0\nitems = []')
    values = {"n": 3, "name": "moscow_times", "flag": True, "ratio": 0.5, "items": [1, 2]}
    expected = parameterize_notebook(load_notebook_node(str(source)), values, kernel_name="afstudy").cells[1]
    cli_out, warm_out = tmp_path / "cli.ipynb", tmp_path / "warm.ipynb"
    args = ["-p", "n", "3", "-p", "name", "moscow_times", "-p", "flag", "true", "-p", "ratio", "0.5", "-p", "items", "[1, 2]"]
    assert main(["notebook", str(source), str(cli_out), *args]) == 0
    assert run_one(runner, source, warm_out, **values).ok
    for output in (cli_out, warm_out):
        injected = nbformat.read(output, as_version=4).cells[1]
        assert injected.metadata.tags == ["injected-parameters"] and injected.source == expected.source
        assert last_json(output) == [3, "moscow_times", True, 0.5, [1, 2]]


def test_two_jobs_run_at_the_same_time(runner: WarmRunner, tmp_path: Path) -> None:
    source = make_notebook(tmp_path / "sleep.ipynb", "import json, time; start = time.time(); time.sleep(2)",
                           "print(json.dumps([start, time.time()]))")
    results = runner.run([NotebookRun(source, tmp_path / f"sleep{i}.ipynb", {}) for i in (1, 2)])
    assert [r.ok for r in results] == [True, True]
    (start1, end1), (start2, end2) = (last_json(tmp_path / f"sleep{i}.ipynb") for i in (1, 2))
    assert start1 < end2 and start2 < end1, "the two runs did not overlap"


def test_a_changed_environment_gets_a_cold_kernel(runner: WarmRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_notebook(tmp_path / "env.ipynb", "import json, os; print(json.dumps(os.environ.get('AFSTUDY_WARM_PROBE')))")
    monkeypatch.setenv("AFSTUDY_WARM_PROBE", "changed after the fork server started")
    result = run_one(runner, source, tmp_path / "env-out.ipynb")
    assert result.ok and not result.warm
    assert last_json(tmp_path / "env-out.ipynb") == "changed after the fork server started"


def test_a_warm_kernel_can_be_interrupted_shut_down_and_killed(runner: WarmRunner) -> None:
    async def scenario() -> tuple[str, str, int | None, int | None]:
        km = runner.kernel_manager()
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=30)
        msg_id = kc.execute("import time; time.sleep(60)")
        await asyncio.sleep(1)
        await km.interrupt_kernel()
        reply = await kc.get_shell_msg(timeout=10)
        after = await kc.execute_interactive("x = 1", timeout=10)
        await km.shutdown_kernel()  # a shutdown request
        kc.stop_channels()
        killed = runner.kernel_manager()
        await killed.start_kernel()
        pid = killed.provisioner.pid
        await killed.shutdown_kernel(now=True)  # SIGKILL
        return (reply["parent_header"]["msg_id"] == msg_id and reply["content"]["ename"], after["content"]["status"],
                await km.is_alive() or await killed.is_alive(), pid)

    ename, after, alive, pid = asyncio.run(scenario())
    assert (ename, after, alive) == ("KeyboardInterrupt", "ok", False)
    assert wait_gone(pid)


RUNNER_SCRIPT = """
import sys
from pathlib import Path
from afstudy.warm import NotebookRun, WarmRunner
with WarmRunner(jobs=1, preload=("ipykernel.kernelapp",)) as runner:
    print(runner.run([NotebookRun(Path(sys.argv[1]), Path(sys.argv[2]), {"marker": sys.argv[3]})]))
"""


def start_runner_and_wait_for_kernel(tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """A runner process executing a 60 s notebook; returns it once the kernel is running."""
    marker = tmp_path / f"{name}.pid"
    source = make_notebook(tmp_path / f"{name}.ipynb", "import os, time; open(marker, 'w').write(str(os.getpid())); time.sleep(60)",
                           parameters="marker = ''")
    out, tmp = tmp_path / "build", tmp_path / "tmp"  # the runner's socket folders go to tmp
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", RUNNER_SCRIPT, str(source), str(out / f"{name}.ipynb"), str(marker)],
                            env={**os.environ, "PYTHONPATH": str(PROJ_ROOT), "TMPDIR": str(tmp)})
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the kernel never started"
    return proc, int(marker.read_text()), out


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_sigterm_cleans_up_kernel_and_temporary_file(tmp_path: Path) -> None:
    proc, kernel_pid, out = start_runner_and_wait_for_kernel(tmp_path, "term")
    assert list(out.glob(f".*{TEMP_SUFFIX}")), "no temporary output while running"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert wait_gone(kernel_pid)
    assert list(out.iterdir()) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # socket folders of the fork server and kernel


def test_a_killed_runners_temporary_file_is_removed_by_the_next_run(runner: WarmRunner, tmp_path: Path) -> None:
    proc, kernel_pid, out = start_runner_and_wait_for_kernel(tmp_path, "kill")
    proc.kill()
    proc.wait(timeout=10)
    assert wait_gone(kernel_pid), "the killed runner's kernel lives on"
    (stale,) = out.glob(f".*{TEMP_SUFFIX}")
    live = out / f".live.ipynb.abcdefgh{TEMP_SUFFIX}"  # another runner's, still locked
    other = out / ".unrelated.tmp.ipynb"  # not the runner's pattern
    for path in (live, other):
        path.write_text("{}")
    with open(live) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        source = make_notebook(tmp_path / "next.ipynb", "x = 1")
        assert run_one(runner, source, out / "next.ipynb").ok
    assert not stale.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([live.name, other.name, "next.ipynb"])


def test_a_runner_started_early_in_a_thread_runs_notebooks_from_the_build(tmp_path: Path) -> None:
    """The build starts the fork server beside the extraction; the runner it hands back is
    the one the thread started (not a second one) and runs warm."""
    from afstudy.build import _LazyRunner

    lazy = _LazyRunner(jobs=1, warm=True, kernel="afstudy")
    lazy.start_early()
    try:
        lazy._starting.join()  # type: ignore[union-attr]  # noqa: SLF001
        started = lazy._runner  # noqa: SLF001 - set by the thread, before any get()
        assert started is not None and lazy.get() is started
        source = make_notebook(tmp_path / "n.ipynb", "import json; print(json.dumps(6 * 7))")
        result = run_one(started, source, tmp_path / "out.ipynb")
        assert result.ok and result.warm and last_json(tmp_path / "out.ipynb") == 42
    finally:
        lazy.close()
