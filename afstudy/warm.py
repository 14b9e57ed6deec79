"""A warm notebook runner: papermill runs that skip the kernel's start-up imports.

Every ``make figures`` notebook run pays a kernel start plus ~2 s of importing spaCy,
pandas and matplotlib. :class:`WarmRunner` keeps papermill (its parameter injection, its
metadata, its output format) and nbclient (its kernel protocol) as they are, and changes
only how the kernel process comes to be::

    with WarmRunner(jobs=2) as runner:
        results = runner.run([NotebookRun(Path("notebooks/04-cooccurrence.ipynb"), Path("build/x.ipynb"), {"k": 20})])

Design
------
* **Fork server.** On entering, the runner starts one helper process with the kernel
  spec's Python, interpreter flags and environment (the caller's plus the spec's ``env``,
  as jupyter_client gives a cold kernel), so ``PYTHONHASHSEED``, ``MPLBACKEND``,
  ``SOURCE_DATE_EPOCH`` and the rest are a cold kernel's. It imports the modules of
  :data:`DEFAULT_PRELOAD` (data: a list, "PKG.*" for every module of PKG) with
  ``importlib`` and runs no other code of theirs. Imports happen as in a kernel's user
  code: ``MPLBACKEND``, when unset, is what ipykernel sets before user code, and
  ``sys.stdout``/``sys.stderr`` are stand-ins with an OutStream's encoding that a forked
  kernel points at its own OutStreams (so spaCy's log handler, made at import, logs into
  the notebook as in a cold kernel). Environment variables the imports set (ipykernel's
  debugger sets ``PYDEVD_USE_FRAME_EVAL``) are set in every kernel. The server checks
  that no Python thread and no zmq Context exist, then ``gc.freeze()``-s the imported
  objects (a kernel's collections, e.g. IPython's at exit, then skip them).
* **A real kernel per run.** For each run jupyter_client writes the connection file and
  formats the kernel command as usual; instead of ``Popen`` the provisioner asks the
  fork server to fork. The child starts a new session (its own process group, like
  jupyter_client's ``start_new_session``), asks to be SIGKILLed if the server dies,
  closes the server's sockets, restores Python's start-up signal handlers, reseeds
  numpy's global generator (Python's ``random`` reseeds itself at fork), chdirs to the
  run's cwd, takes the run's environment and ``sys.argv``, and runs
  ``ipykernel.kernelapp`` as ``python -m ipykernel_launcher -f CONNECTION_FILE`` does,
  with its own zmq Context and threads. Every run is a fresh fork of the same untouched
  server: nothing one run does (variables, ``pandas.set_option``, rcParams, module
  attributes, ``sys.modules``) can reach another. The server reaps its children.
* **Hooked in through jupyter_client's extension points.** Papermill forwards extra
  keyword arguments to nbclient's ``NotebookClient``, which takes
  ``kernel_manager_class``: :class:`RunnerKernelManager` (an ``AsyncKernelManager``)
  installs :class:`RunnerProvisioner` (a ``LocalProvisioner`` that launches through the
  fork server; ``poll``/``wait``/``send_signal``/``kill`` use a ``pidfd`` the server
  passes over its socket and the child's process group). Interrupts, shutdown requests
  and kills work as for a cold kernel. Kernels talk over IPC sockets in a private folder
  per run, so parallel runs never race for TCP ports.
* **Refusals fall back to cold.** The server refuses to fork, and the run gets an
  ordinary ``Popen`` kernel with a warning (``RunResult.warm`` is False), when a warm
  kernel could differ from a cold one: the run's environment differs from the server's
  (except :data:`VOLATILE_ENV_KEYS`), the kernel command is not the spec's
  ``ipykernel_launcher``, the run's cwd holds another copy of a preloaded package (a cold
  kernel would import that one) or another ``matplotlibrc``, or a relative
  ``PYTHONPATH`` entry would resolve elsewhere.
* **Outputs.** Each run writes into a locked temporary file beside its output
  (``.NAME.XXXXXXXX.nbrun.tmp.ipynb``), renamed onto the output only on success; a
  failed run leaves no output, keeps its partial notebook as ``NAME.failed.ipynb`` and
  reports a :class:`~afstudy.errors.NotebookError` naming the notebook and the cell. The
  recorded ``metadata.papermill.output_path`` is the output's path (as if papermill had
  written there), and the injected-parameters cell's id is made from its source (nbformat
  draws a random one), so an executed notebook is byte-reproducible apart from the times
  papermill and nbclient record (``start_time``, ``end_time``, ``duration``, and the
  cells' ``metadata.execution``). At the start of a run, files of the temporary pattern
  in its output folders that no live run holds locked (left by a killed runner) go.
* **Parallel, and cleaned up.** Runs go on ``jobs`` threads of this process (papermill's
  ``cwd`` argument chdirs the whole process, so the kernel's cwd goes through nbclient's
  ``resources`` instead). On KeyboardInterrupt or SIGTERM every kernel is killed, the
  temporary files are removed and the fork server stops; if the runner is SIGKILLed,
  the server sees its control socket close and kills its kernels.

``warm=False`` gives one cold ``Popen`` kernel per run, for comparison (``make verify``).

Limits
------
* A warm kernel starts as a cold one would *after importing the preload list*: modules
  are in ``sys.modules`` and their import-time effects are there, e.g. importing
  ``afstudy.plotting`` calls ``matplotlib.use("agg")`` (so ``rcParams["backend_fallback"]``
  is False). Keep modules with global side effects off the list if that matters.
* Per-process state a library draws at import stays the server's, apart from numpy's and
  ``random``'s generators; with ``PYTHONHASHSEED`` unset, all warm kernels share the
  server's hash seed (cold ones each draw one). Linux only (fork, pidfd, prctl).

Measured on the project's 2-core machine, shared with other jobs (load 0.3-4.5): 10 runs
of ``04-cooccurrence`` from the Makefile's grid, 5 interleaved rounds, per run, including
the fork server's start (4-10 s). CPU seconds (load-independent): cold 4.5-5.3, warm
2.8-3.2. Wall seconds, best round: cold 5.2 (1 job) and 3.1 (2 jobs), warm 3.5 and 1.9.
The executed notebooks were identical apart from their times in all four modes.
"""

