"""How ``!command`` cells run in the lab: like CI, with no terminal, output as the program wrote it.

IPython normally runs ``!command`` in a pseudo-terminal 80 columns wide, and Alembic then wraps
its long lines (a migration's path can be cut in the middle of its revision id). The lab runs the
same command through a pipe instead, standard error merged into standard output in the order
written, so what a cell shows is what the command printed, whatever the machine.
"""
import os
import subprocess
import sys

from .errors import LabError


def run(command):
    """Run ``command`` with /bin/sh, print its output as it comes; return its exit status."""
    try:
        os.getcwd()
    except FileNotFoundError:  # the sandbox was reset under this kernel: every command would fail obscurely
        raise LabError("the folder this notebook works in was deleted (a reset?): re-run the notebook's "
                       "first code cell to rebuild its sandbox") from None
    process = subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for line in iter(process.stdout.readline, b""):
            sys.stdout.write(line.decode("utf-8", errors="replace"))
        sys.stdout.flush()
        return process.wait()
    except KeyboardInterrupt:
        process.kill()
        process.wait()
        print("^C (command stopped)")
        return process.returncode
    finally:
        process.stdout.close()
