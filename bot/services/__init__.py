"""Services: one module per story, each opening its transaction and calling flows and core."""
