"""What the process distil runs in promises, as its entry point sets it (nothing is imported
here: the command line reads and sets it before anything else is loaded)."""

# The process ends through ``distil.cli.main.main``, which runs the exit handlers (``atexit``)
# before it ends: work handed to a thread may be finished there, after the command's own work
# (e.g. dropping a throwaway scratch database while the command goes on). Library callers keep
# the default: everything is done before the call returns.
exit_handlers_finish_work = False
