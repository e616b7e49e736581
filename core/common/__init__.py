"""The bottom layer every other part of the engine uses: event streams and cancel control,
where files live, which device runs the work, and small shared helpers: one-line error
messages (errors), all-or-nothing file writes (atomic), settings from plain dicts
(settings) and durations for people (formatting)."""