from __future__ import annotations

import asyncio
import atexit
import fcntl
import gc
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import pkgutil
import selectors
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any as AnyTrait

from afstudy.errors import KernelSetupError, NotebookError

# Imported once by the fork server, in this order; "PACKAGE.*" stands for every module of
# PACKAGE. With the ipykernel modules here, a kernel's start-up imports nothing new.
DEFAULT_PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "matplotlib.pyplot",
    "spacy",
    "networkx",
    "zmq",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "matplotlib_inline.backend_inline",
    "afstudy.*",
)

TEMP_SUFFIX = ".nbrun.tmp.ipynb"  # temporary outputs: .NAME.XXXXXXXX.nbrun.tmp.ipynb
FAILED_SUFFIX = ".failed.ipynb"
LAUNCHER = "ipykernel_launcher"
# What ipykernel sets MPLBACKEND to, when unset, before any user code (init_gui_pylab).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Environment variables that change between runs of one process and that no preloaded
# module reads at import: a run whose environment differs from the fork server's only in
# these still gets a warm kernel (with the run's values, like every other variable).
# JPY_PARENT_PID: set by jupyter_client per launch; PYTEST_CURRENT_TEST: set by pytest per test.
VOLATILE_ENV_KEYS: frozenset[str] = frozenset({"JPY_PARENT_PID", "PYTEST_CURRENT_TEST"})
SERVER_START_TIMEOUT = 300.0  # seconds for the fork server's imports
EXIT_STATUS_TIMEOUT = 10.0  # seconds to wait for the server to report a child's exit status
MESSAGE_SIZE = 1 << 20  # largest request (the environment) on the fork server's socket
PR_SET_PDEATHSIG = 1  # linux/prctl.h


# ---- public API -----------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookRun:
    """One notebook execution: papermill ``source`` -> ``output`` with ``parameters``."""

    source: Path
    output: Path
    parameters: Mapping[str, object] = field(default_factory=dict)
    cwd: Path | None = None  # the kernel's working directory (default: the caller's)


@dataclass(frozen=True)
class RunResult:
    """How a run went: ``ok``, the error message if not, seconds taken, warm or cold kernel."""

    run: NotebookRun
    ok: bool
    error: str | None
    seconds: float
    warm: bool
    exception: BaseException | None = field(default=None, compare=False, repr=False)


