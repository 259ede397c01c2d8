"""One module per chapter: ``run(params) -> xarray.Dataset`` (the chapter's computation and its store), the readers
of that store, the chapter's figures and the text helpers that turn stored numbers into sentences. Notebooks call
these and nothing else; this is the only layer where the methods meet each other and the judge."""
