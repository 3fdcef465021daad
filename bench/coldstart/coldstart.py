#!/usr/bin/env python3
r"""Cold start and size of the Lambda functions against two baselines (issue 6).

For every binary: stripped size, zipped size (deflate -9, as `zip -9`) of it as `bootstrap`,
and init time = from spawning the process to its first `GET /2018-06-01/runtime/invocation/next`
on a local Runtime API stub (median and p90 over --runs, binaries interleaved in a shuffled
order each round). The baselines (bench/coldstart: hello = lambda_http hello world; hello-sdk = the same plus an
aws-sdk-dynamodb client with the SDK's default features built at init) and the functions are
built with ONE profile: the root Cargo.toml's [profile.release], passed to both workspaces as
`--config profile.release.*` arguments, plus any --set overrides.

AWS_ENDPOINT_URL points at a second listening socket that must see no connection before
`next`: proof that init makes no network call (credentials come from the environment, as on
Lambda, so the chain never reaches IMDS).

    make bench-coldstart                                          # the same as:
    .venv/bin/python bench/coldstart/coldstart.py                 # representative set
    .venv/bin/python bench/coldstart/coldstart.py --all           # all functions (slow link)
    .venv/bin/python bench/coldstart/coldstart.py --variant opt-s --no-baselines \
        --functions user-sign-in --cpu --set opt-level=s          # a profile variant
    .venv/bin/python bench/coldstart/coldstart.py --arm64 --all   # sizes of the arm64 bootstraps

--arm64 builds what Lambda runs (`cargo lambda build --arm64`, as `make build-lambda`, zig
cross-linking on other hosts) and reports sizes only unless the host is arm64 itself.
"""

import argparse
import base64
import json
import os
import random
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REPRESENTATIVE = [
    "auth-jwks", "user-sign-in", "user-get", "media-create", "timeline-home",
    "docs", "table-events", "mailer", "transcode",
]
BASELINES = ["hello", "hello-sdk"]
NEXT_PATH = b"/2018-06-01/runtime/invocation/next"


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return str(value)
    return '"' + str(value).strip('"') + '"'


def profile_args(overrides):
    """`--config profile.release.KEY=VALUE` for the root [profile.release] (package overrides
    included) with `key=value` overrides on top (`package.argon2.opt-level=3` works too)."""
    flat = {}

    def walk(prefix, table):
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                flat[prefix + key] = value

    walk("", tomllib.loads((ROOT / "Cargo.toml").read_text())["profile"]["release"])
    for item in overrides:
        key, _, value = item.partition("=")
        flat[key] = value
    return {key: toml_value(value) for key, value in flat.items()}


HOST_IS_ARM64 = os.uname().machine in ("aarch64", "arm64")


def build(cwd, args, target_dir, profile, arm64=False):
    """Runs `cargo build --release ARGS` (or `cargo lambda build --arm64`) with the profile,
    returns wall seconds."""
    # cargo-lambda and zig live in the project's venv, beside this interpreter.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if arm64:
        # cargo-lambda 1.9 hands `--config`/`--target-dir` to `cargo metadata`, which refuses
        # them: the profile and the target dir go through cargo's environment variables instead.
        for key, value in profile.items():
            if "." in key:
                raise SystemExit(f"--arm64 cannot pass the per-package setting {key}")
            env[f"CARGO_PROFILE_RELEASE_{key.upper().replace('-', '_')}"] = str(value).strip('"')
        env["CARGO_TARGET_DIR"] = str(target_dir)
        compiler = "cargo" if HOST_IS_ARM64 else "cargo-zigbuild"
        cmd = ["cargo", "lambda", "build", "--release", "--arm64", "--compiler", compiler,
               "--lambda-dir", str(target_dir / "lambda"), *args]
    else:
        config = [a for k, v in profile.items() for a in ("--config", f"profile.release.{k}={v}")]
        cmd = ["cargo", "build", "--release", *config, "--target-dir", str(target_dir), *args]
    print("+", " ".join(cmd), f"(in {cwd})", flush=True)
    start = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=True, env=env)
    return time.monotonic() - start


