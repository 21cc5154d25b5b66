"""lrs-adapter: pulls xAPI statements from Learning Record Stores for a recurring certification."""
