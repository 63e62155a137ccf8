"""Pure helpers of the console's pages: formatting, charts, what each figure means. No I/O."""
