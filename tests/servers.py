"""Real servers for the tests: PostgreSQL and Mosquitto on free 127.0.0.1 ports.

Each runs from a temporary directory and is stopped by PID when the tests end. When a
program is missing the tests fail with the Debian package that provides it; `make test`
installs them first where it can.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hearth.kit.ports import free_port


class MissingProgram(RuntimeError):
    pass


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def find_program(name: str, package: str, extra_globs: tuple[str, ...] = ()) -> str:
    """Return the path of ``name`` or fail naming the Debian package to install."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_globs:
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[-1]
    raise MissingProgram(f"{name} is not installed: apt-get install {package} (or run make test)")


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class Postgres:
    port: int
    directory: Path
    bin_dir: Path

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql as the superuser; return its output."""
        out = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-qtAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout


@contextlib.contextmanager
def run_postgres() -> Iterator[Postgres]:
    """Run a throw-away PostgreSQL server (fsync off: test data need not survive a crash)."""
    initdb = find_program("initdb", "postgresql", ("/usr/lib/postgresql/*/bin/initdb",))
    bin_dir = Path(os.path.realpath(initdb)).parent
    # Not under pytest's private temp dir: the postgres user must be able to reach it.
    directory = Path(tempfile.mkdtemp(prefix="hearth-test-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    prefix = _as_postgres_user()
    made = subprocess.run(
        [
            *prefix,
            initdb,
            "-D",
            str(directory / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise RuntimeError(f"initdb failed: {made.stderr or made.stdout}")
    port = free_port()
    log = directory / "server.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [
                *prefix,
                str(bin_dir / "postgres"),
                "-D",
                str(directory / "data"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-k",
                str(directory),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        wait_for_port(port)
        pg = Postgres(port=port, directory=directory, bin_dir=bin_dir)
        deadline = time.monotonic() + 20
        while True:
            try:
                pg.psql("SELECT 1")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield pg
    finally:
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "stop",
                "-D",
                str(directory / "data"),
                "-m",
                "immediate",
                "-s",
            ],
            check=False,
            capture_output=True,
        )
        _stop(server)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Mosquitto:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]
    extra_config: str = ""
    own_listener: bool = True
    include_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def reload(self) -> None:
        """Ask the broker to re-read its password and ACL files."""
        self.process.send_signal(signal.SIGHUP)


def start_mosquitto(
    directory: Path,
    extra_config: str = "",
    port: int | None = None,
    *,
    own_listener: bool = True,
    include_dir: Path | None = None,
) -> Mosquitto:
    """Start Mosquitto with ``extra_config`` appended to its config (and ``include_dir``
    loaded last), waiting for ``port``. It listens on 127.0.0.1:``port`` itself unless
    ``own_listener`` is false, when the extra configuration or the included files declare
    every listener (and ``port`` must be one of theirs)."""
    program = find_program("mosquitto", "mosquitto", ("/usr/sbin/mosquitto",))
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        (f"listener {port} 127.0.0.1\n" if own_listener else "") + "persistence false\n"
        f"log_dest file {directory / 'mosquitto.log'}\n"
        # As root, mosquitto would switch to its own user and lose the test's files.
        + ("user root\n" if os.geteuid() == 0 else "")
        + (extra_config or ("allow_anonymous true\n" if own_listener else ""))
        + (f"include_dir {include_dir}\n" if include_dir is not None else "")
    )
    errors = directory / "stderr.log"
    with open(errors, "wb") as err_file:
        process = subprocess.Popen(
            [program, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=err_file
        )
    try:
        wait_for_port(port, 30)  # a loaded machine starts it slowly
    except TimeoutError:
        process.kill()
        process.wait()
        raise RuntimeError(f"mosquitto did not start: {errors.read_text()}") from None
    return Mosquitto(port, directory, process, extra_config, own_listener, include_dir)


def stop_mosquitto(broker: Mosquitto) -> None:
    _stop(broker.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
