"""The home page of each kind of organisation: what needs attention across every pipeline."""
