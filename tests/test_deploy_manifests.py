#!/usr/bin/env python3
"""test_deploy_manifests.py: offline checks of the deployment files — Dockerfile, compose files,
Kubernetes and KServe manifests, .dockerignore and the image's healthcheck script — for
well-formed YAML, required fields, and ports/images/paths that agree with each other."""
import http.server
import json
import os
import re
import shlex
import subprocess
import sys
import threading

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

def parse_dockerfile():
    """Instructions of docker/Dockerfile as (KEYWORD, argument) with continuations joined."""
    with open(path("docker", "Dockerfile"), encoding="utf-8") as f:
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


def dockerfile_facts():
    """What the other files must agree with: port, user, volume, env, entrypoint, stages."""
    ins = parse_dockerfile()
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
    return int(user) if user.isdigit() else None


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


def check_kubernetes(df, uid, images):
    deployments, services, hpas = {}, [], []
    gpu_seen = False
    for rel in ("deploy/kubernetes/clrelu.yaml", "deploy/kubernetes/clrelu-gpu.yaml"):
        for d in load_all(rel):
            ok = all(k in d for k in ("apiVersion", "kind", "metadata")) and (d.get("metadata") or {}).get("name")
            if not check(ok, f"{rel}: document has apiVersion, kind, metadata.name ({str(d)[:60]})"):
                continue
            kind = d["kind"]
            if kind == "Deployment":
                check(d["apiVersion"] == "apps/v1", f"{rel}: Deployment apiVersion apps/v1")
                deployments[d["metadata"]["name"]] = check_deployment(rel, d, df, uid, images)
                limits = [((c.get("resources") or {}).get("limits") or {}) for c in
                          d["spec"]["template"]["spec"].get("containers", [])]
                if any("nvidia.com/gpu" in l for l in limits):
                    gpu_seen = True
                    check(all(int(l.get("nvidia.com/gpu", 1)) >= 1 for l in limits), f"{rel}: nvidia.com/gpu >= 1")
                    envs = [env_map(c) for c in d["spec"]["template"]["spec"]["containers"]]
                    check(any("compute" in (e.get("NVIDIA_DRIVER_CAPABILITIES") or "") for e in envs),
                          f"{rel}: GPU pods ask for the 'compute' driver capability (OpenCL)")
            elif kind == "Service":
                services.append((rel, d))
            elif kind == "HorizontalPodAutoscaler":
                hpas.append((rel, d))
            else:
                check(False, f"{rel}: unexpected kind {kind}")
    check("clrelu" in deployments, "kubernetes: a CPU Deployment named clrelu")
    check(gpu_seen, "kubernetes: a GPU Deployment with nvidia.com/gpu limits")
    check(len(services) >= 2, "kubernetes: a Service for each Deployment")
    for rel, s in services:
        sel = s["spec"].get("selector") or {}
        target = [d for d in deployments.values() if d and all(
            d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())]
        if not check(sel and len(target) == 1, f"{rel}: Service {s['metadata']['name']} selects exactly one Deployment"):
            continue
        c = target[0]["spec"]["template"]["spec"]["containers"][0]
        for p in s["spec"].get("ports", []):
            check(resolve_port(p.get("targetPort", p.get("port")), c) == df["expose"][0],
                  f"{rel}: Service port {p.get('name')} reaches container port {df['expose'][0]}")
            check(p.get("port") == SERVER_DEFAULT_PORT, f"{rel}: Service port {SERVER_DEFAULT_PORT}")
    check(hpas, "kubernetes: a HorizontalPodAutoscaler")
    for rel, h in hpas:
        ref = h["spec"].get("scaleTargetRef") or {}
        check(h["apiVersion"] == "autoscaling/v2", f"{rel}: HPA apiVersion autoscaling/v2")
        check(ref.get("kind") == "Deployment" and ref.get("apiVersion") == "apps/v1" and ref.get("name") in deployments,
              f"{rel}: HPA targets a Deployment defined here ({ref})")
        lo, hi = h["spec"].get("minReplicas", 1), h["spec"].get("maxReplicas", 0)
        check(1 <= lo <= hi, f"{rel}: HPA 1 <= minReplicas {lo} <= maxReplicas {hi}")
        check(h["spec"].get("metrics"), f"{rel}: HPA has metrics")


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
                "CLRELU_MAX_BODY"):
        check(var in text, f"`clrelu serve --help` documents {var} (used by the manifests and docs)")


def main():
    df = dockerfile_facts()
    check_server_defaults()
    uid = check_dockerfile(df)
    check_dockerignore()
    check_healthcheck_script()
    images = []
    check_compose(df, images)
    check_kubernetes(df, uid, images)
    check_kserve(df, uid, images)
    check_images(images)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
