"""Mappings: certification files in mappings/*.toml, and the pure mapper from statements to component evidence."""
