"""The bottom layer every other part of the engine uses: event streams and cancel control,
where files live, which device runs the work, and small shared helpers (errors, atomic writes, durations)."""
