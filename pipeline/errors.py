"""Errors with one-line messages that name the file and the position (or the option)."""


class InputError(Exception):
    """An input file cannot be read at all (missing, not well-formed, no id column,
    truncated...), or an extract folder cannot be used (its last run did not finish).

    The message is one line, ``path:position: what is wrong``, and the CLI exits 1.
    Problems with single records never raise: they become rejections.
    """

    def __init__(self, path: str, position: str, message: str) -> None:
        self.path = str(path)
        self.position = position
        self.message = message
        super().__init__(f"{self.path}:{position}: {message}" if position else f"{self.path}: {message}")

    def __reduce__(self):
        """Pickled by its constructor's arguments, so it crosses to and from worker processes."""
        return (type(self), (self.path, self.position, self.message))


class RunError(Exception):
    """The run cannot go on for a reason outside the input files: the output folder is in
    use by another run, the Dask scheduler cannot be reached. One line; the CLI exits 1."""


class KnowledgeBaseError(Exception):
    """The knowledge base is inconsistent (bad type, duplicate id, broken relation...)."""
