#!/usr/bin/env python3
"""test_deploy_manifests.py: offline checks of the deployment files — Dockerfiles (clrelu and
PostgreSQL), compose files (one server, the fleet), Kubernetes manifests (servers, the results
database, fleet agents, the fleet-sweep Job) and KServe's, .dockerignore, and the scripts the images
and Jobs run (the healthcheck, the PostgreSQL entrypoint, the fleet-sweep script, each against a
local stand-in) — for well-formed YAML, required fields, and ports, images, flags, secrets, labels
and paths that agree with each other."""
import glob
import http.server
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_DEFAULT_PORT = 8000  # `clrelu serve` listens here unless told otherwise
PASSED = 0
FAILED = 0


def check(cond, what):
    """Record one assertion; print failures with what was expected."""
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL: {what}")
    return bool(cond)


def path(*parts):
    return os.path.join(ROOT, *parts)


def load_all(rel):
    """Every document of a YAML file (empty documents dropped); a parse error is a failure."""
    try:
        with open(path(rel), encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        check(False, f"{rel}: parses as YAML ({e})")
        return []
    check(docs, f"{rel}: holds at least one document")
    return docs


# ---- Dockerfile ---------------------------------------------------------------------------------

def parse_dockerfile(rel="docker/Dockerfile"):
    """Instructions of a Dockerfile as (KEYWORD, argument) with continuations joined."""
    with open(path(rel), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, arg = line.partition(" ")
        out.append((word.upper(), arg.strip()))
    return out


def dockerfile_facts(rel="docker/Dockerfile"):
    """What the other files must agree with: port, user, volume, env, entrypoint, stages."""
    ins = parse_dockerfile(rel)
    facts = {"from": [], "expose": [], "env": {}, "volume": [], "user": None, "entrypoint": None,
             "healthcheck": None, "runs": [], "copies": [], "stopsignal": None}
    for word, arg in ins:
        if word == "FROM":
            facts["from"].append(arg)
        elif word == "EXPOSE":
            facts["expose"] += [int(p.split("/")[0]) for p in arg.split()]
        elif word == "ENV":
            for tok in shlex.split(arg):
                k, _, v = tok.partition("=")
                facts["env"][k] = v
        elif word == "VOLUME":
            facts["volume"] += json.loads(arg) if arg.startswith("[") else arg.split()
        elif word == "USER":
            facts["user"] = arg
        elif word == "ENTRYPOINT":
            facts["entrypoint"] = arg
        elif word == "HEALTHCHECK":
            facts["healthcheck"] = arg
        elif word == "RUN":
            facts["runs"].append(arg)
        elif word == "COPY":
            facts["copies"].append(arg)
        elif word == "STOPSIGNAL":
            facts["stopsignal"] = arg
        elif word == "CMD":
            facts["cmd"] = arg
    return facts


def check_dockerfile(df):
    check(len(df["from"]) >= 2, "Dockerfile: multi-stage (two FROM lines)")
    check(df["from"] and df["from"][0].split()[0] == "debian:bookworm",
          f"Dockerfile: build stage FROM debian:bookworm (got {df['from'][:1]})")
    check(df["from"] and df["from"][-1] == "debian:bookworm-slim",
          f"Dockerfile: runtime stage FROM debian:bookworm-slim (got {df['from'][-1:]})")
    check(df["expose"] == [SERVER_DEFAULT_PORT], f"Dockerfile: EXPOSE {SERVER_DEFAULT_PORT} (got {df['expose']})")
    check(df["env"].get("CLRELU_PORT") == str(SERVER_DEFAULT_PORT), "Dockerfile: ENV CLRELU_PORT=8000")
    check(df["env"].get("CLRELU_HOST") == "0.0.0.0", "Dockerfile: ENV CLRELU_HOST=0.0.0.0")
    results = df["env"].get("CLRELU_RESULTS_DIR")
    check(results and results in df["volume"], f"Dockerfile: VOLUME holds CLRELU_RESULTS_DIR ({results}, {df['volume']})")
    for var in ("CLRELU_CACHE_DIR", "POCL_CACHE_DIR"):
        check(df["env"].get(var, "").startswith("/var/cache/clrelu/"), f"Dockerfile: {var} under /var/cache/clrelu")
    check(df["env"].get("NVIDIA_VISIBLE_DEVICES") == "all", "Dockerfile: NVIDIA_VISIBLE_DEVICES=all")
    caps = df["env"].get("NVIDIA_DRIVER_CAPABILITIES", "").split(",")
    check("compute" in caps and "utility" in caps, "Dockerfile: NVIDIA_DRIVER_CAPABILITIES has compute,utility")
    check(any("libnvidia-opencl.so.1" in r and "/etc/OpenCL/vendors/nvidia.icd" in r for r in df["runs"]),
          "Dockerfile: registers /etc/OpenCL/vendors/nvidia.icd -> libnvidia-opencl.so.1")
    user = (df["user"] or "").split(":")[0]
    check(user.isdigit() and int(user) != 0, f"Dockerfile: USER is a numeric non-root uid (got {df['user']!r})")
    check(df["entrypoint"] is not None and json.loads(df["entrypoint"]) == ["clrelu", "serve"],
          f"Dockerfile: exec-form ENTRYPOINT [\"clrelu\",\"serve\"] (got {df['entrypoint']!r})")
    check(df["stopsignal"] in (None, "SIGTERM"), "Dockerfile: stop signal is SIGTERM")
    check(df["healthcheck"] and "clrelu-healthcheck" in df["healthcheck"],
          "Dockerfile: HEALTHCHECK runs clrelu-healthcheck")
    check(any("docker/healthcheck.sh" in r and "clrelu-healthcheck" in r for r in df["runs"]),
          "Dockerfile: installs docker/healthcheck.sh as clrelu-healthcheck")
    check(any("pocl-opencl-icd" in r for r in df["runs"]), "Dockerfile: runtime installs pocl-opencl-icd")
    check(any("BUILD_TESTING=OFF" in r for r in df["runs"]), "Dockerfile: builds without the test suite")
    check(any(c.startswith("--from=build") for c in df["copies"]), "Dockerfile: runtime copies from the build stage")
    # The results store: SQLite (the default) and PostgreSQL's client, headers to build, libraries to run.
    stages = split_stages(parse_dockerfile())
    for stage, pkgs in ((0, ("libsqlite3-dev", "libpq-dev")), (-1, ("libsqlite3-0", "libpq5"))):
        runs = [a for w, a in stages[stage] if w == "RUN"] if stages else []
        for pkg in pkgs:
            check(any(re.search(rf"(^|\s){re.escape(pkg)}(\s|$)", r) for r in runs),
                  f"Dockerfile: the {'build' if stage == 0 else 'runtime'} stage installs {pkg} (results store)")
    check(not any("postgresql-1" in r or re.search(r"\spostgresql(\s|$)", r) for r in df["runs"]),
          "Dockerfile: the clrelu image carries PostgreSQL's client library only, no server")
    return int(user) if user.isdigit() else None


def split_stages(ins):
    """Instructions grouped by stage (a FROM starts one)."""
    stages = []
    for word, arg in ins:
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, arg))
    return stages