class WarmRunner:
    """Run notebooks with papermill on ``jobs`` parallel kernels, forked warm or cold.

    A context manager: entering starts the fork server (``warm=True``), leaving stops it
    and every kernel still running.
    """

    def __init__(self, *, jobs: int | None = None, kernel: str = "afstudy", preload: Sequence[str] = DEFAULT_PRELOAD, warm: bool = True) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.kernel = kernel
        self.preload = tuple(preload)
        self.warm = warm
        self._context: _RunContext | None = None
        self._previous_sigterm: Any = None

    def __enter__(self) -> WarmRunner:
        server = None
        if self.warm:
            server = _ForkServer(_kernel_command(self.kernel), self.preload, _cold_kernel_env(self.kernel))
            server.start()  # returns at once; the server imports while papermill loads here
        try:
            import papermill  # noqa: F401 - slow (nbformat, jsonschema): once, not in the first run's time

            if server is not None:
                server.wait_ready()
        except BaseException:
            if server is not None:
                server.stop()
            raise
        self._context = _RunContext(server, _KernelRegistry())
        self._install_sigterm()
        return self

    def __exit__(self, *exc: object) -> None:
        context, self._context = self._context, None
        try:
            if context is not None:
                context.registry.kill_all()
                if context.server is not None:
                    context.server.stop()
        finally:
            self._restore_sigterm()

    def run(self, runs: Sequence[NotebookRun]) -> list[RunResult]:
        """Execute ``runs`` on ``jobs`` threads; results in input order (never raises for a failed run)."""
        context = self._open_context()
        outputs = [Path(r.output).resolve() for r in runs]
        if len(set(outputs)) < len(outputs):
            raise ValueError("two runs write the same output")
        for folder in sorted({Path(r.output).parent for r in runs}):
            remove_stale_temp_files(folder)
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="afstudy-run")
        futures: list[Future[RunResult]] = [pool.submit(_execute, run, self.kernel, context) for run in runs]
        try:
            return [future.result() for future in futures]
        except BaseException:  # KeyboardInterrupt, SIGTERM: stop every kernel, let the runs unwind
            context.abort()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def kernel_manager(self, **kwargs: Any) -> RunnerKernelManager:
        """A jupyter_client (async) kernel manager whose kernels come from this runner."""
        return RunnerKernelManager(kernel_name=self.kernel, launch=_Launch(self._open_context()), **kwargs)

    def _open_context(self) -> _RunContext:
        if self._context is None:
            raise RuntimeError("use WarmRunner as a context manager: with WarmRunner() as runner: ...")
        return self._context

    def _install_sigterm(self) -> None:
        """Turn SIGTERM into SystemExit while the runner is open, so cleanup runs."""
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def _restore_sigterm(self) -> None:
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the runner's temporary outputs in ``folder`` that no live run holds locked."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(f".*{TEMP_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a running run's file
        else:
            path.unlink(missing_ok=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


# ---- one run --------------------------------------------------------------------------


def _execute(run: NotebookRun, kernel: str, context: _RunContext) -> RunResult:
    """Run one notebook with papermill into a locked temporary file; rename it on success."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import write_ipynb
    from traitlets.config import Config

    start = time.perf_counter()
    target = Path(run.output)
    failed = target.with_suffix(FAILED_SUFFIX)
    launch = _Launch(context)
    error: NotebookError | None = None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="afstudy-kernel-") as sockets, _temporary_output(target) as tmp:
        config = Config({
            "KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")},
            "RunnerKernelManager": {"launch": launch},
        })
        try:
            context.check_open()
            nb = pm.execute_notebook(
                str(run.source), str(tmp), parameters=dict(run.parameters), kernel_name=kernel, progress_bar=False,
                log_output=False, config=config, kernel_manager_class=RunnerKernelManager,
                # papermill's own cwd= chdirs the whole process, which parallel runs share.
                resources={"metadata": {"path": str(run.cwd)}} if run.cwd else {},
            )
            # Record the output's path, as papermill does when it writes there itself.
            nb.metadata.papermill["output_path"] = str(run.output)
            _stable_injected_cell_id(nb)
            write_ipynb(nb, str(tmp))
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            failed.unlink(missing_ok=True)
        except PapermillExecutionError as exc:
            error = NotebookError(run.source, f"{exc.ename}: {exc.evalue}", cell=exc.exec_count)
            error.__cause__ = exc
        except Exception as exc:  # kernel died, timed out, bad notebook path, ...
            error = NotebookError(run.source, f"{type(exc).__name__}: {exc}".strip())
            error.__cause__ = exc
        if error is not None and not context.aborted and tmp.exists() and tmp.stat().st_size:
            tmp.replace(failed)
    seconds = time.perf_counter() - start
    return RunResult(run, error is None, str(error) if error else None, seconds, launch.warm, error)


def _stable_injected_cell_id(nb: Any) -> None:
    """Give papermill's injected-parameters cell an id made from its source, not a random one.

    nbformat gives every new cell a random id, so two runs with the same parameters would
    differ in it; with this, an executed notebook is reproducible apart from its times.
    """
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-" + hashlib.sha256(cell.source.encode("utf-8")).hexdigest()[:12]


@contextmanager
def _temporary_output(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target``, locked while the run lasts, removed afterwards."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # marks the file as live for remove_stale_temp_files
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
        os.close(fd)


# ---- jupyter_client glue ----------------------------------------------------------------


class _KernelRegistry:
    """The process groups of the kernels a runner started, to kill them on abort."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()
        self.closed = False

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)
            closed = self.closed
        if closed:  # started while the runner was stopping
            _kill_group(pgid)

    def discard(self, pgid: int) -> None:
        with self._lock:
            self._groups.discard(pgid)

    def kill_all(self) -> None:
        with self._lock:
            self.closed = True
            groups = sorted(self._groups)
        for pgid in groups:
            _kill_group(pgid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


@dataclass
class _RunContext:
    """What the kernel managers of one runner share: its fork server and kernel registry."""

    server: _ForkServer | None
    registry: _KernelRegistry
    aborted: bool = False

    def abort(self) -> None:
        self.aborted = True
        self.registry.kill_all()

    def check_open(self) -> None:
        if self.aborted or self.registry.closed:
            raise KernelSetupError("warm runner", "stopped")


class _Launch:
    """One run's link to its runner; records whether its kernel was forked warm."""

    def __init__(self, context: _RunContext) -> None:
        self.context = context
        self.warm = False

    def __deepcopy__(self, memo: dict[int, Any]) -> _Launch:
        return self  # traitlets deep-copies config values; this is a handle, not a value


class RunnerProvisioner(LocalProvisioner):  # type: ignore[misc]
    """LocalProvisioner that forks kernels from the runner's fork server when it can."""

    launch = AnyTrait(None, allow_none=True)
    warm_kernel: _WarmKernel | None = None

    @property
    def has_process(self) -> bool:
        return self.warm_kernel is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        launch: _Launch = self.launch
        launch.context.check_open()
        server = launch.context.server
        if server is not None:
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launch_kernel sets it
            cwd = str(kwargs.get("cwd") or os.getcwd())
            outcome = server.launch(cmd, env, cwd)
            if isinstance(outcome, _WarmKernel):
                self.warm_kernel = outcome
                self.pid = self.pgid = outcome.pid
                self.cwd = cwd
                launch.warm = True
                launch.context.registry.add(outcome.pid)
                return self.connection_info
            self.log.warning("afstudy warm runner: cold kernel, because %s", outcome)
        info = await super().launch_kernel(cmd, **kwargs)
        if self.pgid:
            launch.context.registry.add(self.pgid)
        return info

    async def poll(self) -> int | None:
        if self.warm_kernel is not None:
            return self.warm_kernel.poll()
        return await super().poll()

    async def wait(self) -> int | None:
        kernel = self.warm_kernel
        if kernel is None:
            return await super().wait()
        while kernel.poll() is None:
            await asyncio.sleep(0.05)
        self._forget(kernel)
        return kernel.poll()

    async def send_signal(self, signum: int) -> None:
        if self.warm_kernel is not None:
            self.warm_kernel.send_signal(signum)
            return
        await super().send_signal(signum)

    async def kill(self, restart: bool = False) -> None:
        if self.warm_kernel is not None:
            self.warm_kernel.send_signal(signal.SIGKILL)
            return
        await super().kill(restart=restart)

    async def terminate(self, restart: bool = False) -> None:
        if self.warm_kernel is not None:
            self.warm_kernel.send_signal(signal.SIGTERM)
            return
        await super().terminate(restart=restart)

    async def cleanup(self, restart: bool = False) -> None:
        if self.warm_kernel is not None:
            self._forget(self.warm_kernel)
        if self.pgid:
            self.launch.context.registry.discard(self.pgid)
        await super().cleanup(restart=restart)

    def _forget(self, kernel: _WarmKernel) -> None:
        kernel.close()
        self.launch.context.registry.discard(kernel.pid)
        self.warm_kernel = None


class RunnerKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """AsyncKernelManager whose kernels come from a WarmRunner (warm fork or cold Popen).

    nbclient builds it from ``kernel_manager_class`` with the run's traitlets config,
    which carries the run's link to its runner as ``RunnerKernelManager.launch``.
    """

    launch = AnyTrait(None, allow_none=True).tag(config=True)

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        # jupyter_client picks a provisioner by the name in kernel.json, resolved through
        # installed entry points, and the "afstudy" spec must stay a plain one (JupyterLab,
        # nbval). The base method keeps a provisioner that is already set ("will not be
        # None on restarts"), so the manager sets its own before calling it.
        if self.provisioner is None:
            if self.launch is None:
                raise KernelSetupError("warm runner", "RunnerKernelManager needs RunnerKernelManager.launch in its config")
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = RunnerProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self, launch=self.launch)
        return await super()._async_pre_start_kernel(**kw)


