"""The feed: completion records and certification-state records, read from the change log "after what I saw last",
shaped to the versioned JSON Schemas in `schemas/` (the contract other systems depend on)."""
