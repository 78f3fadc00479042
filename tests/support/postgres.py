"""postgres.py: a throwaway PostgreSQL server for tests — initdb into a temporary folder as an unprivileged
user, listening only on a unix socket in that folder, databases made on demand, stop/restart for fault
tests, always stopped and removed at exit (even when the test fails or is interrupted).

    from postgres import Postgres, missing
    if missing():
        print("SKIP:", missing()); sys.exit(77)
    with Postgres() as pg:
        url = pg.create_db("clrelu")      # postgresql:///clrelu?host=/tmp/pg-xyz&port=54321&user=postgres
        ...
        pg.stop(); pg.start()             # the database goes away and comes back (same data, same URL)

Binaries: $CLRELU_PG_BIN, else /usr/lib/postgresql/<newest>/bin, else initdb on PATH. Run as root,
the server runs as the `postgres` user (runuser, else setpriv) in a folder chowned to it; as anyone
else, as that user. No TCP port is opened (listen_addresses = ''); `port` only names the socket
file, so two fixtures never collide."""
import atexit
import glob
import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import time

PG_USER = "postgres"  # the database superuser initdb creates (-U), whoever runs the server


def _exit_on_signal(signum, frame):
    """SIGTERM/SIGHUP (ctest's timeout, a closed terminal) end the test through sys.exit, so that the
    context managers and the atexit hook stop the servers."""
    raise SystemExit(128 + signum)


def _install_signal_handlers():
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _exit_on_signal)


def bin_dir():
    """The folder holding initdb, pg_ctl and postgres, or None."""
    env = os.environ.get("CLRELU_PG_BIN")
    if env:
        return env if os.path.isfile(os.path.join(env, "initdb")) else None
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: float(d.split("/")[-2]) if
                  d.split("/")[-2].replace(".", "").isdigit() else 0)
    for d in reversed(dirs):
        if os.path.isfile(os.path.join(d, "initdb")) and os.path.isfile(os.path.join(d, "postgres")):
            return d
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def missing():
    """Why no server can be started here (a message for a skip), or None."""
    d = bin_dir()
    if d is None:
        return ("PostgreSQL server binaries not found (scripts/install-deps.sh --test installs Debian's "
                "postgresql; or set CLRELU_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        if not shutil.which("runuser") and not shutil.which("setpriv"):
            return "running as root without runuser or setpriv to drop privileges"
    return None


class Postgres:
    """One server in a temporary folder. Use as a context manager, or call start() and stop()
    (an atexit hook stops it in any case)."""

    def __init__(self, bindir=None):
        self.bindir = bindir or bin_dir()
        self.root = tempfile.mkdtemp(prefix="clrelu-pg-")
        os.chmod(self.root, 0o755)
        self.data = os.path.join(self.root, "data")
        self.sock = self.root            # the unix socket lives next to the data
        self.port = random.randint(20000, 60000)
        self.log = os.path.join(self.root, "server.log")
        self.running = False
        self.initialized = False
        self._as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            if shutil.which("runuser"):
                self._as_user = ["runuser", "-u", "postgres", "--"]
            else:
                self._as_user = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
                                 "--init-groups", "--"]
        atexit.register(self.close)
        _install_signal_handlers()

    # ---- running tools as the server's user -----------------------------------------------------
    def _run(self, tool, *args, check=True, timeout=120):
        cmd = self._as_user + [os.path.join(self.bindir, tool)] + list(args)
        env = dict(os.environ, LC_ALL="C", LANG="C", PGTZ="UTC")
        env.pop("PGDATABASE", None)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                           timeout=timeout, cwd=self.root)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, self._log_tail()))
        return p

    def _log_tail(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "\n--- server log ---\n" + "".join(f.readlines()[-30:])
        except OSError:
            return ""

    # ---- lifecycle ------------------------------------------------------------------------------
    def init(self):
        if not self.initialized:
            self._run("initdb", "-D", self.data, "-U", PG_USER, "-A", "trust", "-E", "UTF8", "--no-locale",
                      "--no-sync")
            with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
                f.write("\n# tests/support/postgres.py\nlisten_addresses = ''\nunix_socket_directories = '%s'\n"
                        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n"
                        "shared_buffers = 32MB\n" % self.sock)
            self.initialized = True
        return self

    def start(self, timeout=60):
        """Start (initdb first when needed); returns self once it accepts connections."""
        self.init()
        for attempt in range(5):
            p = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", "-p %d" % self.port, "-w",
                          "-t", str(timeout), "start", check=False, timeout=timeout + 30)
            if p.returncode == 0:
                self.running = True
                return self
            if "Address already in use" in self._log_tail() or "lock file" in self._log_tail():
                self.port = random.randint(20000, 60000)  # another server's socket name: pick another
                continue
            break
        raise RuntimeError("PostgreSQL did not start:\n%s%s" % (p.stdout, self._log_tail()))

    def stop(self, mode="fast"):
        """Stop the server (mode: smart, fast or immediate); the data stays for start()."""
        if self.running:
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)
            self.running = False

    def restart(self):
        self.stop()
        return self.start()

    def kill(self):
        """The postmaster killed with SIGKILL (a crash); start() recovers."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
        self.running = False

    def close(self):
        """Stop and remove everything (idempotent)."""
        try:
            self.stop("immediate")
        finally:
            if self.root and os.path.isdir(self.root):
                shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- databases --------------------------------------------------------------------------------
    def url(self, dbname="postgres"):
        """A libpq URL for dbname on this server: the socket folder goes in host= (libpq reads a
        host that starts with '/' as a unix socket directory)."""
        return "postgresql:///%s?host=%s&port=%d&user=%s" % (dbname, self.sock, self.port, PG_USER)

    def psql(self, sql, dbname="postgres"):
        """Run SQL through psql; returns its output (tuples only, unaligned)."""
        return self._run("psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p",
                         str(self.port), "-U", PG_USER, "-d", dbname, "-c", sql).stdout

    def create_db(self, name):
        """A new empty database; returns its URL."""
        self._run("createdb", "-h", self.sock, "-p", str(self.port), "-U", PG_USER, name)
        return self.url(name)
