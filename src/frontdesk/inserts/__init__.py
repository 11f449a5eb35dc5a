"""Content an agent inserts into a reply from the composer's insert menu (issue 7)."""
