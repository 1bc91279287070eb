"""Experiments at scale: chunked, batched runs into a results store, here or on dask."""

from mscnk.runs._execute import (LOCAL_CLUSTER_MIN_JOBS, THREADS_SUFFICE, Dask, Executor,
                                 ExecutorError, InProcess, executor_for)
from mscnk.runs._runner import RunInterrupted, RunSummary, default_chunk_size, run_sweep
from mscnk.runs._replay import replay, stored_jobs
from mscnk.runs._reuse import pending_jobs
from mscnk.runs._summary import RunDescription, describe, shorten, varied_columns
from mscnk.runs._table import PARAMETER_PREFIX, run_schema
from mscnk.runs._work import ChunkTask, ModelMismatch, clear_simulators, run_chunk

__all__ = ["LOCAL_CLUSTER_MIN_JOBS", "PARAMETER_PREFIX", "THREADS_SUFFICE", "ChunkTask", "Dask",
           "Executor", "ExecutorError", "InProcess", "ModelMismatch", "RunDescription",
           "RunInterrupted", "RunSummary", "clear_simulators", "default_chunk_size",
           "describe", "executor_for", "pending_jobs", "replay", "run_chunk", "run_schema",
           "run_sweep", "shorten", "stored_jobs", "varied_columns"]
