"""Isolate the process that becomes the sandboxed shell, and start it: `python -I -S kernel.py CELLS MESSAGES
STDOUT STDERR` (four pipe descriptors from the grader, shell.py), or the same steps in a child of the zygote.

The grader (tito/sandbox/session.py) passes its settings as JSON in the TITO_SANDBOX environment variable (to
the zygote: in its request). Before any student code can run, this process:
  1. enters new mount and network namespaces (as root; as a normal user through user namespaces where the
     system allows them) and builds a root from nothing: an empty tmpfs with read-only binds of exactly what
     the settings' mount plan lists (tito/sandbox/mounts.py: the interpreter, the system libraries, the allowed
     packages, the data) plus its own writable scratch folder and a few devices, then pivots into it; the old
     root is detached, so no other path of the host exists inside; the network is an unconnected loopback;
  2. sets resource limits: address space, CPU seconds, processes, size of written files;
  3. when root: becomes an unprivileged user (a uid of its own, no groups, no new privileges);
and then runs the shell (shell.py) in this process, importing only from the run's package folder, the allowed
packages and the standard library: nothing else is there. Run as a script with only the standard library: it
must not depend on which tito an import would find.
"""
from __future__ import annotations

import ctypes
import importlib
import importlib.util
import json
import os
import platform
import resource
import sys
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_NOATIME, MS_NODIRATIME, MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 16384, 1 << 18, 1 << 21, 1 << 24
ST_RELATIME = 4096
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE = 38, 4
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}
DEVICES = ("null", "zero", "random", "urandom")
# Every kernel's environment starts from this: one BLAS/OpenMP thread (the grader runs several kernels at once;
# a single-threaded zygote, too) and a fixed hash seed, so a notebook's runs agree.
KERNEL_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}

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
    _libc.umount2(target.encode(), MNT_DETACH)


def _kept_flags(source: str) -> int:
    """The flags of the mount `source` lies on that a bind must keep: inside a user namespace they are locked."""
    st = os.statvfs(source).f_flag
    flags = st & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    if not st & MS_NOATIME:
        flags |= MS_RELATIME if st & ST_RELATIME else MS_STRICTATIME
    return flags


