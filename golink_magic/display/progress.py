"""Every way golink shows progress, in one place: the line a slow build shows
(:class:`BuildStatus`, fed by :class:`golink_magic.engine.progress.BuildProgress`), how many of
several runs are done (:class:`CaseCount`), and pip's lines while a toolchain installs
(:func:`install_progress`) — each a widget or an in-place line in a kernel, plain lines on a
terminal."""

from __future__ import annotations

import re
import sys
import threading
import time

from .widgets import _ipywidgets, _want_widget, in_kernel


class BuildStatus:
    """One line telling what a slow build is compiling (``progress.BuildProgress``'s lines), shown
    in place under the cell while it runs — plain text, so it needs no widget frontend.

    Use as the ``progress(line)`` callback of a run, or :meth:`for_case` for several at once,
    inside ``with``: leaving it (:meth:`close`) empties the line, so a saved notebook does not
    keep it.
    """

    PRINT_EVERY = 5.0  # seconds between two lines outside a kernel (a terminal cannot update in place)

    def __init__(self):
        self.handle = None
        self.lines: dict[str, str] = {}
        self.kernel = in_kernel()
        self.printed = 0.0
        self.closed = False
        self.lock = threading.Lock()

    def __call__(self, line: str) -> None:
        self.for_case("", line)

    def for_case(self, name: str, line: str) -> None:
        """Show ``line`` for case ``name`` (one line per case still building).  Lines that come
        after :meth:`close` (from a build thread still finishing) are dropped."""
        with self.lock:
            if self.closed:
                return
            self.lines[name] = f"{name}: {line}" if name else line
            bundle = {"text/plain": "\n".join(self.lines.values())}
            if not self.kernel:
                if time.monotonic() - self.printed >= self.PRINT_EVERY:
                    self.printed = time.monotonic()
                    print(bundle["text/plain"], file=sys.stderr, flush=True)
                return
            if self.handle is None:
                from IPython.display import display  # noqa: PLC0415

                self.handle = display(bundle, raw=True, display_id=True)
            else:
                self.handle.update(bundle, raw=True)

    def __enter__(self) -> "BuildStatus":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Empty the line (nothing is left in the saved output), for good."""
        with self.lock:
            self.closed = True
            if self.handle is not None:
                self.handle.update({"text/plain": ""}, raw=True)


class CaseCount:
    """How many of several parallel runs are done: an ipywidgets bar in a kernel, a line
    rewritten in place on a terminal, silent elsewhere.

    Use as ``progress(done, total, name)`` callback; :meth:`close` removes the bar.
    """

    def __init__(self, total: int, label: str = "running"):
        w = _want_widget(None)
        self.bar = None
        if w is not None and total > 0:
            from IPython.display import display  # noqa: PLC0415

            self.bar = w.IntProgress(value=0, min=0, max=total, description=label,
                                     style={"description_width": "initial"})
            self.handle = display(self.bar, display_id=True)

    def __call__(self, done: int, total: int, name: str) -> None:
        if self.bar is not None:
            self.bar.value = done
            self.bar.description = f"{done}/{total} done ({name})"
        elif not in_kernel() and sys.stderr.isatty():
            sys.stderr.write(f"\r[{done}/{total}] {name[:60]:<60}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def close(self) -> None:
        """Remove the bar from the output (and from saved notebooks, which would otherwise keep a
        reference to a widget that no longer exists)."""
        if self.bar is not None:
            self.handle.update({"text/plain": ""}, raw=True)
            self.bar.close()


def install_progress(title: str):
    """A callable showing pip's lines live: a widget in a kernel, plain print elsewhere."""
    w = _ipywidgets() if in_kernel() else None
    if w is None:
        return print
    bar = w.IntProgress(min=0, max=100, description="download")
    out = w.Output(layout=w.Layout(max_height="12em", overflow="auto"))
    from IPython.display import display  # noqa: PLC0415

    display(w.VBox([w.HTML(f"<b>{title}</b>"), bar, out]))

    def show(line: str) -> None:
        pct = re.search(r"\((\d+)%\)$", line)
        if pct:
            bar.value = int(pct.group(1))
        out.append_stdout(line + "\n")

    return show
