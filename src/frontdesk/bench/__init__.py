"""Benchmarks shipped inside the package, so an installed Frontdesk can run them."""