# ---- the PostgreSQL image (docker/postgres) ------------------------------------------------------

PG_IMAGE_DATA = "/var/lib/postgresql/data"  # the official image's volume, which ours keeps
PG_UID = 999                                 # the official image's postgres uid, which ours keeps


def check_postgres_image():
    """docker/postgres: Debian's PostgreSQL on bookworm-slim with the official image's contract."""
    rel = "docker/postgres/Dockerfile"
    if not check(os.path.exists(path(rel)), f"{rel} exists"):
        return None
    pg = dockerfile_facts(rel)
    check(pg["from"] == ["debian:bookworm-slim"], f"{rel}: FROM debian:bookworm-slim, one stage (got {pg['from']})")
    runs = " ".join(pg["runs"])
    m = re.search(r"postgresql-(\d+)", runs)
    check(m, f"{rel}: installs a versioned Debian postgresql-N package")
    check("create_main_cluster" in runs, f"{rel}: Debian's packaging creates no cluster of its own")
    check(f"--uid {PG_UID}" in runs and f"--gid {PG_UID}" in runs, f"{rel}: postgres is uid/gid {PG_UID}, as in the official image")
    check(pg["user"] and pg["user"].split(":")[0] == str(PG_UID), f"{rel}: runs as uid {PG_UID} (got {pg['user']!r})")
    check(pg["volume"] == [PG_IMAGE_DATA], f"{rel}: VOLUME {PG_IMAGE_DATA} (got {pg['volume']})")
    check(pg["env"].get("PGDATA") == PG_IMAGE_DATA, f"{rel}: PGDATA={PG_IMAGE_DATA}")
    check(m and f"/usr/lib/postgresql/{m.group(1)}/bin" in pg["env"].get("PATH", ""), f"{rel}: the server's bin folder on PATH")
    check(pg["expose"] == [5432], f"{rel}: EXPOSE 5432 (got {pg['expose']})")
    check(pg["stopsignal"] == "SIGINT", f"{rel}: STOPSIGNAL SIGINT (PostgreSQL's fast shutdown)")
    check(pg["healthcheck"] and "pg_isready" in pg["healthcheck"] and "127.0.0.1" in pg["healthcheck"],
          f"{rel}: HEALTHCHECK runs pg_isready over TCP (not ready while first-start init uses the socket)")
    entry = json.loads(pg["entrypoint"] or "[]")
    copied = [c.split() for c in pg["copies"]]
    check(entry and any(c[-1] == "/usr/local/bin/" + entry[0] or c[-1] == entry[0] for c in copied),
          f"{rel}: the ENTRYPOINT is the copied script ({entry}, {copied})")
    script = path("docker", "postgres", "entrypoint.sh")
    syntax = subprocess.run(["bash", "-n", script], capture_output=True, timeout=20)
    check(syntax.returncode == 0, f"docker/postgres/entrypoint.sh: bash -n ({syntax.stderr.decode().strip()})")
    check(os.access(script, os.X_OK), "docker/postgres/entrypoint.sh is executable (the image runs it as is)")
    with open(script, encoding="utf-8") as f:
        text = f.read()
    for var in ("POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "PGDATA"):
        check(var in text, f"docker/postgres/entrypoint.sh reads {var} (the official image's variables)")
    check("scram-sha-256" in text, "docker/postgres/entrypoint.sh: password (SCRAM) authentication from the network")
    return {"version": m.group(1) if m else None, "data": PG_IMAGE_DATA}


def check_dockerignore():
    """The image must not depend on anything git ignores: every .gitignore pattern is excluded."""
    with open(path(".dockerignore"), encoding="utf-8") as f:
        ignored = {l.strip().strip("/") for l in f if l.strip() and not l.startswith("#")}
    with open(path(".gitignore"), encoding="utf-8") as f:
        gitignored = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    for pat in gitignored:
        bare = pat.strip("/")
        want = {bare, "**/" + bare} if not pat.startswith("/") else {bare}
        check(ignored & want, f".dockerignore excludes the git-ignored {pat!r}")
    check(".git" in ignored, ".dockerignore excludes .git")
    check("tests" in ignored, ".dockerignore keeps the test suite out of the build context")


# ---- healthcheck script, run against a tiny local server -----------------------------------------

class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    seen_auth = []

    def do_GET(self):
        _Health.seen_auth.append(self.headers.get("Authorization"))
        code = _Health.status if self.path == "/v2/health/ready" else 404
        try:
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except ConnectionError:
            pass  # the healthcheck hangs up after the status line

    def log_message(self, *args):
        pass


def run_healthcheck(port, extra_env=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CLRELU_HOST": "0.0.0.0", "CLRELU_PORT": str(port)}
    env.update(extra_env or {})
    return subprocess.run(["bash", path("docker", "healthcheck.sh")], env=env, timeout=20,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def check_healthcheck_script():
    syntax = subprocess.run(["bash", "-n", path("docker", "healthcheck.sh")], capture_output=True, timeout=20)
    check(syntax.returncode == 0, f"healthcheck.sh: bash -n ({syntax.stderr.decode().strip()})")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        _Health.status = 200
        check(run_healthcheck(port) == 0, "healthcheck.sh: exit 0 when /v2/health/ready answers 200")
        _Health.status = 503
        check(run_healthcheck(port) == 1, "healthcheck.sh: exit 1 when /v2/health/ready answers 503")
        _Health.status = 200
        _Health.seen_auth.clear()
        check(run_healthcheck(port, {"CLRELU_API_KEY": "s3cret"}) == 0 and
              _Health.seen_auth == ["Bearer s3cret"], f"healthcheck.sh: sends the API key ({_Health.seen_auth})")
    finally:
        srv.shutdown()
        srv.server_close()
    check(run_healthcheck(port) == 1, "healthcheck.sh: exit 1 when nothing listens")


# ---- compose ------------------------------------------------------------------------------------

def default_of(value):
    """The default of a compose ${VAR:-default} interpolation (or the value itself)."""
    m = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return m.group(1) if m else str(value)


def check_compose(df, images):
    docs = load_all("docker/compose.yaml")
    if not docs:
        return
    svc = (docs[0].get("services") or {}).get("clrelu")
    if not check(isinstance(svc, dict), "compose.yaml: has service 'clrelu'"):
        return
    images.append(("docker/compose.yaml", default_of(svc.get("image", ""))))
    build = svc.get("build") or {}
    dockerfile = os.path.normpath(os.path.join(ROOT, "docker", build.get("context", "."), build.get("dockerfile", "")))
    check(dockerfile == path("docker", "Dockerfile"), f"compose.yaml: builds docker/Dockerfile (got {dockerfile})")
    ports = [str(p) for p in svc.get("ports", [])]
    check(ports and all(p.rsplit(":", 1)[-1].split("/")[0] == str(df["expose"][0]) for p in ports),
          f"compose.yaml: publishes the container port {df['expose']} (got {ports})")
    check(ports and default_of(ports[0].rsplit(":", 1)[0]).startswith("127.0.0.1:"),
          "compose.yaml: publishes on loopback by default")
    vols = [str(v) for v in svc.get("volumes", [])]
    results = df["env"].get("CLRELU_RESULTS_DIR")
    named = [v.split(":")[0] for v in vols if v.split(":")[1:2] == [results]]
    check(named, f"compose.yaml: a volume on {results} (got {vols})")
    check(named and named[0] in (docs[0].get("volumes") or {}), "compose.yaml: the results volume is declared")
    hc = svc.get("healthcheck") or {}
    check("clrelu-healthcheck" in json.dumps(hc.get("test")), "compose.yaml: healthcheck runs clrelu-healthcheck")
    check(svc.get("restart") in ("always", "unless-stopped", "on-failure"), f"compose.yaml: restart policy ({svc.get('restart')})")
    env = svc.get("environment") or []
    env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env) if isinstance(env, list) else env
    check(env.get("CLRELU_HOST") == "0.0.0.0", "compose.yaml: CLRELU_HOST=0.0.0.0")
    check(str(env.get("CLRELU_PORT")) == str(df["expose"][0]), "compose.yaml: CLRELU_PORT matches EXPOSE")

    gpu = load_all("docker/compose.gpu.yaml")
    if gpu:
        gsvc = (gpu[0].get("services") or {}).get("clrelu") or {}
        devs = (((gsvc.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []
        check(any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devs),
              "compose.gpu.yaml: reserves NVIDIA GPUs")


def interpolate(value):
    """A compose value with every ${VAR:-default} replaced by its default (${VAR} by "")."""
    return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", str(value))


def env_dict(env):
    """A compose environment (list of NAME=value or mapping) as a dict; NAME alone maps to None."""
    if isinstance(env, list):
        return dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return dict(env or {})


def flag_values(args, flag):
    """Every value of a repeated command-line flag (--flag VALUE or --flag=VALUE)."""
    args = [str(a) for a in args or []]
    out = []
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            out.append(args[i + 1])
        elif a.startswith(flag + "="):
            out.append(a.split("=", 1)[1])
    return out


def labels_of(args):
    """The --label key=value flags of a daemon's arguments as a dict."""
    return dict(v.split("=", 1) for v in flag_values(args, "--label") if "=" in v)


def db_url(url):
    """A postgresql:// URL's parts, or None."""
    u = urllib.parse.urlsplit(str(url or ""))
    if u.scheme not in ("postgresql", "postgres"):
        return None
    return {"user": u.username, "password": u.password, "host": u.hostname, "port": u.port or 5432,
            "db": u.path.lstrip("/"), "query": u.query}


def check_compose_fleet(df, pg, images):
    """docker/compose.fleet.yaml: PostgreSQL and three clrelu daemons with distinct machine ids and
    labels, all on one database, healthchecks, and start order through service_healthy."""
    rel = "docker/compose.fleet.yaml"
    docs = load_all(rel)
    if not docs:
        return
    top = docs[0]
    services = top.get("services") or {}
    pgsvc = services.get("postgres")
    if not check(isinstance(pgsvc, dict), f"{rel}: has service 'postgres'"):
        return
    build = pgsvc.get("build") or {}
    ctx = os.path.normpath(os.path.join(ROOT, "docker", build.get("context", ".") if isinstance(build, dict) else build))
    check(os.path.exists(os.path.join(ctx, (build.get("dockerfile") if isinstance(build, dict) else None) or "Dockerfile"))
          and ctx == path("docker", "postgres"), f"{rel}: postgres builds docker/postgres (got {ctx})")
    check(pg and default_of(pgsvc.get("image", "")).endswith(":" + str(pg["version"])),
          f"{rel}: the postgres image's tag is the PostgreSQL version docker/postgres installs ({pgsvc.get('image')})")
    penv = {k: interpolate(v) if v is not None else None for k, v in env_dict(pgsvc.get("environment")).items()}
    check(penv.get("POSTGRES_PASSWORD"), f"{rel}: postgres has POSTGRES_PASSWORD (first start refuses without)")
    hc = json.dumps((pgsvc.get("healthcheck") or {}).get("test"))
    check("pg_isready" in hc and "127.0.0.1" in hc, f"{rel}: postgres healthcheck is pg_isready over TCP ({hc})")
    check(pgsvc.get("stop_signal") == "SIGINT", f"{rel}: postgres stops with SIGINT (fast shutdown)")
    vols = [str(v) for v in pgsvc.get("volumes", [])]
    data = [v.split(":")[0] for v in vols if v.split(":")[1:2] == [pg["data"] if pg else PG_IMAGE_DATA]]
    check(data and data[0] in (top.get("volumes") or {}), f"{rel}: postgres keeps its data in a declared named volume ({vols})")
    pports = [str(p) for p in pgsvc.get("ports", [])]
    check(all(default_of(p.rsplit(":", 1)[0]).startswith("127.0.0.1:") and p.endswith(":5432") for p in pports),
          f"{rel}: postgres is published on loopback only, if at all ({pports})")
    pg_addr = str(((pgsvc.get("networks") or {}).get("fleet") or {}).get("ipv4_address", ""))

    daemons = {n: s for n, s in services.items() if n != "postgres"}
    check(len(daemons) == 3, f"{rel}: three clrelu daemons besides postgres (got {sorted(daemons)})")
    ids, label_sets, host_ports, addrs = [], [], [], [pg_addr]
    built = 0
    for name, svc in sorted(daemons.items()):
        where = f"{rel}: {name}"
        images.append((where, default_of(svc.get("image", ""))))
        if svc.get("build"):
            b = svc["build"]
            dockerfile = os.path.normpath(os.path.join(ROOT, "docker", b.get("context", "."), b.get("dockerfile", "")))
            built += check(dockerfile == path("docker", "Dockerfile"), f"{where}: builds docker/Dockerfile")
        args = svc.get("command") or []
        check(isinstance(args, list), f"{where}: command is a list of `clrelu serve` arguments")
        mid = flag_values(args, "--machine-id")
        check(len(mid) == 1, f"{where}: one --machine-id ({mid})")
        ids += mid
        labels = labels_of(args)
        check("pool" in labels, f"{where}: a pool=... label ({labels})")
        label_sets.append(tuple(sorted(labels.items())))
        env = env_dict(svc.get("environment"))
        check(env.get("CLRELU_HOST") == "0.0.0.0", f"{where}: CLRELU_HOST=0.0.0.0")
        check(str(env.get("CLRELU_PORT")) == str(df["expose"][0]), f"{where}: CLRELU_PORT matches EXPOSE")
        url = db_url(env.get("CLRELU_RESULTS_DB"))
        if check(url, f"{where}: CLRELU_RESULTS_DB is a postgresql:// URL ({env.get('CLRELU_RESULTS_DB')})"):
            check(url["user"] == penv.get("POSTGRES_USER") and url["db"] == penv.get("POSTGRES_DB"),
                  f"{where}: the URL's user and database are postgres's ({url['user']}, {url['db']})")
            # The same expression on both sides, so that setting the variable changes both.
            check(url["password"] == str(env_dict(pgsvc.get("environment")).get("POSTGRES_PASSWORD")),
                  f"{where}: the URL's password is postgres's POSTGRES_PASSWORD ({url['password']})")
            check(url["port"] == 5432, f"{where}: the URL's port is 5432")
            hosts = dict(h.split(":", 1) for h in svc.get("extra_hosts", []))
            check(url["host"] == "postgres" and hosts.get("postgres") == pg_addr != "",
                  f"{where}: the URL's host 'postgres' is pinned to postgres's address ({hosts}, {pg_addr})")
        dep = (svc.get("depends_on") or {})
        check(isinstance(dep, dict) and (dep.get("postgres") or {}).get("condition") == "service_healthy",
              f"{where}: depends_on postgres with condition service_healthy")
        check("clrelu-healthcheck" in json.dumps((svc.get("healthcheck") or {}).get("test")),
              f"{where}: healthcheck runs clrelu-healthcheck")
        check(svc.get("restart") in ("always", "unless-stopped", "on-failure"),
              f"{where}: restarts (a daemon that finds no database at start exits)")
        ports = [str(p) for p in svc.get("ports", [])]
        check(len(ports) == 1 and ports[0].endswith(":" + str(df["expose"][0])) and
              default_of(ports[0].rsplit(":", 1)[0]).startswith("127.0.0.1:"),
              f"{where}: publishes {df['expose'][0]} on loopback ({ports})")
        host_ports += [default_of(p.rsplit(":", 1)[0]) for p in ports]
        addrs.append(str(((svc.get("networks") or {}).get("fleet") or {}).get("ipv4_address", "")))
    check(built == 1, f"{rel}: exactly one daemon builds the image (the others reuse it)")
    check(len(set(ids)) == len(ids) == 3, f"{rel}: distinct machine ids ({ids})")
    check(len(set(label_sets)) == len(label_sets), f"{rel}: distinct label sets ({label_sets})")
    check(len(set(host_ports)) == len(host_ports), f"{rel}: distinct host ports ({host_ports})")
    subnets = [c.get("subnet") for c in (((top.get("networks") or {}).get("fleet") or {}).get("ipam") or {}).get("config", [])]
    sub = interpolate(subnets[0]) if subnets else ""
    resolved = [interpolate(a) for a in addrs]
    check(subnets and all(a and a.rsplit(".", 1)[0] == sub.rsplit(".", 1)[0] for a in resolved) and
          len(set(resolved)) == len(resolved),
          f"{rel}: fixed, distinct addresses inside the fleet subnet ({resolved}, {subnets})")


# ---- Kubernetes and KServe ----------------------------------------------------------------------

def container_ports(container):
    return {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}


def resolve_port(port, container):
    """A probe or Service port (number or name) as the container's port number."""
    return port if isinstance(port, int) else container_ports(container).get(port)


def env_map(container):
    return {e["name"]: e.get("value") for e in container.get("env", []) if "name" in e}


def check_container(where, c, df, uid, images, want_probes=True):
    images.append((where, c.get("image")))
    port = df["expose"][0]
    check(port in container_ports(c).values(), f"{where}: containerPort {port} (got {container_ports(c)})")
    env = env_map(c)
    if "CLRELU_PORT" in env:
        check(env["CLRELU_PORT"] == str(port), f"{where}: CLRELU_PORT={port}")
    if "CLRELU_HOST" in env:
        check(env["CLRELU_HOST"] == "0.0.0.0", f"{where}: CLRELU_HOST=0.0.0.0")
    if want_probes:
        for probe, route in (("readinessProbe", "/v2/health/ready"), ("livenessProbe", "/v2/health/live")):
            get = (c.get(probe) or {}).get("httpGet") or {}
            check(get.get("path") == route, f"{where}: {probe} on {route} (got {get.get('path')})")
            check(resolve_port(get.get("port"), c) == port, f"{where}: {probe} port is {port}")
    sc = c.get("securityContext") or {}
    if "runAsUser" in sc:
        check(sc["runAsUser"] == uid, f"{where}: runAsUser {uid} as in the Dockerfile")


def check_deployment(rel, d, df, uid, images):
    name = d["metadata"]["name"]
    where = f"{rel}: Deployment {name}"
    spec = d.get("spec") or {}
    sel = (spec.get("selector") or {}).get("matchLabels") or {}
    tmpl = spec.get("template") or {}
    labels = (tmpl.get("metadata") or {}).get("labels") or {}
    check(sel and all(labels.get(k) == v for k, v in sel.items()),
          f"{where}: selector {sel} matches the pod labels {labels}")
    pod = tmpl.get("spec") or {}
    psc = pod.get("securityContext") or {}
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == uid,
          f"{where}: runs as non-root uid {uid}")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace >= 10, f"{where}: terminationGracePeriodSeconds >= 10 (the server's stop budget)")
    containers = pod.get("containers") or []
    if not check(containers, f"{where}: has containers"):
        return None
    volumes = {v.get("name") for v in pod.get("volumes", [])}
    for c in containers:
        check_container(f"{where} container {c.get('name')}", c, df, uid, images)
        mounts = c.get("volumeMounts", [])
        check(all(m.get("name") in volumes for m in mounts), f"{where}: every volumeMount names a volume")
        check(any(m.get("mountPath") == df["env"]["CLRELU_RESULTS_DIR"] for m in mounts),
              f"{where}: mounts the results directory")
        if (c.get("securityContext") or {}).get("readOnlyRootFilesystem"):
            paths = {m.get("mountPath") for m in mounts}
            for var in ("CLRELU_CACHE_DIR", "POCL_CACHE_DIR"):
                check(df["env"][var] in paths, f"{where}: read-only root, so {df['env'][var]} is a volume")
            check("/tmp" in paths, f"{where}: read-only root, so /tmp is a volume")
    return d


K8S = "deploy/kubernetes"
RESULTS_SECRET = "clrelu-results-db"     # the Secret every clrelu pod and PostgreSQL read
SWEEP_JOB = f"{K8S}/jobs/fleet-sweep.yaml"
SECRET_EXAMPLE = f"{K8S}/examples/results-db-secret.yaml"
TOP_KINDS = {"Deployment", "Service", "HorizontalPodAutoscaler", "StatefulSet", "NetworkPolicy", "ConfigMap"}
# The fields POST /v1/benchmarks takes (server/jobs/bench_request.c), fleet sweeps' included.
SWEEP_FIELDS = {"devices", "ops", "dtypes", "sizes", "directions", "placements", "repeats", "max_samples",
                "warmup", "min_time_s", "max_seconds", "max_bytes", "ceilings", "machines", "labels"}


def k8s_docs(rel):
    """The documents of a manifest file that have apiVersion, kind and a name (or generateName)."""
    out = []
    for d in load_all(rel):
        meta = d.get("metadata") or {}
        ok = all(k in d for k in ("apiVersion", "kind", "metadata")) and (meta.get("name") or meta.get("generateName"))
        if check(ok, f"{rel}: document has apiVersion, kind, metadata.name ({str(d)[:60]})"):
            out.append(d)
    return out


def name_of(d):
    return d["metadata"].get("name") or d["metadata"].get("generateName")


def pod_spec(d):
    return ((d.get("spec") or {}).get("template") or {}).get("spec") or {}


def pod_labels(d):
    return (((d.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def env_from_secret(c, var):
    """The secretKeyRef of a container's env var, or None."""
    for e in c.get("env", []):
        if e.get("name") == var:
            return ((e.get("valueFrom") or {}).get("secretKeyRef")) or None
    return None


def check_var_refs(where, c):
    """Kubernetes expands $(VAR) in command, args and env values from the container's env and
    leaves an unknown one as it is, silently: every reference must name a variable defined here
    (before it, for env values)."""
    defined = []
    for e in c.get("env", []):
        for ref in re.findall(r"\$\((\w+)\)", str(e.get("value", ""))):
            check(ref in defined, f"{where}: env {e.get('name')} refers to $({ref}) defined before it")
        defined.append(e.get("name"))
    for word in list(c.get("command") or []) + list(c.get("args") or []):
        for ref in re.findall(r"\$\((\w+)\)", str(word)):
            check(ref in defined, f"{where}: argument {word!r} refers to $({ref}), an env var of the container")


def check_kubernetes(df, uid, images, pg):
    top = sorted(os.path.relpath(f, ROOT) for f in glob.glob(path(K8S, "*.yaml")) + glob.glob(path(K8S, "*.yml")))
    for want in ("clrelu.yaml", "clrelu-gpu.yaml", "results-db.yaml", "fleet.yaml"):
        check(f"{K8S}/{want}" in top, f"{K8S}/{want} exists")
    objs = [(rel, d) for rel in top for d in k8s_docs(rel)]
    # `kubectl apply -f deploy/kubernetes/` applies every file of the folder: nothing there may
    # need `create` (generateName), start a sweep, or carry a Secret whose placeholder would
    # overwrite the real password.
    for rel, d in objs:
        kind = d["kind"]
        check(kind in TOP_KINDS, f"{rel}: {kind} {name_of(d)} is a kind this folder holds ({sorted(TOP_KINDS)})")
        check("generateName" not in d["metadata"], f"{rel}: {kind} has a fixed name (the folder is applied as a whole)")
    by_kind = {}
    for rel, d in objs:
        by_kind.setdefault(d["kind"], []).append((rel, d))

    deployments, gpu_seen = {}, False
    for rel, d in by_kind.get("Deployment", []):
        check(d["apiVersion"] == "apps/v1", f"{rel}: Deployment apiVersion apps/v1")
        deployments[d["metadata"]["name"]] = check_deployment(rel, d, df, uid, images)
        containers = pod_spec(d).get("containers", [])
        limits = [((c.get("resources") or {}).get("limits") or {}) for c in containers]
        if any("nvidia.com/gpu" in l for l in limits):
            gpu_seen = True
            check(all(int(l.get("nvidia.com/gpu", 1)) >= 1 for l in limits), f"{rel}: nvidia.com/gpu >= 1")
            check(any("compute" in (env_map(c).get("NVIDIA_DRIVER_CAPABILITIES") or "") for c in containers),
                  f"{rel}: GPU pods ask for the 'compute' driver capability (OpenCL)")
            check(any(t.get("key") == "nvidia.com/gpu" for t in pod_spec(d).get("tolerations", [])),
                  f"{rel}: GPU pods tolerate the nvidia.com/gpu taint")
        for c in containers:
            where = f"{rel}: Deployment {d['metadata']['name']} container {c.get('name')}"
            check_var_refs(where, c)
            ref = env_from_secret(c, "CLRELU_RESULTS_DB") or {}
            # Every replica on the one store: a job POSTed through the Service is found through any pod.
            check(ref.get("name") == RESULTS_SECRET and ref.get("key") == "url" and not ref.get("optional"),
                  f"{where}: CLRELU_RESULTS_DB from Secret {RESULTS_SECRET} key url, required ({ref})")
    check("clrelu" in deployments, "kubernetes: a CPU Deployment named clrelu")
    check(gpu_seen, "kubernetes: a GPU Deployment with nvidia.com/gpu limits")
    statefulsets = {d["metadata"]["name"]: d for _, d in by_kind.get("StatefulSet", [])}
    workloads = [d for d in deployments.values() if d] + list(statefulsets.values())

    services = by_kind.get("Service", [])
    check(len(services) >= 3, "kubernetes: a Service for each server Deployment and for PostgreSQL")
    for rel, s in services:
        sel = s["spec"].get("selector") or {}
        target = [w for w in workloads if selects(sel, pod_labels(w))]
        if not check(len(target) == 1, f"{rel}: Service {s['metadata']['name']} selects exactly one workload"):
            continue
        c = pod_spec(target[0])["containers"][0]
        for p in s["spec"].get("ports", []):
            reached = resolve_port(p.get("targetPort", p.get("port")), c)
            if target[0]["kind"] == "Deployment":
                check(reached == df["expose"][0], f"{rel}: Service port {p.get('name')} reaches container port {df['expose'][0]}")
                check(p.get("port") == SERVER_DEFAULT_PORT, f"{rel}: Service port {SERVER_DEFAULT_PORT}")
            else:
                check(reached == p.get("port") == 5432, f"{rel}: Service port {p.get('name')} reaches PostgreSQL's 5432")
    hpas = by_kind.get("HorizontalPodAutoscaler", [])
    check(hpas, "kubernetes: a HorizontalPodAutoscaler")
    for rel, h in hpas:
        ref = h["spec"].get("scaleTargetRef") or {}
        check(h["apiVersion"] == "autoscaling/v2", f"{rel}: HPA apiVersion autoscaling/v2")
        check(ref.get("kind") == "Deployment" and ref.get("apiVersion") == "apps/v1" and ref.get("name") in deployments,
              f"{rel}: HPA targets a Deployment defined here ({ref})")
        lo, hi = h["spec"].get("minReplicas", 1), h["spec"].get("maxReplicas", 0)
        check(1 <= lo <= hi, f"{rel}: HPA 1 <= minReplicas {lo} <= maxReplicas {hi}")
        check(h["spec"].get("metrics"), f"{rel}: HPA has metrics")

    check_results_db(statefulsets, services, by_kind.get("NetworkPolicy", []), deployments, pg)
    check_fleet(deployments, by_kind.get("ConfigMap", []), services, df, uid, images)


def check_results_db(statefulsets, services, policies, deployments, pg):
    """PostgreSQL: a one-replica StatefulSet on a PersistentVolumeClaim, its password from the Secret,
    a headless Service, a NetworkPolicy letting clrelu's pods in, and the example Secret's URL
    pointing at all of that."""
    rel = f"{K8S}/results-db.yaml"
    if not check(len(statefulsets) == 1, f"{rel}: one StatefulSet (PostgreSQL) ({sorted(statefulsets)})"):
        return
    ss = next(iter(statefulsets.values()))
    name, spec = ss["metadata"]["name"], ss.get("spec") or {}
    check(ss["apiVersion"] == "apps/v1", f"{rel}: StatefulSet apiVersion apps/v1")
    check(spec.get("replicas", 1) == 1, f"{rel}: one PostgreSQL replica (no replication configured)")
    check(selects((spec.get("selector") or {}).get("matchLabels"), pod_labels(ss)), f"{rel}: selector matches the pod labels")
    check(pod_labels(ss).get("app.kubernetes.io/name") != "clrelu",
          f"{rel}: PostgreSQL's pods are not labelled as clrelu's (Services and policies select by it)")
    governing = [s for _, s in services if s["metadata"]["name"] == spec.get("serviceName")]
    check(governing and governing[0]["spec"].get("clusterIP") == "None" and
          selects(governing[0]["spec"].get("selector"), pod_labels(ss)),
          f"{rel}: serviceName {spec.get('serviceName')} is a headless Service selecting the pods")
    pod = pod_spec(ss)
    psc = pod.get("securityContext") or {}
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == PG_UID and psc.get("fsGroup") == PG_UID,
          f"{rel}: runs as non-root uid {PG_UID} with fsGroup {PG_UID} (the volume becomes writable)")
    c = (pod.get("containers") or [{}])[0]
    image = str(c.get("image", ""))
    check(re.fullmatch(r"([\w./-]+/)?postgres:\d+[\w.-]*", image) and pg and image.split(":")[1].split("-")[0] == pg["version"],
          f"{rel}: the postgres image of the PostgreSQL version docker/postgres builds ({image}, {pg and pg['version']})")
    env = env_map(c)
    ref = env_from_secret(c, "POSTGRES_PASSWORD") or {}
    check(ref.get("name") == RESULTS_SECRET and ref.get("key") == "password" and not ref.get("optional"),
          f"{rel}: POSTGRES_PASSWORD from Secret {RESULTS_SECRET} key password ({ref})")
    check(env.get("POSTGRES_USER") and env.get("POSTGRES_DB"), f"{rel}: POSTGRES_USER and POSTGRES_DB set")
    claims = {t["metadata"]["name"]: t for t in spec.get("volumeClaimTemplates", [])}
    mounts = {m.get("name"): m.get("mountPath") for m in c.get("volumeMounts", [])}
    data = [mounts.get(n) for n in claims]
    pgdata = env.get("PGDATA", "")
    check(data and data[0] == PG_IMAGE_DATA, f"{rel}: a PersistentVolumeClaim mounted at {PG_IMAGE_DATA} ({mounts})")
    check(data and data[0] and pgdata.startswith(data[0] + "/"),
          f"{rel}: PGDATA ({pgdata}) is a folder inside the volume (initdb refuses a root holding lost+found)")
    for t in claims.values():
        check("ReadWriteOnce" in (t.get("spec") or {}).get("accessModes", []) and
              (((t.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage"),
              f"{rel}: claim {t['metadata']['name']} is ReadWriteOnce with a storage request")
    volumes = {v.get("name") for v in pod.get("volumes", [])} | set(claims)
    check(all(n in volumes for n in mounts), f"{rel}: every volumeMount names a volume or a claim")
    for probe in ("readinessProbe", "livenessProbe"):
        cmd = ((c.get(probe) or {}).get("exec") or {}).get("command") or []
        check(cmd[:1] == ["pg_isready"] and "127.0.0.1" in cmd, f"{rel}: {probe} is pg_isready over TCP ({cmd})")
    if (c.get("securityContext") or {}).get("readOnlyRootFilesystem"):
        check({"/var/run/postgresql", "/tmp"} <= set(mounts.values()),
              f"{rel}: read-only root, so the socket folder and /tmp are volumes")
    port = next((p for _, s in services for p in s["spec"].get("ports", [])
                 if s["metadata"]["name"] == spec.get("serviceName")), {})

    # Only clrelu's pods reach PostgreSQL (and every clrelu pod can).
    pol = [p for _, p in policies if selects((p["spec"].get("podSelector") or {}).get("matchLabels"), pod_labels(ss))]
    if check(pol, f"{rel}: a NetworkPolicy selects PostgreSQL's pods"):
        rules = pol[0]["spec"].get("ingress", [])
        froms = [(f.get("podSelector") or {}).get("matchLabels") for r in rules for f in r.get("from", [])]
        ports = [p.get("port") for r in rules for p in r.get("ports", [])]
        check(froms and all(froms) and 5432 in ports, f"{rel}: ingress only from selected pods, on 5432 ({froms}, {ports})")
        for dname, d in deployments.items():
            if d:
                check(any(selects(f, pod_labels(d)) for f in froms), f"{rel}: the policy lets Deployment {dname} in")

    docs = [d for d in k8s_docs(SECRET_EXAMPLE) if d.get("kind") == "Secret"]
    if not check(docs, f"{SECRET_EXAMPLE}: an example Secret"):
        return
    sec = docs[0]
    check(sec["metadata"]["name"] == RESULTS_SECRET, f"{SECRET_EXAMPLE}: named {RESULTS_SECRET}")
    data = sec.get("stringData") or {}
    check({"password", "url"} <= set(data), f"{SECRET_EXAMPLE}: keys password and url ({sorted(data)})")
    url = db_url(data.get("url"))
    if check(url, f"{SECRET_EXAMPLE}: url is a postgresql:// URL"):
        check(url["host"] in (spec.get("serviceName"), f"{spec.get('serviceName')}.default.svc.cluster.local"),
              f"{SECRET_EXAMPLE}: the URL's host is the Service {spec.get('serviceName')} ({url['host']})")
        check(url["port"] == port.get("port"), f"{SECRET_EXAMPLE}: the URL's port is the Service's ({url['port']})")
        check(url["user"] == env.get("POSTGRES_USER") and url["db"] == env.get("POSTGRES_DB"),
              f"{SECRET_EXAMPLE}: the URL's user and database are the StatefulSet's")
        check(urllib.parse.unquote(url["password"] or "") == data.get("password"),
              f"{SECRET_EXAMPLE}: the URL carries the password key's password")
    with open(path(SECRET_EXAMPLE), encoding="utf-8") as f:
        text = f.read()
    check("kubectl create secret generic " + RESULTS_SECRET in text and "openssl rand" in text,
          f"{SECRET_EXAMPLE}: says how to create the Secret with a random password")


def check_fleet(deployments, configmaps, services, df, uid, images):
    """Fleet agents: one per node of a pool (CPU, GPU, FPGA), the node's name as the machine id,
    pool labels that match the nodeSelector, a rollout that needs no spare node, no CPU limit; and
    the sweep: a ConfigMap the Job mounts, a body POST /v1/benchmarks accepts, whose machine selector
    matches the agents."""
    rel = f"{K8S}/fleet.yaml"
    agents = {n: d for n, d in deployments.items() if d and pod_labels(d).get("app.kubernetes.io/component") == "fleet-agent"}
    pools = {}
    for name, d in sorted(agents.items()):
        where = f"{rel}: Deployment {name}"
        pod = pod_spec(d)
        c = pod["containers"][0]
        args = c.get("args") or []
        labels = labels_of(args)
        sel = pod.get("nodeSelector") or {}
        check(len(sel) == 1, f"{where}: one nodeSelector naming the pool ({sel})")
        pool = next(iter(sel.values()), None)
        check(labels.get("pool") == pool and labels.get("role") == "fleet",
              f"{where}: labelled role=fleet and pool={pool}, as its nodeSelector ({labels})")
        pools[pool] = name
        check(flag_values(args, "--machine-id") == ["$(NODE_NAME)"], f"{where}: --machine-id $(NODE_NAME) ({args})")
        node = [e for e in c.get("env", []) if e.get("name") == "NODE_NAME"]
        check(node and ((node[0].get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath") == "spec.nodeName",
              f"{where}: NODE_NAME is the node's name (downward API spec.nodeName)")
        terms = (((pod.get("affinity") or {}).get("podAntiAffinity") or {})
                 .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
        check(any(t.get("topologyKey") == "kubernetes.io/hostname" and
                  selects((t.get("labelSelector") or {}).get("matchLabels"), pod_labels(d)) for t in terms),
              f"{where}: required anti-affinity per node over the agents' own labels (one agent per node)")
        ru = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
        check((d["spec"].get("strategy") or {}).get("type") == "Recreate" or
              (str(ru.get("maxSurge")) == "0" and str(ru.get("maxUnavailable")) not in ("0", "None")),
              f"{where}: a rollout that needs no spare node (maxSurge 0) ({d['spec'].get('strategy')})")
        check("cpu" not in ((c.get("resources") or {}).get("limits") or {}),
              f"{where}: no CPU limit (CFS throttling would show as noise in the samples)")
        check(int(d["spec"].get("replicas", 1)) >= 0, f"{where}: replicas set")
    check({"cpu", "gpu", "fpga"} <= set(pools), f"{rel}: agents for the cpu, gpu and fpga pools ({sorted(pools)})")
    check(not any(selects(s["spec"].get("selector"), pod_labels(agents[a])) for _, s in services for a in agents),
          f"{rel}: no Service sends inference traffic to the agents (it would disturb their measurements)")
    for name, d in deployments.items():
        if d and name not in agents:
            labels = labels_of(pod_spec(d)["containers"][0].get("args") or [])
            check(labels.get("role") == "serve", f"Deployment {name}: labelled role=serve, so fleet sweeps can tell it apart ({labels})")

    cms = {d["metadata"]["name"]: d for _, d in configmaps}
    jobs = [d for d in k8s_docs(SWEEP_JOB) if d.get("kind") == "Job"]
    if not check(len(jobs) == 1, f"{SWEEP_JOB}: one Job"):
        return
    job = jobs[0]
    where = f"{SWEEP_JOB}: Job"
    check(job["apiVersion"] == "batch/v1", f"{where}: apiVersion batch/v1")
    check(job["metadata"].get("generateName") and "name" not in job["metadata"],
          f"{where}: generateName (a new Job per `kubectl create`, one sweep each)")
    spec, pod = job.get("spec") or {}, pod_spec(job)
    check(pod.get("restartPolicy") == "Never" and spec.get("backoffLimit") == 0,
          f"{where}: runs once (restartPolicy Never, backoffLimit 0): a retry would post a second sweep")
    check(spec.get("activeDeadlineSeconds"), f"{where}: has a deadline")
    psc = pod.get("securityContext") or {}
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == uid, f"{where}: runs as non-root uid {uid}")
    c = (pod.get("containers") or [{}])[0]
    images.append((where, c.get("image")))
    check_var_refs(where, c)
    env = env_map(c)
    svc = [s for _, s in services if s["metadata"]["name"] == env.get("CLRELU_SERVER_HOST")]
    check(svc and any(p.get("port") == int(env.get("CLRELU_SERVER_PORT") or 0) for p in svc[0]["spec"].get("ports", [])),
          f"{where}: CLRELU_SERVER_HOST/PORT name a clrelu Service and its port ({env.get('CLRELU_SERVER_HOST')}:{env.get('CLRELU_SERVER_PORT')})")
    vols = {v.get("name"): v for v in pod.get("volumes", [])}
    check(all(m.get("name") in vols for m in c.get("volumeMounts", [])), f"{where}: every volumeMount names a volume")
    if (c.get("securityContext") or {}).get("readOnlyRootFilesystem"):
        check("/tmp" in {m.get("mountPath") for m in c.get("volumeMounts", [])},
              f"{where}: read-only root, so /tmp is a volume (bash's here-documents)")
    mount = next((m for m in c.get("volumeMounts", []) if "configMap" in vols.get(m.get("name"), {})), None)
    if not check(mount, f"{where}: mounts a ConfigMap"):
        return
    cm = cms.get(vols[mount["name"]]["configMap"].get("name"))
    if not check(cm, f"{where}: the ConfigMap it mounts is in {rel}"):
        return
    files = {f"{mount['mountPath']}/{k}": k for k in cm.get("data", {})}
    cmd = list(c.get("command") or []) + list(c.get("args") or [])
    check(cmd[:1] == ["bash"] and any(w in files for w in cmd), f"{where}: runs the ConfigMap's script with bash ({cmd})")
    check(env.get("CLRELU_SWEEP_FILE") in files, f"{where}: CLRELU_SWEEP_FILE is the ConfigMap's sweep ({env.get('CLRELU_SWEEP_FILE')})")
    try:
        sweep = json.loads(cm["data"].get(files.get(env.get("CLRELU_SWEEP_FILE"), ""), ""))
    except ValueError as e:
        check(False, f"{rel}: the sweep is JSON ({e})")
        return
    check(isinstance(sweep, dict) and set(sweep) <= SWEEP_FIELDS,
          f"{rel}: the sweep has only fields POST /v1/benchmarks takes ({sorted(set(sweep) - SWEEP_FIELDS)})")
    machines = sweep.get("machines")
    wanted = (machines or {}).get("label") if isinstance(machines, dict) else None
    check(machines == "all" or isinstance(machines, list) or isinstance(wanted, dict),
          f"{rel}: machines is \"all\", a list of ids or {{\"label\": {{...}}}} ({machines})")
    if isinstance(wanted, dict):
        hit = [n for n, d in agents.items() if selects(wanted, labels_of(pod_spec(d)["containers"][0].get("args")))]
        check(hit, f"{rel}: the sweep's label selector {wanted} matches agents ({hit})")
    script = next((cm["data"][k] for w, k in files.items() if w in cmd), None)
    if script is not None:
        check_sweep_script(script)


# ---- the fleet-sweep script, run against a tiny local server -------------------------------------

class _Clrelu(http.server.BaseHTTPRequestHandler):
    """Just enough of clrelu's HTTP API for the sweep script: health, machines, one benchmark job
    that is queued, runs, then ends as `final`."""
    final = "done"
    posted, auth, polls = [], [], 0
    protocol_version = "HTTP/1.0"

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        _Clrelu.auth.append(self.headers.get("Authorization"))
        if self.path == "/v2/health/ready":
            self.reply(200, {})
        elif self.path == "/v1/machines":
            self.reply(200, {"machines": [{"id": m, "last_seen_ms": 1} for m in ("node-a", "node-b")]})
        elif self.path == "/v1/benchmarks/fleet-1":
            _Clrelu.polls += 1
            status = ["queued", "running", _Clrelu.final][min(_Clrelu.polls - 1, 2)]
            self.reply(200, {"id": "fleet-1", "status": status, "progress": {"current": "relu float32"},
                             **({"error": "node-b: lost"} if status == "failed" else {})})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        _Clrelu.auth.append(self.headers.get("Authorization"))
        n = int(self.headers.get("Content-Length", 0))
        _Clrelu.posted.append(self.rfile.read(n))
        self.reply(202, {"id": "fleet-1", "status": "queued"})

    def log_message(self, *args):
        pass


def check_sweep_script(script):
    """The Job's script: bash -n, then run against _Clrelu — posts the sweep byte for byte, sends
    the API key, follows the job, exits 0 on done and 1 on failed."""
    fd, script_path = tempfile.mkstemp(suffix=".sh")
    with os.fdopen(fd, "w") as f:
        f.write(script)
    sweep_fd, sweep_path = tempfile.mkstemp(suffix=".json")
    sweep = '{"machines": {"label": {"role": "fleet"}}, "ops": ["relu"], "note": "é"}\n'
    with os.fdopen(sweep_fd, "w", encoding="utf-8") as f:
        f.write(sweep)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Clrelu)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        syntax = subprocess.run(["bash", "-n", script_path], capture_output=True, timeout=20)
        check(syntax.returncode == 0, f"fleet sweep script: bash -n ({syntax.stderr.decode().strip()})")
        for final, want in (("done", 0), ("failed", 1)):
            _Clrelu.final, _Clrelu.posted, _Clrelu.auth, _Clrelu.polls = final, [], [], 0
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CLRELU_SERVER_HOST": "127.0.0.1",
                   "CLRELU_SERVER_PORT": str(srv.server_address[1]), "CLRELU_SWEEP_FILE": sweep_path,
                   "CLRELU_SWEEP_POLL_S": "0.05", "CLRELU_API_KEY": "k3y"}
            p = subprocess.run(["bash", script_path], env=env, capture_output=True, text=True, timeout=60)
            check(p.returncode == want, f"fleet sweep script: exit {want} when the job ends {final} "
                                        f"(got {p.returncode}: {p.stderr.strip()[-600:]})")
            check(_Clrelu.posted == [sweep.rstrip("\n").encode()],
                  f"fleet sweep script: posts the sweep file as it is ({_Clrelu.posted})")
            check(_Clrelu.auth and all(a == "Bearer k3y" for a in _Clrelu.auth),
                  f"fleet sweep script: sends the API key on every request ({set(_Clrelu.auth)})")
            check("2 machine(s)" in p.stderr and "fleet-1" in p.stderr,
                  f"fleet sweep script: reports the machines and the job id ({p.stderr.strip()[-300:]})")
    finally:
        srv.shutdown()
        srv.server_close()
        os.unlink(script_path)
        os.unlink(sweep_path)


K8S_SCHEMA_VERSION = "1.30"  # the oldest Kubernetes the manifests are written for


def check_kubernetes_schemas():
    """Every Kubernetes document against the API's own schema, strictly (an unknown or misspelt
    field fails), when the kubernetes-validate package (offline, bundled schemas) is installed."""
    try:
        import kubernetes_validate
    except ImportError:
        print("note: kubernetes-validate not installed; Kubernetes API schemas not checked")
        return
    rels = sorted(os.path.relpath(f, ROOT) for f in glob.glob(path(K8S, "**", "*.yaml"), recursive=True))
    for rel in rels:
        for d in load_all(rel):
            what = f"{rel}: {d.get('kind')} {name_of(d) if d.get('metadata') else ''}"
            try:
                kubernetes_validate.validate(d, K8S_SCHEMA_VERSION, strict=True)
                check(True, what)
            except Exception as e:  # ValidationError, SchemaNotFoundError, InvalidSchemaError
                check(False, f"{what}: Kubernetes {K8S_SCHEMA_VERSION} schema ({type(e).__name__}: {str(e)[:400]})")


def check_kserve(df, uid, images):
    runtimes = load_all("deploy/kserve/servingruntime.yaml")
    isvcs = load_all("deploy/kserve/inferenceservice.yaml")
    rt = next((d for d in runtimes if d.get("kind") == "ServingRuntime"), None)
    isvc = next((d for d in isvcs if d.get("kind") == "InferenceService"), None)
    if not (check(rt, "kserve: a ServingRuntime") and check(isvc, "kserve: an InferenceService")):
        return
    check(rt["apiVersion"].startswith("serving.kserve.io/"), "kserve: ServingRuntime apiVersion serving.kserve.io")
    check(isvc["apiVersion"] == "serving.kserve.io/v1beta1", "kserve: InferenceService apiVersion v1beta1")
    spec = rt.get("spec") or {}
    formats = [f.get("name") for f in spec.get("supportedModelFormats", [])]
    check(formats, "kserve: ServingRuntime lists supportedModelFormats")
    check("v2" in spec.get("protocolVersions", []), "kserve: ServingRuntime speaks protocol v2")
    containers = spec.get("containers") or []
    if check(containers, "kserve: ServingRuntime has a container"):
        check_container("kserve: ServingRuntime container", containers[0], df, uid, images)
    model = ((isvc.get("spec") or {}).get("predictor") or {}).get("model") or {}
    check(model.get("runtime") == rt["metadata"]["name"], f"kserve: InferenceService uses runtime {rt['metadata']['name']}")
    check((model.get("modelFormat") or {}).get("name") in formats, "kserve: InferenceService modelFormat is supported")
    check(model.get("protocolVersion", "v2") == "v2", "kserve: InferenceService protocolVersion v2")


def check_images(images):
    """One image name everywhere (manifests and compose), so a single `docker build -t` serves all."""
    names = {img for _, img in images}
    check(len(names) == 1, f"images agree across manifests and compose: {sorted(names)}")
    for where, img in images:
        check(img and img.split("/")[-1].split(":")[0] == "clrelu", f"{where}: image is clrelu (got {img})")


def check_server_defaults():
    """The server's own documented default port and variable names agree with the files here
    (needs the built binary from ctest's CLRELU_BIN; its `serve` command may not be built)."""
    binary = os.environ.get("CLRELU_BIN")
    if not binary or not os.path.exists(binary):
        print("note: CLRELU_BIN not set; server defaults not compared")
        return
    out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        print("note: this clrelu has no `serve`; server defaults not compared")
        return
    text = out.stdout + out.stderr
    port_line = [l for l in text.splitlines() if "CLRELU_PORT" in l]
    check(port_line and f"default {SERVER_DEFAULT_PORT}" in port_line[0],
          f"`clrelu serve --help`: CLRELU_PORT defaults to {SERVER_DEFAULT_PORT} ({port_line})")
    for var in ("CLRELU_HOST", "CLRELU_DEVICE", "CLRELU_API_KEY", "CLRELU_LOG_LEVEL", "CLRELU_THREADS",
                "CLRELU_MAX_BODY", "CLRELU_RESULTS_DB", "CLRELU_MACHINE_ID", "CLRELU_LABELS"):
        check(var in text, f"`clrelu serve --help` documents {var} (used by the manifests and docs)")
    # The flags compose.fleet.yaml and the Kubernetes manifests pass to `clrelu serve`.
    for flag in ("--results-db", "--machine-id", "--label"):
        check(re.search(rf"^\s*{flag}\b", text, re.M), f"`clrelu serve --help` has {flag} (the manifests pass it)")


def main():
    df = dockerfile_facts()
    check_server_defaults()
    uid = check_dockerfile(df)
    check_dockerignore()
    check_healthcheck_script()
    pg = check_postgres_image()
    images = []
    check_compose(df, images)
    check_compose_fleet(df, pg, images)
    check_kubernetes(df, uid, images, pg)
    check_kubernetes_schemas()
    check_kserve(df, uid, images)
    check_images(images)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