# ---- kernel spec ------------------------------------------------------------------------


@dataclass(frozen=True)
class _KernelCommand:
    """A kernel spec's ``python [FLAGS] -m ipykernel_launcher ARGS`` split into its parts."""

    python: str
    flags: tuple[str, ...]


def _kernel_spec(kernel: str) -> Any:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel as exc:
        raise KernelSetupError(kernel, "no such Jupyter kernel") from exc


def _kernel_command(kernel: str) -> _KernelCommand:
    """The Python and interpreter flags of an ipykernel kernel spec (else a KernelSetupError)."""
    argv = list(_kernel_spec(kernel).argv)
    if argv and argv[0] in {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}:
        argv[0] = sys.executable  # as jupyter_client's format_kernel_cmd does
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == LAUNCHER and all(a.startswith("-") for a in argv[1:i]):
            return _KernelCommand(argv[0], tuple(argv[1:i]))
    raise KernelSetupError(kernel, f"warm runs need a kernel started as `python -m {LAUNCHER}`, not {argv}")


def _cold_kernel_env(kernel: str) -> dict[str, str]:
    """The environment jupyter_client gives a cold kernel now (LocalProvisioner.pre_launch)."""
    spec = _kernel_spec(kernel)
    env = dict(os.environ)
    env.update({k: string.Template(v).safe_substitute(env) for k, v in (spec.env or {}).items()})
    if (spec.language or "").lower().startswith("python"):
        env.pop("PYTHONEXECUTABLE", None)
    env["JPY_PARENT_PID"] = str(os.getpid())
    return env


