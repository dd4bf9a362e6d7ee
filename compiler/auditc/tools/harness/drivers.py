"""Start and stop the harness's Fluent Bit and Loki: Docker Compose or native processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from auditc.tools.harness.configs import native_files, own_config_args
from auditc.tools.harness.loki import Loki

PROJECT = "auditc-harness"


class HarnessError(RuntimeError):
    pass


@dataclass
class State:
    mode: str
    work: str
    lua_dir: str
    loki_url: str
    fluent_bit_url: str
    compose_file: str | None = None
    pids: dict = field(default_factory=dict)
    source: str = "file"  # file: append to the watched log; webhook: POST EventLists
    webhook_url: str | None = None
    loki_config: str | None = None  # native mode: the user's Loki config file, if not the generated one

    @property
    def audit_log(self) -> Path:
        return Path(self.work) / "audit" / "audit.log"

    def save(self) -> None:
        Path(self.work, "state.json").write_text(json.dumps(asdict(self), indent=2) + "\n")

    @staticmethod
    def load(work: str | Path) -> "State":
        path = Path(work, "state.json")
        if not path.exists():
            raise HarnessError(f"no harness running from {work} (run `auditc harness up` first)")
        return State(**json.loads(path.read_text()))


def running(work: str | Path) -> bool:
    """Was a harness started from `work` (and not stopped)? `up` writes its state, `down` removes it."""
    return Path(work, "state.json").is_file()


def docker_available() -> tuple[bool, str]:
    """Is a Docker engine answering? (The client alone is not enough.)"""
    if not shutil.which("docker"):
        return False, "the docker command is not installed"
    try:
        r = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"docker info failed: {exc}"
    if r.returncode != 0:
        return False, f"no Docker engine answers: {(r.stderr or r.stdout).strip().splitlines()[-1] if (r.stderr or r.stdout).strip() else 'docker info failed'}"
    return True, f"Docker engine {r.stdout.strip()}"


def native_binaries() -> tuple[str | None, str | None]:
    return (os.environ.get("FLUENT_BIT_BIN") or shutil.which("fluent-bit"),
            os.environ.get("LOKI_BIN") or shutil.which("loki"))


def _wait(what: str, check, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Until check() holds. A process that exits meanwhile fails at once,
    with the end of its log, rather than after the whole timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise HarnessError(f"{what} exited with code {proc.returncode} before it was ready{_log_tail(log)}")
        time.sleep(0.5)
    raise HarnessError(f"{what} did not become ready within {timeout:.0f}s{_log_tail(log)}")


def _log_tail(log: Path | None, lines: int = 5) -> str:
    if log is None or not log.exists():
        return ""
    tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    return f"; the end of {log}:\n  " + "\n  ".join(tail) if tail else ""


def _ports_in_use(ports: list[int]) -> list[int]:
    """Ports on 127.0.0.1 that something already listens on: a harness left
    running (or killed without `harness down`) keeps Loki on its port, and a
    second Loki would then never answer on it."""
    import socket
    busy = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    return busy


def _fluent_bit_healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _prepare_work(work: Path) -> None:
    for sub in ("audit", "state"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "audit" / "audit.log").touch()


def up_docker(work: Path, lua_dir: Path, compose_file: Path, *, loki_port: int = 3100, fb_port: int = 2020,
              timeout: float = 180) -> State:
    ok, why = docker_available()
    if not ok:
        raise HarnessError(f"docker mode needs a Docker engine: {why} (try --mode native)")
    _prepare_work(work)
    env = dict(os.environ, AUDITC_HARNESS_WORK=str(work.resolve()), AUDITC_LUA_DIR=str(lua_dir.resolve()),
               LOKI_PORT=str(loki_port), FLUENT_BIT_PORT=str(fb_port))
    r = subprocess.run(["docker", "compose", "-f", str(compose_file), "-p", PROJECT, "up", "-d"], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise HarnessError(f"docker compose up failed: {r.stderr.strip()}")
    state = State("docker", str(work), str(lua_dir), f"http://127.0.0.1:{loki_port}", f"http://127.0.0.1:{fb_port}",
                  compose_file=str(compose_file))
    state.save()
    _wait("Loki", Loki(state.loki_url).ready, timeout)
    _wait("Fluent Bit", lambda: _fluent_bit_healthy(state.fluent_bit_url), timeout)
    return state


def loki_command(loki_bin: str, work: Path, loki_port: int, loki_config: Path | None = None) -> list[str]:
    """The generated config in the work dir, or the user's own config file
    with only addresses, ports and data paths overridden by flags."""
    if loki_config is None:
        return [loki_bin, f"-config.file={work / 'loki' / 'loki.yaml'}"]
    return [loki_bin, f"-config.file={loki_config.resolve()}",
            *own_config_args(listen="127.0.0.1", http_port=loki_port, grpc_port=loki_port + 6000,
                             data_dir=str(work / "loki" / "data"), rules_dir=str(work / "loki" / "rules"))]


def up_native(work: Path, lua_dir: Path, *, loki_port: int = 3100, fb_port: int = 2020, timeout: float = 120,
              source: str = "file", webhook_port: int = 9880, loki_config: Path | None = None) -> State:
    fb_bin, loki_bin = native_binaries()
    missing = [name for name, b in (("fluent-bit (or FLUENT_BIT_BIN)", fb_bin), ("loki (or LOKI_BIN)", loki_bin)) if not b]
    if missing:
        raise HarnessError(f"native mode needs {' and '.join(missing)} on PATH")
    ports = [loki_port, loki_port + 6000, fb_port] + ([webhook_port] if source == "webhook" else [])
    busy = _ports_in_use(ports)
    if busy:
        raise HarnessError(f"port {', '.join(map(str, busy))} on 127.0.0.1 is already in use (another harness? "
                           "`auditc harness down`, or choose other ports)")
    _prepare_work(work)
    for path, text in native_files(work.resolve(), lua_dir, loki_port=loki_port, fb_port=fb_port, source=source,
                                   webhook_port=webhook_port).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    state = State("native", str(work), str(lua_dir), f"http://127.0.0.1:{loki_port}", f"http://127.0.0.1:{fb_port}",
                  source=source, webhook_url=f"http://127.0.0.1:{webhook_port}/" if source == "webhook" else None,
                  loki_config=str(loki_config.resolve()) if loki_config else None)
    config = "fluent-bit.conf" if source == "file" else "fluent-bit-webhook.conf"
    with open(logs / "loki.log", "ab") as out:
        loki = subprocess.Popen(loki_command(loki_bin, work.resolve(), loki_port, loki_config),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    state.pids["loki"] = loki.pid
    state.save()
    _wait("Loki", Loki(state.loki_url).ready, timeout, loki, logs / "loki.log")
    with open(logs / "fluent-bit.log", "ab") as out:
        fb = subprocess.Popen([fb_bin, "-c", str(work.resolve() / "etc" / config)],
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    state.pids["fluent-bit"] = fb.pid
    state.save()
    _wait("Fluent Bit", lambda: _fluent_bit_healthy(state.fluent_bit_url), timeout, fb, logs / "fluent-bit.log")
    return state


def down(work: Path) -> State:
    state = State.load(work)
    if state.mode == "docker":
        subprocess.run(["docker", "compose", "-f", state.compose_file, "-p", PROJECT, "down", "-v"],
                       env=dict(os.environ, AUDITC_HARNESS_WORK=str(Path(state.work).resolve()),
                                AUDITC_LUA_DIR=str(Path(state.lua_dir).resolve())),
                       capture_output=True, text=True)
    for name, pid in state.pids.items():
        _stop(pid)
    Path(work, "state.json").unlink(missing_ok=True)
    return state


def _stop(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(40):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.25)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
