#!/usr/bin/env python3
"""Drive a command through a real pseudo-terminal, as a person at a keyboard would.

Usage: pty-driver.py STEPS_JSON COMMAND [ARG...]
STEPS_JSON: [["expect", "text"], ["send", "text"], ...]; every expect waits at most 10 s.
Prints one JSON line: {"code": exit status or null, "output": everything read, "failed": step or null}.
"""
import json, os, pty, select, sys, time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

output = b""
def read_some(timeout):
    global output
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    output += data
    return True

failed = None
for kind, text in steps:
    if kind == "send":
        os.write(fd, text.encode())
        continue
    deadline = time.time() + 10
    while text.encode() not in output:
        if time.time() > deadline or read_some(deadline - time.time()) is None:
            failed = [kind, text]
            break
    if failed:
        break

deadline = time.time() + 10
code = None
while time.time() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        break
    read_some(0.05)
if code is None:
    os.kill(pid, 9)
print(json.dumps({"code": code, "output": output.decode(errors="replace"), "failed": failed}))