# ---- fork server: the runner's side ---------------------------------------------------------


class _WarmKernel:
    """A forked kernel seen from the runner: its pid, a pidfd, and the server's socket."""

    def __init__(self, pid: int, pidfd: int, conn: socket.socket) -> None:
        self.pid = pid
        self._pidfd = pidfd
        self._conn = conn
        self._status: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        """None while the kernel runs, else its exit status (negative: killed by that signal)."""
        with self._lock:
            if self._status is None and self._pidfd >= 0 and _readable(self._pidfd):
                self._status = self._exit_status()
            return self._status

    def _exit_status(self) -> int:
        """The status the server reports once it has reaped the child."""
        self._conn.settimeout(EXIT_STATUS_TIMEOUT)
        try:
            data = self._conn.recv(MESSAGE_SIZE)
        except OSError:
            data = b""
        return int(json.loads(data)["exit"]) if data else -signal.SIGKILL

    def send_signal(self, signum: int) -> None:
        """Signal the kernel's process group (its subprocesses too), as LocalProvisioner does."""
        if self.poll() is not None:
            return
        try:
            os.killpg(self.pid, signum)
        except OSError:
            signal.pidfd_send_signal(self._pidfd, signum)

    def close(self) -> None:
        with self._lock:
            if self._pidfd >= 0:
                os.close(self._pidfd)
                self._pidfd = -1
            self._conn.close()


def _readable(fd: int) -> bool:
    sel = selectors.DefaultSelector()
    try:
        sel.register(fd, selectors.EVENT_READ)
        return bool(sel.select(0))
    finally:
        sel.close()