def _bind(source: str, target: str, flags: int, recursive: int = MS_REC) -> None:
    """Bind `source` at `target` (created empty, folder or file), then apply `flags` (MS_RDONLY...) to the bind."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Path(target).touch()
    mount(source, target, None, MS_BIND | recursive)
    mount(None, target, None, MS_REMOUNT | MS_BIND | flags | _kept_flags(source))


def _devices(new: str) -> None:
    os.mkdir(f"{new}/dev")
    mount("tmpfs", f"{new}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k")
    for name in DEVICES:
        _bind(f"/dev/{name}", f"{new}/dev/{name}", MS_NOSUID | MS_NOEXEC)
    mount(None, f"{new}/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def build_root(plan: dict, scratch: str, data: list[list[str]]) -> None:
    """Enter new mount and network namespaces and pivot into a root that holds only what `plan` lists, the
    `data` [host path, path inside] (read-only) and `scratch` (writable, at its own path: the kernel's
    connection file and sockets are there)."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the host
    new = f"{scratch}/.root"
    os.mkdir(new)
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    read_only = MS_RDONLY | MS_NOSUID | MS_NODEV
    for source, target in [*plan["binds"], *data]:
        if os.path.exists(source):
            _bind(source, new + target, read_only)
    for folder in plan["covers"]:
        if os.path.isdir(new + folder):
            mount("tmpfs", new + folder, "tmpfs", read_only, "mode=0755,size=4k")
    for path, target in plan["links"]:
        os.makedirs(os.path.dirname(new + path), exist_ok=True)
        os.symlink(target, new + path)
    _devices(new)
    _bind(scratch, new + scratch, MS_NOSUID | MS_NODEV, recursive=0)  # not the new root mounted in it
    os.chdir(new)
    _check(_libc.syscall(SYS_PIVOT_ROOT[platform.machine()], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")  # the host's root, stacked on the new one
    os.chdir("/")
    os.rmdir(f"{scratch}/.root")  # the mount point, seen through the scratch folder's bind
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _map_self(inside: int, proc: str | int = "/proc") -> None:
    """In a fresh user namespace: be uid/gid `inside` there, mapped to who we were outside. `proc`: /proc, or
    a descriptor of it kept from before the pivot (the new root has no /proc)."""
    uid, gid = os.geteuid(), os.getegid()
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self stays root's after a uid change: maps unwritable
    _check(_libc.unshare(CLONE_NEWUSER), "unshare user namespace")
    for name, text in [("setgroups", "deny"), ("uid_map", f"{inside} {uid} 1"), ("gid_map", f"{inside} {gid} 1")]:
        fd = os.open(f"self/{name}", os.O_WRONLY, dir_fd=proc) if isinstance(proc, int) \
            else os.open(f"{proc}/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def build_root_without_root(plan: dict, scratch: str, data: list[list[str]]) -> bool:
    """The same root for a normal user, where the system allows user namespaces: become root of a user
    namespace to mount, then enter a nested one as an ordinary uid, so the code that runs next holds no
    capability over those mounts (it cannot unmount or remount them). False: no user namespaces here."""
    try:
        _map_self(0)
    except OSError:
        return False
    proc = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        build_root(plan, scratch, data)
        _map_self(1000, proc)
    finally:
        os.close(proc)
    return True


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


def isolate(settings: dict) -> tuple[str, dict]:
    """Steps 1-3 above, in this process: (how isolated it is, the environment the shell gets)."""
    scratch, plan = settings["scratch"], settings["plan"]
    root = os.geteuid() == 0
    isolation = "namespaces and a uid of its own"
    if root:
        build_root(plan, scratch, settings["data"])
    else:
        # Without user namespaces, only the limits apply: the README says what that leaves open.
        isolation = "namespaces (user namespace)" if build_root_without_root(plan, scratch, settings["data"]) \
            else "limits only"
    set_limits(settings["limits"], own_uid=root)
    if root:
        drop_privileges(settings["uid"])
    else:
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(scratch)
    return isolation, dict(settings["env"], HOME=scratch, TMPDIR=scratch, TITO_OBSERVE="1")


def import_path(settings: dict, isolation: str) -> list[str]:
    """Where the shell imports from, before the standard library: the run's package folder first, then the
    allowed packages (or, with limits only, the grader's own installation: nothing else to go by)."""
    lib = f"{settings['scratch']}/lib"
    return [lib, *settings["grader_path"]] if isolation == "limits only" else [lib, *settings["plan"]["pythonpath"]]


def _keep_only(fds: list[int]) -> None:
    """Close every descriptor but 0, 1, 2 and `fds`: nothing of the grader or the zygote stays open inside."""
    low = 3
    for fd in sorted({fd for fd in fds if fd >= 3}):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def run_shell(settings: dict, fds: list[int], stdlib: list[str], serve) -> None:
    """In the process that becomes the sandboxed shell: take the grader's pipes (CELLS, MESSAGES, stdout,
    stderr; shell.py), isolate, make the standard library, the allowed packages and the run's package folder
    the only places to import from, then `serve` (shell.serve) until the grader is done."""
    cells, messages, stdout, stderr = fds
    os.dup2(stdout, 1)  # from here on, even a failure to isolate reaches the grader
    os.dup2(stderr, 2)
    _keep_only([cells, messages])
    isolation, env = isolate(settings)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = [settings["scratch"], *import_path(settings, isolation), *stdlib]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    serve(cells, messages, isolation)


def main(argv: list[str]) -> None:
    """`python -I -S kernel.py CELLS MESSAGES STDOUT STDERR`, started by the grader when there is no zygote."""
    spec = importlib.util.spec_from_file_location("tito_sandbox_shell", Path(__file__).with_name("shell.py"))
    shell = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shell)  # now: after isolation this folder does not exist
    settings = json.loads(os.environ["TITO_SANDBOX"])
    run_shell(settings, [int(fd) for fd in argv], list(sys.path), shell.serve)


if __name__ == "__main__":
    main(sys.argv[1:])
