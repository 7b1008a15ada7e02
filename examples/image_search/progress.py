#-------------------------------------------------------------------------
# progress.py
#	A dependency-free progress bar on stderr (tqdm is not in the minimal
#	Debian install), quiet when stderr is not a terminal except for a
#	line every 10%.
#-------------------------------------------------------------------------
import sys
import time

BAR_WIDTH = 30


class Progress:
    """Progress(total, "loading").update(n) ... .close()"""

    def __init__(self, total, label, unit="rows"):
        self.total = max(0, int(total))
        self.label = label
        self.unit = unit
        self.done = 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_decile = -1
        self.last_printed = -1
        self._draw()

    def update(self, n):
        self.done += n
        self._draw()

    def close(self):
        self._draw(final=True)
        if self.tty:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def _draw(self, final=False):
        frac = self.done / self.total if self.total else 1.0
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        filled = int(BAR_WIDTH * frac)
        text = (f"{self.label:<22} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                f"{self.done:>6}/{self.total} {self.unit} "
                f"{rate:8.0f}/s  eta {eta:5.1f}s")
        if self.tty:
            sys.stderr.write("\r" + text)
            sys.stderr.flush()
            return
        decile = int(frac * 10)
        if (final and self.last_printed != self.done) or decile != self.last_decile:
            self.last_decile = decile
            self.last_printed = self.done
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
