"""What ops watch: whether each connector's syncs are fresh and succeeding, and the figures Prometheus scrapes."""
