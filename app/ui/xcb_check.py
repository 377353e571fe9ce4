"""Linux start-up: before Qt loads its xcb platform plugin, find the system libraries it lacks and name
the package that holds each, in plain words.

Qt's own message when the plugin cannot load blames libxcb-cursor0 whatever is missing. Here `ldd` is
run on PySide6's plugins/platforms/libqxcb.so (it lists the plugin's dependencies, transitively) and
every "NAME => not found" is mapped to its Debian/Ubuntu package (libxcb-icccm.so.4 -> libxcb-icccm4).
No Qt is imported: this runs before the QApplication exists.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# so-name -> Debian/Ubuntu package, for what Qt's xcb plugin needs beyond a minimal system.
PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libz.so.1": "zlib1g",
}

_NOT_FOUND = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._+-]{0,127})\s+=>\s+not found\s*$")
MAX_LINES = 2000  # ldd of the plugin prints about 60; anything far beyond that is not ldd's


def missing_libraries(ldd_output: str) -> list[str]:
    """The so-names ldd reports as "not found", each once, in order. Anything else in the output (odd
    lines, escapes, paths, names with shell characters) is ignored."""
    found: list[str] = []
    for line in ldd_output.splitlines()[:MAX_LINES]:
        match = _NOT_FOUND.match(line)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def packages_for(libraries: list[str]) -> list[str]:
    """The Debian/Ubuntu package of each so-name, each once; an unknown one is named as the file itself."""
    return list(dict.fromkeys(PACKAGES.get(name, name) for name in libraries))


def message(libraries: list[str]) -> str:
    """The plain words for the user (stderr and the dialog)."""
    packages = packages_for(libraries)
    known = [p for p in packages if p in PACKAGES.values()]
    unknown = [p for p in packages if p not in PACKAGES.values()]
    lines = ["Strongroom cannot open its window: this computer lacks system "
             f"{'libraries' if len(libraries) > 1 else 'a library'} that the window needs "
             f"({', '.join(libraries)})."]
    if known:
        lines.append(f"Ask your IT department to install the package{'s' if len(known) > 1 else ''} "
                     f"{', '.join(known)} (on Debian or Ubuntu: sudo apt-get install {' '.join(known)}).")
    if unknown:
        lines.append(f"The package holding {', '.join(unknown)} depends on your Linux distribution.")
    lines.append("The command line works meanwhile: strongroom --help.")
    return "\n".join(lines)


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for candidate in (Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                          Path(root) / "plugins" / "platforms" / "libqxcb.so"):
            if candidate.is_file():
                return candidate
    return None


def run_ldd(library: Path, timeout: float = 10.0) -> str:
    """ldd's output for a library; empty when ldd is missing, fails or hangs (then nothing is claimed)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        done = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=timeout,
                              errors="replace", env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def uses_xcb(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will load the xcb plugin: Linux, X11 (not a Wayland session), no other platform chosen."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    if environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland":
        return False
    return bool(environ.get("DISPLAY"))


def check() -> list[str]:
    """The so-names the xcb plugin lacks on this computer ([] when it would load, or cannot be told)."""
    if not uses_xcb():
        return []
    plugin = xcb_plugin()
    return missing_libraries(run_ldd(plugin)) if plugin is not None else []


def show_dialog(text: str) -> bool:
    """Shows the message with whatever this system has that needs no Qt; False if nothing could."""
    for tool, args in (("zenity", ["--error", "--no-markup", "--title=Strongroom", f"--text={text}"]),
                       ("kdialog", ["--title", "Strongroom", "--error", text]),
                       ("xmessage", ["-center", text])):
        path = shutil.which(tool)
        if path is None:
            continue
        try:
            subprocess.run([path, *args], timeout=600, check=False)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    try:
        import tkinter
        from tkinter import messagebox

        root = tkinter.Tk()
        root.withdraw()
        messagebox.showerror("Strongroom", text, parent=root)
        root.destroy()
        return True
    except Exception:  # noqa: BLE001 - no Tk, no display: stderr has said it
        return False
