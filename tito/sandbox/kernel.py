"""Start an IPython kernel inside the grading sandbox: `python -m tito.sandbox.kernel -f CONNECTION_FILE`.

The grader (tito/sandbox/runner.py) launches this in place of a plain ipykernel and passes its settings as JSON in the
TITO_SANDBOX environment variable. Before any student code can run, this process:
  1. enters new mount and network namespaces (as root; as a normal user through user namespaces where the
     system allows them), hides the course, the repository, home and temporary folders behind empty tmpfs
     mounts (re-exposing only the Python installation, the data and its own scratch folder) and leaves only an
     unconnected loopback as network;
  2. sets resource limits: address space, CPU seconds, processes, size of written files;
  3. when root: becomes an unprivileged user (a uid of its own, no groups, no new privileges);
and then replaces itself with ipykernel, in the scratch folder, with a clean environment.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE = 38, 4

# Covering one of these would take the interpreter or the system with it (say HOME is "/" for a service user).
NEVER_HIDDEN = {"/", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys", "/opt", "/var"}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sandbox: {what}: {os.strerror(err)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def unmount(target: str) -> None:
    """Detach a mount (the grader's scratch tmpfs); quietly does nothing if it is not mounted."""
    _libc.umount2(target.encode(), 2)  # MNT_DETACH


def hide_paths(hide: list[str], keep: list[str]) -> None:
    """Cover every `hide` folder with an empty tmpfs, then bind the `keep` paths beneath it back in place."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    hide = [h for h in hide if os.path.isdir(h) and os.path.realpath(h) not in NEVER_HIDDEN]
    # Hold each kept path open first: once its parent is covered it can only be reached through the descriptor.
    held = {k: os.open(k, os.O_PATH) for k in keep if os.path.exists(k) and any(_under(k, h) for h in hide)}
    for folder in sorted(hide, key=len):
        if not any(_under(folder, h) and folder != h for h in hide):  # the outermost covers the rest
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    for path, fd in sorted(held.items(), key=lambda item: len(item[0])):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Path(path).touch()
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)


def _map_self(inside: int) -> None:
    """In a fresh user namespace: be uid/gid `inside` there, mapped to who we were outside."""
    uid, gid = os.geteuid(), os.getegid()
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self stays root's after a uid change: maps unwritable
    _check(_libc.unshare(CLONE_NEWUSER), "unshare user namespace")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{inside} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{inside} {gid} 1")


def hide_without_root(hide: list[str], keep: list[str]) -> None:
    """The same hiding for a normal user, where the system allows user namespaces: become root of a user
    namespace to mount, then enter a nested one as an ordinary uid, so the code that runs next holds no
    capability over those mounts (it cannot unmount them to see what they cover)."""
    _map_self(0)
    hide_paths(hide, keep)
    _map_self(1000)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def set_limits(limits: dict, own_uid: bool) -> None:
    """Resource limits. The process count is per uid, so it applies only when the kernel has a uid of its own."""
    mb = 1024 * 1024
    pairs = [(resource.RLIMIT_AS, limits.get("memory_mb", 0) * mb),
             (resource.RLIMIT_CPU, limits.get("cpu_seconds", 0)),
             (resource.RLIMIT_NPROC, limits.get("processes", 0) if own_uid else 0),
             (resource.RLIMIT_FSIZE, limits.get("file_mb", 0) * mb),
             (resource.RLIMIT_CORE, 0)]
    for which, value in pairs:
        if value or which == resource.RLIMIT_CORE:
            hard = value + 5 if which == resource.RLIMIT_CPU else value  # SIGXCPU first, SIGKILL 5 s later
            resource.setrlimit(which, (value, hard))


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def main(argv: list[str]) -> None:
    settings = json.loads(os.environ["TITO_SANDBOX"])
    scratch = settings["scratch"]
    root = os.geteuid() == 0
    isolation = "namespaces and a uid of its own"
    if root:
        hide_paths(settings["hide"], settings["keep"] + [scratch])
    else:
        try:
            hide_without_root(settings["hide"], settings["keep"] + [scratch])
            isolation = "namespaces (user namespace)"
        except OSError:
            isolation = "limits only"  # no user namespaces here: the README says what that leaves open
    set_limits(settings["limits"], own_uid=root)
    if root:
        connection_file = argv[argv.index("-f") + 1]  # written by the grader as root: the kernel must read it
        os.chown(connection_file, settings["uid"], settings["uid"])
        drop_privileges(settings["uid"])
    else:
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    Path(scratch, "isolation").write_text(isolation, encoding="utf-8")  # for the grader's report
    os.chdir(scratch)
    env = dict(settings["env"], HOME=scratch, TITO_OBSERVE="1")
    if "JPY_PARENT_PID" in os.environ:  # the kernel exits when the grader dies
        env["JPY_PARENT_PID"] = os.environ["JPY_PARENT_PID"]
    os.execve(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv], env)


if __name__ == "__main__":
    main(sys.argv[1:])
