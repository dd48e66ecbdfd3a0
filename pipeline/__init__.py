"""neuroconcepts: neurobiological concepts from abstracts, assembled into a concept graph.

The data flow is read -> annotate -> tabulate -> count -> graph -> export, one subpackage
or module per stage, with the knowledge base (kb) and the evaluation beside them, the
scale-out (scale) above them and what they all write with (files, errors) below; a stage
imports no later one (README, Layout). `pipeline.workflow` strings them together;
`pipeline.cli` is a thin click front end over it.
"""

__version__ = "0.1.0"
