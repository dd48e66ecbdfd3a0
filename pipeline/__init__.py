"""neuroconcepts: neurobiological concepts from abstracts, assembled into a concept graph.

The data flow is read -> annotate -> tabulate -> graph -> export, one subpackage or
module per stage. `pipeline.workflow` strings them together; `pipeline.cli` is a thin
click front end over it.
"""

__version__ = "0.1.0"
