"""The pipeline: one scheduled run, pull -> settle -> push, and the stages it is made of (run.py reads top down)."""
