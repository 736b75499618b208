"""Small helpers shared by the benchmarks (no third-party packages)."""
import os
import platform
import statistics
import subprocess
import sys


def median(values):
    return statistics.median(values) if values else float("nan")


def quartiles(values):
    """(q1, q3) of `values` (the spread reported next to a median)."""
    if len(values) < 4:
        return (min(values), max(values)) if values else (float("nan"), float("nan"))
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def machine():
    """What the figures were measured on."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor()
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    try:
        kernel = subprocess.run(["uname", "-sr"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        kernel = platform.platform()
    return {"nproc": os.cpu_count(), "cpu": cpu or "unknown", "python": sys.version.split()[0],
            "python_path": sys.executable, "kernel": kernel, "loadavg_at_start": load}