class _ForkServer:
    """Start, ask and stop the fork server process."""

    def __init__(self, command: _KernelCommand, preload: Sequence[str], env: dict[str, str]) -> None:
        self.command = command
        self.preload = tuple(preload)
        self.env = env
        self._folder: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready = False

    @property
    def address(self) -> str:
        assert self._folder is not None
        return os.path.join(self._folder, "server.sock")

    def start(self) -> None:
        """Start the server with the kernel's Python and environment (see wait_ready)."""
        self._folder = tempfile.mkdtemp(prefix="afstudy-warm-")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(self.address)
            listener.listen(64)
            boot = "import sys; del sys.path[0]; from afstudy.warm import serve; serve(sys.argv[1:])"
            self._process = subprocess.Popen(
                [self.command.python, *self.command.flags, "-c", boot, str(listener.fileno()), json.dumps(self.preload)],
                env=self.env, stdin=subprocess.DEVNULL, pass_fds=(listener.fileno(),), start_new_session=True,
            )
            self._control = self._connect()
            self._control.sendall(json.dumps({"hello": os.getpid()}).encode())
        except BaseException:
            self.stop()
            raise
        finally:
            listener.close()

    def wait_ready(self) -> None:
        """Wait until the server has imported the preload list (KernelSetupError if it failed)."""
        assert self._control is not None and self._process is not None
        self._control.settimeout(SERVER_START_TIMEOUT)
        try:
            reply = self._control.recv(MESSAGE_SIZE)
        except TimeoutError as exc:
            raise KernelSetupError("warm runner", f"the fork server took over {SERVER_START_TIMEOUT:.0f} s to start") from exc
        except OSError:
            reply = b""
        message = json.loads(reply) if reply else {"error": f"it exited with status {self._process.wait()} (see its messages above)"}
        if "error" in message:
            raise KernelSetupError("warm runner", f"the fork server did not start: {message['error']}")
        self._control.settimeout(None)
        self._ready = True

    def _connect(self) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(self.address)
        return conn

    def launch(self, cmd: list[str], env: dict[str, str], cwd: str) -> _WarmKernel | str:
        """Fork a kernel; returns it, or the reason the server refused (then launch cold)."""
        conn = self._connect()
        try:
            conn.sendall(json.dumps({"argv": cmd, "env": env, "cwd": cwd}).encode())
            message, fds, _flags, _addr = socket.recv_fds(conn, MESSAGE_SIZE, 1)
            reply = json.loads(message) if message else {"refused": "the fork server has stopped"}
        except BaseException:
            conn.close()
            raise
        if "pid" in reply and fds:
            return _WarmKernel(int(reply["pid"]), fds[0], conn)
        for fd in fds:
            os.close(fd)
        conn.close()
        return str(reply.get("refused", reply))

    def stop(self) -> None:
        """Stop the server; it kills every kernel it forked. Idempotent."""
        if self._control is not None:
            self._control.close()  # the server takes the closed socket as "stop"
            self._control = None
        if self._process is not None:
            if not self._ready:  # still importing: it would notice the closed socket only later
                self._process.kill()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


# ---- fork server: the server's side ---------------------------------------------------------


def serve(argv: Sequence[str]) -> None:
    """The fork server's main (``afstudy.warm.serve([LISTEN_FD, PRELOAD_JSON])``)."""
    listener = socket.socket(fileno=int(argv[0]))
    preload = json.loads(argv[1])
    control, _ = listener.accept()
    try:
        base_env = dict(os.environ)
        env_changes = _preload(preload)
        _check_fork_safe()
        os.environ.clear()
        os.environ.update(base_env)
        # The preloaded objects go to the collector's permanent generation (what gc.freeze
        # is for, before fork): a kernel's collections, e.g. IPython's at exit, then skip
        # millions of module objects, and pages stay shared. Output-neutral.
        gc.freeze()
        _ForkServerLoop(listener, control, base_env, env_changes, preload).run()
    except BaseException as exc:  # the runner raises it as a KernelSetupError
        if not isinstance(exc, SystemExit):
            control.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()[:MESSAGE_SIZE])
        raise


class _KernelStream:
    """Stands for a kernel's ``sys.stdout``/``sys.stderr`` while the fork server imports.

    In a cold kernel, ipykernel's OutStream replaces the streams before user code runs, so
    a module imported there sees an OutStream (pandas reads its encoding; spaCy's logging
    handler keeps it and logs into the notebook). Modules preloaded with this stand-in
    see the same encoding, and once a forked kernel has its own streams the stand-in
    forwards everything to them (:func:`_retarget_streams`).
    """

    encoding = "UTF-8"  # ipykernel.iostream.OutStream.encoding

    def __init__(self, target: Any) -> None:
        self._target = target
        self._in_kernel = False

    def retarget(self, stream: Any) -> None:
        """From now on, be ``stream`` (the kernel's OutStream)."""
        self._target = stream
        self._in_kernel = True

    def write(self, text: str) -> int:
        return int(self._target.write(text))

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return bool(self._target.isatty()) if self._in_kernel else False  # an OutStream is no tty

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


def _preload(names: Sequence[str]) -> dict[str, str | None]:
    """Import ``names`` ("PKG.*": every module of PKG) as a kernel's user code would.

    MPLBACKEND (when unset) and the streams are what ipykernel gives user code. Returns
    the environment variables the imports set (or removed, as None), which a kernel that
    imported them would have too.
    """
    before = dict(os.environ)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _STAND_INS["stdout"], _STAND_INS["stderr"] = _KernelStream(sys.stdout), _KernelStream(sys.stderr)
    try:
        for name in _expand(names):
            importlib.import_module(name)
    finally:
        sys.stdout, sys.stderr = streams
    if "MPLBACKEND" not in before and os.environ.get("MPLBACKEND") == INLINE_BACKEND:
        del os.environ["MPLBACKEND"]
    changes: dict[str, str | None] = {k: v for k, v in os.environ.items() if before.get(k) != v}
    changes.update({k: None for k in before if k not in os.environ})
    return changes


