"""Everything held about one organisation, as a zip of CSV files: what goes in it (``build``), its
organisation admins asking for one and downloading it (``services``, ``views``), and the background
task that makes it (``tasks``)."""
