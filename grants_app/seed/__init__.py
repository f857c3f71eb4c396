"""Reference and demo data: the partnership configuration (sosafe.yaml) and the demo year."""
