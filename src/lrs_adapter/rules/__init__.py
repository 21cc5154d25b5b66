"""Certification rules: evidence -> options per cycle, certification cycles, windows, RAG, transitions."""
