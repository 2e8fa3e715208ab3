#!/usr/bin/env python3
"""A parent forks a child; each prints its pid; the parent waits for the child.

Under `default` both lines print; under `strict` process creation is outside the policy and the
fork is a policy violation (bulkhead exits 159 = 128+SIGSYS)."""
import os
import sys

sys.stdout.write(f"parent {os.getpid()}\n")
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    sys.stdout.write(f"child {os.getpid()} of {os.getppid()}\n")
    sys.stdout.flush()
    os._exit(0)
_, status = os.waitpid(pid, 0)
sys.stdout.write(f"parent {os.getpid()}: child {pid} exited with {os.waitstatus_to_exitcode(status)}\n")
