"""The use cases over a workspace: the one API that the command line and the server call.

Each function takes an open store (from :func:`forcewatch.app.workspace.open_workspace`) or a
workspace folder, plain values and callbacks for progress, does one job of the pipeline (ingest,
scan, compare, assess, report, …) and returns typed results. None of them prints or parses; the
I/O of rasters and files happens in ``imagery/``, ``store/`` and ``report/``, which they call.
"""
