"""The knowledge base of neurobiological concepts (models/kb).

Concepts live in tab-separated files, one per type (concepts.py reads and writes
them); ambiguity rules for aliases in alias_rules.tsv (alias_rules.py); what a generic
mention means in a document about a substance in resolutions.tsv (resolutions.py).
check.py finds inconsistencies, stats.py counts, hierarchy.py rolls concepts up along
part_of and member_of for the graph.
"""

from pipeline.kb.alias_rules import AliasRule, read_alias_rules
from pipeline.kb.concepts import (
    ALIAS_RULES_FILE,
    COLUMNS,
    DEFAULT_KB_DIR,
    LABELS,
    REGION_LEVEL_FILE,
    RELATIONS,
    RESOLUTIONS_FILE,
    Concept,
    KnowledgeBase,
    check_relations,
    kb_files,
    load_kb,
    read_kb,
    read_concepts,
    read_region_level,
    write_concepts,
)

__all__ = [
    "ALIAS_RULES_FILE", "COLUMNS", "DEFAULT_KB_DIR", "LABELS", "REGION_LEVEL_FILE", "RELATIONS", "RESOLUTIONS_FILE", "AliasRule", "Concept",
    "KnowledgeBase", "check_relations", "kb_files", "load_kb", "read_alias_rules", "read_kb", "read_region_level", "read_concepts", "write_concepts",
]
