"""The machinery of the book, used by every layer and importing nothing above `forlab.grid`: result stores
(`store`, `names`, `tables`), running chapters (`runner`, `cli`, `progress`), Dask clients
(`parallel`), figures (`plots`) and the check of the built pages (`htmlcheck`)."""
