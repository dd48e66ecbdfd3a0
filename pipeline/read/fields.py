"""Which input field holds which part of a record, for the JSONL and CSV/TSV readers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldMap:
    """Names of the input fields; change them with --field abstract=AB and the like."""

    id: str = "id"
    title: str = "title"
    abstract: str = "abstract"
    year: str = "year"
    journal: str = "journal"

    @classmethod
    def parse(cls, assignments: tuple[str, ...] | list[str]) -> "FieldMap":
        """Build a map from "role=column" strings, e.g. ("id=pmid", "abstract=AB")."""
        values = {}
        for item in assignments:
            role, sep, column = item.partition("=")
            role = role.strip()
            if not sep or not column.strip():
                raise ValueError(f"field mapping {item!r} is not of the form ROLE=COLUMN")
            if role not in cls.__dataclass_fields__:
                roles = ", ".join(cls.__dataclass_fields__)
                raise ValueError(f"unknown field role {role!r} (roles: {roles})")
            values[role] = column.strip()
        return cls(**values)