def built(target_dir, name, arm64):
    """Where the build put binary `name`."""
    return target_dir / "lambda" / name / "bootstrap" if arm64 else target_dir / "release" / name


def sizes(binary, name, work):
    """(stripped bytes, zipped bytes) of `binary` copied as `bootstrap`."""
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    bootstrap = out / "bootstrap"
    if binary.name == "bootstrap":
        # A `cargo lambda` output, already stripped by the profile (the host's strip may not
        # know the architecture).
        shutil.copy(binary, bootstrap)
    else:
        subprocess.run(["strip", "-o", str(bootstrap), str(binary)], check=True)
    archive = out / "bootstrap.zip"
    archive.unlink(missing_ok=True)
    # Deflate at level 9, as `zip -9` (what a deployment package upload is measured by).
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(bootstrap, "bootstrap")
    return bootstrap.stat().st_size, archive.stat().st_size, bootstrap


def ed25519_pkcs8():
    """A throwaway `kid:base64url(PKCS#8 v1 Ed25519)` entry (bench only)."""
    der = bytes.fromhex("302e020100300506032b657004220420") + os.urandom(32)
    return "bench:" + base64.urlsafe_b64encode(der).decode().rstrip("=")


def lambda_env(name, api_port, endpoint_port):
    """What Lambda sets, the function's required config, dummy credentials."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api_port}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_SESSION_TOKEN": "bench-token",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{endpoint_port}",
        "TABLE_NAME": "mediashare",
        "MAIL_QUEUE_URL": f"http://127.0.0.1:{endpoint_port}/000000000000/mail",
        "MAIL_FROM": "noreply@example.com",
        "PUBLIC_BASE_URL": "https://api.example.com",
        "JWT_ISSUER": "https://api.example.com",
        "JWT_AUDIENCE": "mediashare",
        "JWT_SIGNING_KEYS": ed25519_pkcs8(),
        "CURSOR_SECRET": "bench-cursor-secret-bench-cursor-secret",
        "UPLOADS_BUCKET": "uploads",
        "MEDIA_BUCKET": "media",
    }


def listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def init_once(bootstrap, name, api, endpoint):
    """Seconds from spawn to the first `next` request."""
    env = lambda_env(name, api.getsockname()[1], endpoint.getsockname()[1])
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(bootstrap)], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = start + 10
            while True:
                ready, _, _ = select.select([api], [], [], 0.05)
                if ready:
                    break
                if proc.poll() is not None or time.perf_counter() > deadline:
                    err.seek(0)
                    raise RuntimeError(f"{name}: no `next` (exit {proc.returncode}): {err.read()[-2000:]!r}")
            conn, _ = api.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                elapsed = time.perf_counter() - start
                if NEXT_PATH not in data.split(b"\r\n", 1)[0]:
                    raise RuntimeError(f"{name}: first runtime call was {data[:80]!r}")
            called, _, _ = select.select([endpoint], [], [], 0)
            if called:
                endpoint.accept()[0].close()
                raise RuntimeError(f"{name}: a network call to AWS_ENDPOINT_URL happened at init")
            return elapsed
        finally:
            proc.kill()
            proc.wait()


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--functions", help="comma-separated binaries (default: a representative set)")
    ap.add_argument("--all", action="store_true", help="every binary in functions/src/bin")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="profile override, e.g. lto=fat (applies to baselines and functions)")
    ap.add_argument("--variant", help="build into bench/coldstart/target/VARIANT (functions too)")
    ap.add_argument("--no-baselines", action="store_true", help="functions only (e.g. for --variant)")
    ap.add_argument("--cpu", action="store_true", help="also build and run functions/examples/cpu_bench")
    ap.add_argument("--no-build", action="store_true", help="measure what is already built")
    ap.add_argument("--arm64", action="store_true",
                    help="arm64 bootstraps via cargo lambda (sizes only unless the host is arm64)")
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="build the functions of this tree instead (e.g. `git archive` of an older commit)")
    ap.add_argument("--label", help="name of the results file (default: the variant, or `base`)")
    args = ap.parse_args()

    if args.all:
        names = sorted(p.stem for p in (args.src / "functions/src/bin").glob("*.rs"))
    elif args.functions:
        names = args.functions.split(",")
    else:
        names = REPRESENTATIVE
    env = profile_args(args.set)
    label = args.label or args.variant or "base"
    if args.arm64 and args.cpu:
        ap.error("--cpu runs the benchmark here: not with --arm64")
    base_dir = HERE / "target" / ((args.variant or "base") + ("-arm64" if args.arm64 else ""))
    fn_dir = HERE / "target" / label if args.variant else ROOT / "target"
    report = {"profile": env, "label": label, "builds": {}, "binaries": {}}

    bins = {}
    if not args.no_baselines:
        if not args.no_build:
            report["builds"]["baselines"] = build(HERE, ["--locked"], base_dir, env, args.arm64)
        bins.update({b: built(base_dir, b, args.arm64) for b in BASELINES})
    if not args.no_build:
        targets = [a for n in names for a in ("--bin", n)]
        if args.cpu:
            targets += ["--example", "cpu_bench"]
        report["builds"]["functions"] = build(args.src, ["-p", "functions", *targets], fn_dir, env, args.arm64)
    bins.update({n: built(fn_dir, n, args.arm64) for n in names})
    runs = 0 if args.arm64 and not HOST_IS_ARM64 else args.runs

    work = Path(tempfile.mkdtemp(prefix="coldstart-"))
    for name, path in bins.items():
        stripped, zipped, bootstrap = sizes(path, name, work)
        report["binaries"][name] = {"stripped": stripped, "zipped": zipped, "bootstrap": bootstrap, "init": []}
    api, endpoint = listener(), listener()
    for _ in range(runs):
        order = list(bins)
        random.shuffle(order)
        for name in order:
            entry = report["binaries"][name]
            entry["init"].append(init_once(entry["bootstrap"], name, api, endpoint))

    sdk = report["binaries"].get("hello-sdk")
    settings = " ".join(f"{k}={v}" for k, v in env.items())
    print(f"\nprofile: {settings}")
    for what, secs in report["builds"].items():
        print(f"build {what}: {secs:.0f} s")
    print(f"{'binary':<16} {'stripped MB':>11} {'zip MB':>7} {'init med ms':>11} {'p90 ms':>7}"
          + (f" {'size/sdk':>8} {'init/sdk':>8}" if sdk else ""))
    for name, e in report["binaries"].items():
        line = f"{name:<16} {e['stripped'] / 1e6:>11.2f} {e['zipped'] / 1e6:>7.2f}"
        if runs:
            med, p90 = statistics.median(e["init"]) * 1e3, pct(e["init"], 90) * 1e3
            e.update(init_median_ms=round(med, 2), init_p90_ms=round(p90, 2))
            line += f" {med:>11.2f} {p90:>7.2f}"
        else:
            line += f" {'-':>11} {'-':>7}"
        if sdk:
            line += f" {e['stripped'] / sdk['stripped']:>8.2f}"
            if runs:
                line += f" {med / (statistics.median(sdk['init']) * 1e3):>8.2f}"
        print(line)
    if args.cpu:
        print("\ncpu_bench:", flush=True)
        subprocess.run([str(fn_dir / "release/examples/cpu_bench")], check=True)
    for e in report["binaries"].values():
        e["bootstrap"] = str(e["bootstrap"])
    out = HERE / "target" / f"results-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\n{runs} runs each; results in {out.relative_to(ROOT)}")
    shutil.rmtree(work)
    if sdk:
        limit = 0.7 * sdk["stripped"]
        failed = [n for n in names if report["binaries"][n]["stripped"] > limit]
        if runs:
            sdk_med = statistics.median(sdk["init"])
            failed += [n for n in names if n not in failed
                       and statistics.median(report["binaries"][n]["init"]) > sdk_med]
        what = "stripped <= 0.7 x hello-sdk" + (", init median <= hello-sdk" if runs else " (no init: not an arm64 host)")
        print(f"target ({what}):", "met by all" if not failed else "MISSED by " + ", ".join(failed))


if __name__ == "__main__":
    sys.exit(main())
