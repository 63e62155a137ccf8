"""Pure payment rules: no I/O, no framework, no database. Every figure here can be worked by hand."""