_STAND_INS: dict[str, _KernelStream] = {}  # the fork server's; a forked kernel points them at its streams


def _retarget_streams() -> None:
    """Point the stand-in streams at the kernel's own (call after IPKernelApp.initialize)."""
    for name, stand_in in _STAND_INS.items():
        stand_in.retarget(getattr(sys, name))


def _expand(names: Sequence[str]) -> list[str]:
    """Expand "PKG.*" entries into PKG's modules (sorted)."""
    out: list[str] = []
    for name in names:
        if name.endswith(".*"):
            package = importlib.import_module(name[:-2])
            out.append(package.__name__)
            out += sorted(f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__))
        else:
            out.append(name)
    return out


def _check_fork_safe() -> None:
    """No Python thread besides this one and no zmq Context may exist before fork."""
    if threading.active_count() != 1:
        raise KernelSetupError("warm runner", f"preloading started threads: {[t.name for t in threading.enumerate()]}")
    zmq = sys.modules.get("zmq")
    # type() rather than isinstance(): no __class__ lookups on lazy proxies
    if zmq is not None and any(issubclass(type(o), zmq.Context) for o in gc.get_objects()):
        raise KernelSetupError("warm runner", "preloading created a zmq Context")


class _ForkServerLoop:
    """The single-threaded accept / fork / reap loop."""

    def __init__(self, listener: socket.socket, control: socket.socket, base_env: dict[str, str],
                 env_changes: dict[str, str | None], preload: Sequence[str]) -> None:
        self.listener = listener
        self.control = control
        self.base_env = base_env
        self.env_changes = env_changes
        self.top_modules = sorted({n.split(".")[0] for n in preload})
        self.children: dict[int, socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        self.wakeup_r, self.wakeup_w = os.pipe()
        self.stopping = False

    def run(self) -> None:
        for fd in (self.wakeup_r, self.wakeup_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, _ignore_signal)  # a handler, so the wakeup fd gets a byte
        signal.signal(signal.SIGTERM, self._stop_on_signal)
        signal.signal(signal.SIGINT, self._stop_on_signal)
        self.selector.register(self.listener, selectors.EVENT_READ, self._accept)
        self.selector.register(self.control, selectors.EVENT_READ, self._control_event)
        self.selector.register(self.wakeup_r, selectors.EVENT_READ, self._wakeup)
        self.control.sendall(json.dumps({"ready": os.getpid(), "modules": len(sys.modules)}).encode())
        while not self.stopping:
            for key, _ in self.selector.select():
                key.data(key.fileobj)
        self._kill_children()

    def _stop_on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _control_event(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(MESSAGE_SIZE)
        except OSError:
            data = b""
        if not data:  # the runner closed it, or died
            self.stopping = True

    def _wakeup(self, fd: int) -> None:
        try:
            while os.read(fd, 512):
                pass
        except BlockingIOError:
            pass
        self._reap()

    def _reap(self) -> None:
        """Collect exited children; tell each one's runner socket its exit status."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None and conn.fileno() >= 0:
                try:
                    conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
                except OSError:
                    pass
                self._drop(conn)

    def _drop(self, conn: socket.socket) -> None:
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def _kernel_socket_event(self, conn: socket.socket) -> None:
        """The runner closed a kernel's socket: it no longer manages that kernel, so end it."""
        if conn.fileno() < 0:  # reaped earlier in this round
            return
        try:
            data = conn.recv(MESSAGE_SIZE)
        except OSError:
            data = b""
        if data:
            return
        for pid, c in list(self.children.items()):
            if c is conn:
                _kill_group(pid)
        self._drop(conn)

    def _accept(self, listener: socket.socket) -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            request = json.loads(conn.recv(MESSAGE_SIZE))
            refusal = self._refusal(request)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            request, refusal = {}, f"bad request ({exc!r})"
        if refusal is not None:
            try:
                conn.sendall(json.dumps({"refused": refusal}).encode())
            except OSError:
                pass
            conn.close()
            return
        self._fork(conn, request)

    def _refusal(self, request: dict[str, Any]) -> str | None:
        """Why a warm kernel for ``request`` would differ from a cold one (None: it would not)."""
        argv, env, cwd = list(request["argv"]), dict(request["env"]), str(request["cwd"])
        prefix = [sys.orig_argv[0], *_interpreter_flags(), "-m", LAUNCHER]
        if argv[: len(prefix)] != prefix:
            return f"the kernel command {argv[:len(prefix)]} is not the fork server's {prefix}"
        differ = sorted(k for k in set(env) | set(self.base_env) if k not in VOLATILE_ENV_KEYS and env.get(k) != self.base_env.get(k))
        if differ:
            return f"the environment differs from the fork server's in {', '.join(differ)}"
        if any(p and not os.path.isabs(p) for p in env.get("PYTHONPATH", "").split(os.pathsep)) and cwd != os.getcwd():
            return "PYTHONPATH has relative entries and the kernel's cwd is not the fork server's"
        if not os.path.isdir(cwd):
            return f"no such folder: {cwd}"
        if "matplotlib" in sys.modules and _realpath(cwd) != _realpath(os.getcwd()) and any(
            os.path.isfile(os.path.join(d, "matplotlibrc")) for d in (cwd, os.getcwd())
        ):
            return "matplotlib reads ./matplotlibrc at import, and the kernel's cwd has another one than the fork server's"
        for name in self.top_modules:
            if (problem := _shadowed(name, cwd)) is not None:
                return problem
        if threading.active_count() != 1:
            return "the fork server has threads"
        return None

    def _fork(self, conn: socket.socket, request: dict[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, self.env_changes, server_pid, [*self._own_files(), conn])
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(conn, [json.dumps({"pid": pid}).encode()], [pidfd])
        except OSError:
            _kill_group(pid)
        finally:
            os.close(pidfd)
        conn.settimeout(None)
        self.children[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, self._kernel_socket_event)

    def _own_files(self) -> list[Any]:
        """The server's sockets, pipe and selector: a kernel must not keep them."""
        return [self.listener, self.control, self.selector, self.wakeup_r, self.wakeup_w, *self.children.values()]

    def _kill_children(self) -> None:
        """Kill every child's process group and reap them; then the server exits."""
        for pid in list(self.children):
            _kill_group(pid)
        deadline = time.monotonic() + 5
        while self.children and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.01)


def _realpath(path: str) -> str:
    return os.path.realpath(path)


def _ignore_signal(signum: int, frame: FrameType | None) -> None:
    pass


def _interpreter_flags() -> list[str]:
    """The interpreter flags this process was started with (as in the kernel spec)."""
    return list(sys.orig_argv[1 : sys.orig_argv.index("-c")])


def _shadowed(name: str, cwd: str) -> str | None:
    """A problem if a cold kernel in ``cwd`` would import a different ``name`` than preloaded."""
    loaded = sys.modules.get(name)
    spec = getattr(loaded, "__spec__", None)
    finder = importlib.machinery.FileFinder(cwd, *_loader_details())  # no sys.path_importer_cache entry
    found = finder.find_spec(name)
    if found is None or spec is None or found.origin == spec.origin:
        return None
    return f"{cwd} has its own {name} ({found.origin}), which a cold kernel there would import instead of {spec.origin}"


def _loader_details() -> list[tuple[Any, list[str]]]:
    m = importlib.machinery
    return [(m.ExtensionFileLoader, m.EXTENSION_SUFFIXES), (m.SourceFileLoader, m.SOURCE_SUFFIXES), (m.SourcelessFileLoader, m.BYTECODE_SUFFIXES)]


# ---- the forked child ---------------------------------------------------------------------


def _become_kernel(request: dict[str, Any], env_changes: dict[str, str | None], server_pid: int, server_files: list[Any]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher ARGS``; never returns."""
    code = 1
    try:
        os.setsid()  # own session and process group, as jupyter_client's start_new_session
        _die_with_parent(server_pid)
        for obj in server_files:
            os.close(obj) if isinstance(obj, int) else obj.close()
        _reset_signals()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for key, value in env_changes.items():  # what the preloaded imports set, as in a kernel that made them
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        prefix_len = len(_interpreter_flags()) + 3  # python FLAGS -m ipykernel_launcher
        spec = importlib.util.find_spec(LAUNCHER)
        sys.argv = [spec.origin if spec and spec.origin else LAUNCHER, *request["argv"][prefix_len:]]
        _reseed()
        from ipykernel import kernelapp

        app = kernelapp.IPKernelApp.instance()  # kernelapp.launch_new_instance(), in its steps
        app.initialize()
        _retarget_streams()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what interpreter exit would run (IPython's history, ...)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _die_with_parent(server_pid: int) -> None:
    """Ask Linux to SIGKILL this kernel when the fork server dies."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server_pid:  # the server died before prctl
        os._exit(1)


def _reset_signals() -> None:
    """Python's start-up signal state (the server changed SIGCHLD, SIGTERM, SIGINT)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _reseed() -> None:
    """Per-process random state a fresh import would draw anew (``random`` does it at fork)."""
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()
