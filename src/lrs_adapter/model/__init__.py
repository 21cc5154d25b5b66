"""The record types the pipeline's stages hand each other: the ground floor every other package stands on.

Nothing here does I/O or imports another package of the adapter, so sources, mapping, rules, store, sinks and the
pipeline can all speak of a Cursor, a piece of Evidence or an Event without importing one another.
"""
