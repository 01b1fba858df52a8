"""Run an import in a child process, for callers that share their process with a GUI.

An import is Python code that holds the GIL nearly all the time. Run in a thread of
the GUI process, it keeps the GUI thread from running any slot whenever the kernel
preempts it while it holds the GIL. Its allocations also bring on full garbage
collections, which hold the GIL for their whole length: 87 to 401 ms in the
import-flow stall test at load average 9 on a 2-core machine. A child process has
its own interpreter and GIL, so the calling thread only waits on a pipe.

The child reports progress, its log records and the outcome through the pipe. A
cancel token of the caller is passed on through a multiprocessing event. A child
that dies mid-import leaves its import run 'running' with its own process id, so
the next `open_store` marks it interrupted, as for any killed import.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from engine.errors import CancelledError, MerchantError
from engine.importers.report import ImportReport
from engine.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

# How often the caller checks its cancel token while it waits for a message.
POLL_S = 0.05
# How long the caller waits for a child that reported its outcome to exit.
EXIT_WAIT_S = 10.0


class ImportProcessError(MerchantError):
    """Raised with the message of a MerchantError that the child raised."""


class ImportProcessCrashed(RuntimeError):
    """Raised when the child failed unexpectedly or died; the message has details."""


@dataclass(frozen=True)
class ImportOptions:
    """The keyword arguments of `import_file` that a child receives."""

    format: str | None = None
    mapping: dict[str, str] | None = None
    encoding: str | None = None
    kind: str | None = None
    backup: bool = True


def import_in_process(
    shop_path: Path,
    path: Path,
    options: ImportOptions = ImportOptions(),
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ImportReport:
    """Import `path` into the shop at `shop_path` in a child process.

    Arguments, return value and errors are those of `import_file`, except:

    Raises:
        CancelledError: `cancel` was set and the child stopped; nothing was saved.
        ImportProcessError: the child raised a MerchantError (for example
            ImportFileError); the message is the same.
        ImportProcessCrashed: the child raised another error (its traceback is
            in the message) or died without reporting an outcome.
    """
    context = multiprocessing.get_context("spawn")
    cancel_event = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_run_child,
        args=(str(shop_path), str(path), options, sender, cancel_event),
        name=f"import {Path(path).name}",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        return _wait_for_outcome(child, receiver, cancel_event, progress, cancel)
    finally:
        receiver.close()
        child.join(EXIT_WAIT_S)
        if child.is_alive():
            # Only after an error in this process: the import is still running.
            # Its transaction is rolled back when the child ends.
            log.warning("Stopping the import process of %s", Path(path).name)
            child.terminate()
            child.join(EXIT_WAIT_S)


def _wait_for_outcome(child, receiver, cancel_event, progress, cancel) -> ImportReport:
    while True:
        if cancel is not None and cancel.is_cancelled:
            cancel_event.set()
        if not receiver.poll(POLL_S):
            continue
        try:
            message = receiver.recv()
        except EOFError:
            child.join(EXIT_WAIT_S)
            raise ImportProcessCrashed(
                f"the import process ended without a result (exit code "
                f"{child.exitcode})"
            ) from None
        outcome = _handle(message, progress)
        if outcome is not None:
            return outcome


def _handle(message: tuple, progress: ProgressCallback | None) -> ImportReport | None:
    kind = message[0]
    if kind == "progress":
        if progress is not None:
            progress(message[1], message[2])
        return None
    if kind == "log":
        record = logging.makeLogRecord(message[1])
        logging.getLogger(record.name).handle(record)
        return None
    if kind == "completed":
        return message[1]
    if kind == "cancelled":
        error = CancelledError()
        error.args = (message[1],)
        raise error
    if kind == "failed":
        raise ImportProcessError(message[1])
    raise ImportProcessCrashed(f"the import process failed:\n{message[1]}")


class _PipeLogHandler(logging.Handler):
    """Send the child's log records to the caller, which logs them as its own."""

    def __init__(self, sender) -> None:
        super().__init__()
        self.sender = sender

    def emit(self, record: logging.LogRecord) -> None:
        values = dict(record.__dict__)
        values["msg"] = record.getMessage()
        values["args"] = None
        values["exc_info"] = None
        if record.exc_info:
            values["exc_text"] = logging.Formatter().formatException(record.exc_info)
        self.sender.send(("log", values))


def _run_child(shop_path: str, path: str, options: ImportOptions, sender, cancel_event):
    from engine.importers.runner import import_file
    from engine.store import open_store

    root = logging.getLogger()
    root.addHandler(_PipeLogHandler(sender))
    root.setLevel(logging.INFO)
    token = CancelToken()
    # The event is set by the caller; this thread hands it on to the token that
    # the import checks between batches of rows.
    threading.Thread(
        target=lambda: (cancel_event.wait(), token.cancel()), daemon=True
    ).start()
    try:
        with open_store(Path(shop_path)) as store:
            report = import_file(
                store,
                Path(path),
                format=options.format,
                mapping=options.mapping,
                encoding=options.encoding,
                kind=options.kind,
                backup=options.backup,
                progress=lambda fraction, text: sender.send(
                    ("progress", fraction, text)
                ),
                cancel=token,
            )
        sender.send(("completed", report))
    except CancelledError as error:
        sender.send(("cancelled", str(error)))
    except MerchantError as error:
        sender.send(("failed", str(error)))
    except Exception:
        sender.send(("crashed", traceback.format_exc()))
    finally:
        sender.close()
