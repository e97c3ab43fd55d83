"""Shared by bench/harness.py and the suites: timed child processes, the machine's description,
medians, and Markdown tables. Standard library only, so `bench/run --help` works without a venv."""
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time


def kafka(ctx, *args):
    """deploy/kafka.sh ARGS for the suites' own broker (home BUILD/bench-kafka); its stdout."""
    env = dict(os.environ, DRIFTD_KAFKA_HOME=os.path.join(ctx.build, "bench-kafka"))
    return subprocess.run(["bash", os.path.join(ctx.root, "deploy", "kafka.sh")] + list(args),
                          env=env, check=True, capture_output=True, text=True).stdout.strip()


def kafka_start(ctx):
    """Starts the suites' broker afresh (stopping one a previous run left) and returns its
    bootstrap address."""
    if os.path.exists(os.path.join(ctx.build, "bench-kafka", "kafka.pid")):
        try:
            kafka(ctx, "stop")
        except subprocess.CalledProcessError:
            pass
    kafka(ctx, "start")
    return kafka(ctx, "bootstrap")


def load_average():
    """The 1-, 5- and 15-minute load averages (what `uptime` prints)."""
    return [round(x, 2) for x in os.getloadavg()]


def run_timed(argv, stdout_path, stderr_path, timeout_s, env=None, cwd=None):
    """Runs argv to completion or until timeout_s, whichever is first; the child and everything
    it started are killed at the deadline. Returns wall seconds (fork to reap), the exit code,
    the child's own resource usage (peak RSS from wait4, so it is this child's and not the
    harness's), and whether it was killed."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(seconds, 4),
        "exit": proc.returncode,
        "timed_out": killed.is_set(),
        "peak_rss_kib": usage.ru_maxrss,
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "load1_before": round(load_before, 2),
    }


def run_bench_json(name, argv, out_dir, timeout_s, root):
    """Runs a `driftd-bench ... --json` suite: its last stdout line is the figures. Returns the
    suite's result: command (paths relative to root), run, figures (None when it printed none),
    the tail of stderr, ok (figures and exit 0) and suite_s."""
    stdout = os.path.join(out_dir, "stdout.json")
    stderr_path = os.path.join(out_dir, "stderr.txt")
    print("%s: %s" % (name, " ".join(argv)), file=sys.stderr, flush=True)
    r = run_timed(argv, stdout, stderr_path, timeout_s, cwd=root)
    figures = None
    try:
        with open(stdout) as f:
            figures = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        pass
    with open(stderr_path, errors="replace") as f:
        stderr = f.read()
    cmd = " ".join(os.path.relpath(x, root) if os.path.isabs(x) else x for x in argv)
    return {"command": cmd, "run": r, "figures": figures,
            "stderr": stderr[-2000:] if stderr else "",
            "ok": figures is not None and r["exit"] == 0,
            "suite_s": r["seconds"]}


def median(values):
    return statistics.median(values) if values else None


def _capture(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(root, build, python):
    """CPU, cores, memory, kernel, compiler, driftd's own --version, the peers' package versions
    and the source revision, all as found on this machine now."""
    cpu = ""
    for line in _capture(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    build_type = ""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            m = re.search(r"^CMAKE_BUILD_TYPE:STRING=(.*)$", f.read(), re.M)
            build_type = m.group(1) if m else ""
    except OSError:
        pass
    try:
        built = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(
            os.path.getmtime(os.path.join(build, "driftd"))))
    except OSError:
        built = ""
    freeze = _capture([python, "-m", "pip", "freeze", "--disable-pip-version-check"])
    packages = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
    modified = _capture(["git", "-C", root, "diff", "--name-only", "HEAD", "--"])
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1048576, 1),
        "kernel": platform.release(),
        "os": _capture(["sh", "-c", ". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\""]),
        "gcc": (_capture(["gcc", "--version"]).splitlines() or [""])[0],
        "cmake": (_capture(["cmake", "--version"]).splitlines() or [""])[0],
        "build_type": build_type,
        "driftd_version": _capture([os.path.join(build, "driftd"), "--version"]),
        "driftd_binary_built": built,
        "python": _capture([python, "-c", "import sys; print(sys.version.split()[0])"]),
        "python_packages": packages,
        "git_commit": _capture(["git", "-C", root, "rev-parse", "HEAD"]),
        "git_modified_files": modified.splitlines() if modified else [],
    }


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join("" if c is None else str(c) for c in r) + " |")
    return "\n".join(out)


def fmt_seconds(s):
    if s is None:
        return "–"
    return "%.1f s" % s if s >= 10 else "%.2f s" % s


def fmt_mib(kib):
    return "–" if kib is None else "%.0f MiB" % (kib / 1024)
