"""Derive the BRAIN_REGION concepts of the knowledge base.

Writes models/kb/concepts/brain_regions.tsv (format: models/kb/FORMAT.md) from

* the reference lexicons in <shared>/brain_lexicons/ (see SOURCE.md there):
  - uberon_brain_structures.json  UBERON nervous-system terms (CC BY 3.0,
    http://obofoundry.org/ontology/uberon): ids, labels, exact synonyms and a
    filtered selection of related/narrow synonyms;
  - allen_structure_tree.csv + allen_ccf_structures.json  Allen Mouse Brain
    Atlas CCFv3 ontology (Allen Institute terms of use): names, acronyms and the
    parent hierarchy used for part_of; Allen structures without an UBERON match
    become NC: concepts;
  - franklin_paxinos_structure_tree.csv  Franklin & Paxinos mouse atlas names
    and abbreviations (nomenclature (c) Franklin & Paxinos), linked through
    their Allen mapping;
  - neuronames_bluima.xml  NeuroNames variants (BrainInfo, research use),
    added to concepts whose canonical NeuroNames name matches;
* the hand-curated overlay models/kb/curation/brain_regions_curated.tsv
  (same columns): rows with an existing id add names/synonyms/abbreviations/
  relations, rows with a new id add concepts; curated aliases win over derived ones;
* the other files of models/kb/concepts/, only to leave their aliases to them (the
  knowledge base gives an alias to one concept only).

Output is deterministic (rows sorted by id, lists sorted) and written
atomically.  Short forms taken from the lexicons go to abbreviations_if_defined;
only the overlay puts short forms in `abbreviations` (matched everywhere).

Usage:  .venv/bin/python scripts/derive_brain_regions.py [--shared PATH] [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
from lxml import etree

from pipeline.annotate.normalize import normalize_word, singular
from pipeline.kb import COLUMNS

REPO = Path(__file__).resolve().parent.parent
TYPE = "BRAIN_REGION"
MAX_WORDS = 6

# alias priorities (lower wins when two concepts claim the same alias)
P_CURATED, P_LABEL, P_EXACT, P_ALLEN, P_PAXINOS, P_RELATED, P_NEURONAMES, P_ADJECTIVE = range(8)

# UBERON terms too general to be a region mention (brain, nervous system, CNS, PNS, grey and
# white matter), peripheral nerve parts, and teleost-only terms
DROP_IDS = {"UBERON:0000955", "UBERON:0001016", "UBERON:0001017", "UBERON:0000010",
            "UBERON:0002020", "UBERON:0002316", "UBERON:0001021", "UBERON:0002464", "UBERON:0002211",
            "UBERON:0014615", "UBERON:2000165", "UBERON:2000485"}

# words that make up "generic" names which are never listed on their own
GENERIC = set("""
dorsal ventral medial lateral rostral caudal anterior posterior superior inferior central
intermediate internal external middle median superficial deep inner outer principal accessory
proper dorsomedial dorsolateral ventromedial ventrolateral anterodorsal anteroventral
posterodorsal posteroventral mediodorsal laterodorsal ventral caudomedial rostromedial
nucleus nuclei area areas region regions zone zones part parts division divisions column columns
layer layers lamina laminae stratum group groups complex cell cells body tract lobe lobule
segment portion subdivision subnucleus field fields cortex gray grey matter white substance
commissure nerve nerves ganglion ganglia system structure organ root roots branch trunk
small large magnocellular parvocellular parvicellular compact diffuse granular molecular
pyramidal polymorph multiform plexiform limiting marginal transition
a b c d i ii iii iv v vi vii viii ix x 1 2 3 4 5 6
""".split())

# UBERON labels that mark developmental, embryonic, non-neural or non-region terms
DROP_NAME = re.compile(r"""\b(
    future|presumptive|primordium|primordia|embryonic|embryo|larval|fetal|foetal|rhombomere|
    neuromere|mesomere|prosomere|neural\ tube|neural\ crest|neural\ plate|neural\ fold|neural\ keel|
    neural\ rod|placode|anlage|rudiment|roof\ plate|floor\ plate|basal\ plate|alar\ plate|boundary|
    primitive|ventricular\ zone|ventricular\ layer|mantle\ layer|marginal\ layer|marginal\ zone|
    subventricular|germinal|artery|arteries|arterial|vein|veins|venous|vasculature|vessel|
    vessels|capillary|sinus|blood|endothelium|barrier|pia\ mater|dura\ mater|arachnoid|meninx|
    meninges|meningeal|subarachnoid|ependyma|ependymal|cerebrospinal\ fluid|myelin|sheath|
    membrane|nerve\ ending|endings|receptor|fiber|fibre|axon|dendrite|synapse|neuropil|
    developing|taste\ bud|epithelium|\w*receptors?|muscle\ spindle|perineurium|epineurium|
    endoneurium|leptomeninx|leptomeninges|nerve\ head|gustatory\ organ|papilla|
    cell\ part|insect|arthropod|Myxiniformes|teleost|ommatidium|ocellus|tapetum|set|
    cytoarchitectural|chemoarchitectural|regional\ part|subdivision\ of|part\ of\ (?:the\ )?
    (?:brain|nervous|central|spinal)|groove|incisure|canal|cistern|recess|foramen|lumen|
    organ\ part|sensory\ organ|surface|wall|margin|bed\ of|parenchyma|hemisphere\ lobule|
    of\ retina|retinal?\ .*layer|neuraxis|gp94|glymphatic
)\b""", re.I | re.X)

# synonym strings that contain words no abstract writes
BAD_SYN = re.compile(r"""\b(neuraxis|regional\ part|cytoarchitectural|chemoarchitectural|
    structure|element|set\ of|organ\ part|sensu|guenon|brodmann-1909|b09|of\ mature|
    proper\ part|with\ brain|connecting|structures|tissue|matter\ of|material)\b""", re.I | re.X)

# derived aliases judged noise in WhiteText error analysis or semantically wrong
DROP_ALIASES = {
    "accessory medullary lamina of pallidum", "lamella pallidi incompleta", "caecal epithelium",
    "gyrus occipitalis inferior", "gyrus occipitalis tertius", "gyrus cuneus", "nerve x",
    "medial amygdalar nucleus", "nucleus amygdaloideus medialis", "ventral brain stem",
    "cerebro-cerebellar fissure", "cerebrocerebellar fissure", "the brain", "seahorse",
    "suprasegmental structures", "synganglion", "primal cortex", "encephalon",
    "ganglia", "neural ganglion", "interpositus", "pellucidum", "macula", "maculae",
    "ocelli", "bulbus", "pars compacta", "pars reticularis", "medial part", "lateral part",
    "blue nucleus", "filiform nucleus", "nucleus filiformis", "tegmentum ventrale",
    "nucleus innominatus", "economo's areas", "areas of economo", "dentatothalamocortical fibers",
    "hemispheric regions", "hemisphere", "uncus", "lingula", "pyramis", "pyramus",
    "alveus", "flocculus", "central lobe", "insula lobule", "gustatory area",
    "dorsal striatum", "corpus striatum", "caudate putamen", "nucleus of the solitary tract",
    "lateral septum", "cerebrum", "hippocampus", "lemniscus",
    "fibrae nervi vagi", "prefrontal gyrus", "cervico-thoracic", "parieto-occipital", "fasciculus",
    "funiculus", "gyrus", "isthmus", "rostrum", "simplex", "tonsilla", "profundus", "phrenic",
    "trochlear", "tympanic", "nasociliary", "nasopalatine", "zygomaticotemporal", "trigeminus",
    "netzhaut", "stirnorgan", "premotor", "corticopontine", "corticobulbar", "pyramid", "embolus",
    "epiphysis", "visual area", "auditory area", "granule cell layer", "molecular layer",
    "tegmentum", "human corpus callosum", "solitary nucleus", "hyperstriatum", "brain nuclei",
    "regio inferior", "regio superior", "basal nuclei", "layer of the superior colliculus",
    "cortical plate", "cortical subplate", "locus coeruleu", "central nucleus of amygda",
    "neural system", "neuronal nucleus", "neural nucleus", "nerve bundle", "nerve fasciculus",
    "neural fasciculus", "brain tract", "brain fasciculus", "cerebral fasciculus", "motor nucleus",
    "motor area", "sensory nerve", "sensory ganglion", "efferent nerve", "autonomic nerve",
    "proprioceptive system", "fornix system", "ventricle system", "optic layer", "medial fasciculus",
    "lateral fasciculus", "paralaminar part", "paramedian group", "rostral gyrus", "satellite nuclei",
    "cerebellar layer", "cerebral lobe", "linear nucleus", "circular nucleus", "tangential nucleus",
    "hemispheric zone", "neuraxis layer",
}

DROP_ALIAS_KEYS: set[str] = set()   # filled in main() (needs alias_key)

# short forms never used as abbreviations (collide with common words/abbreviations)
BAD_ABBR = set("""
I II III IV V VI VII VIII IX X XI XII AD PD MS CA NO AP OR IT IN AM PM US ID IR RNA DNA ATP
GABA DA NE ACh HR BP ER EC IP IV IM SC AC TE BA AA AS BS CS CR CT DC DM DR GC GP HC LC LH
MD ML MO OT PL IL SN SO SP ST VP VS ON OS PC PT RT CB CM CP FS GL GR HB IC IO LD LS MA MB
MG MM MT NA NC NE OC PA PB PO PR RE RH SI SM SS SV TH TR TS VM CN OB PN PS TT VN AH DG PH
PV PVN CL LA LL LM MP OP PF PG RM RR SG SR TG BC CC CE CG HP HY LO MN MV NI OV PM RN SA SU
""".split())

TOKEN = re.compile(r"[^\W_]+", re.U)
ADJ_FIX = {"amygdalar": "amygdaloid", "caeruleus": "ceruleus", "coeruleus": "ceruleus",
           "grey": "gray", "nuclei": "nucleus", "areas": "area", "centre": "center",
           "parvicellular": "parvocellular"}


# Adjectives that stand for a region ("medullary neurons", "septal lesions"), formed from a
# one-word name by its ending (first match wins), or irregularly.
ADJECTIVE_ENDINGS = [("ulla", "ullary"), ("ellum", "ellar"), ("ulum", "ular"), ("um", "al"),
                     ("ampus", "ampal"), ("amus", "amic"), ("ex", "ical"), ("ula", "ular"),
                     ("ala", "alar"), ("alon", "alic"), ("on", "ic")]
IRREGULAR_ADJECTIVES = {"pons": "pontine", "accumbens": "accumbal"}
# generated forms that mostly mean something else (heart valves, the spleen, the subthalamic
# nucleus, any tegmental structure), or are no English word
NOT_ADJECTIVES = {"valvular", "splenial", "infundibular", "subthalamic", "tegmental", "subcortical",
                  "cingular", "caudatal", "pallidial", "conarial", "psalterial", "parencephalic",
                  "metepencephalic", "thalamencephalic", "praegeniculatal", "paleostriatal",
                  "archistriatal", "eupalaeocortical"}


def region_adjective(word: str) -> str | None:
    """The adjective of a one-word region name: medulla -> medullary, septum -> septal,
    pons -> pontine, mesencephalon -> mesencephalic; None when no rule applies."""
    word = word.lower()
    if word in IRREGULAR_ADJECTIVES:
        return IRREGULAR_ADJECTIVES[word]
    for ending, adjective_ending in ADJECTIVE_ENDINGS:
        if word.endswith(ending) and len(word) >= len(ending) + 3:
            adjective = word[: -len(ending)] + adjective_ending
            return None if adjective in NOT_ADJECTIVES else adjective
    return None


def die(msg: str) -> None:
    print(f"derive_brain_regions: error: {msg}", file=sys.stderr)
    sys.exit(1)


def alias_key(s: str, spelling: bool = True) -> str:
    """Key approximating the matcher: its word normalisation (pipeline.annotate.normalize:
    case, Greek letters, simple and Latin plurals and, when `spelling`, British/American
    spelling) on the words, hyphens dropped. Used for collisions across concepts; without
    `spelling` (case and plurals only) it only removes duplicates inside one concept."""
    words = re.findall(r"\w+|[^\s\w-]", s.lower())
    return " ".join(normalize_word(w) if spelling else singular(w) for w in words)


def dedup_key(s: str) -> str:
    return alias_key(s, spelling=False)


def match_key(s: str) -> str:
    """Looser key used only to link names across sources."""
    toks = [ADJ_FIX.get(t, t) for t in TOKEN.findall(s.lower())]
    toks = [t for t in toks if t not in ("the", "of")]
    return " ".join(toks)


def is_generic(s: str) -> bool:
    return all(t in GENERIC for t in TOKEN.findall(s.lower()))


def looks_like_abbr(s: str) -> bool:
    """One short token with two capitals, a capital after the first letter, or capital+digit:
    SCN, nTS, CA1, PPTg (these go to the abbreviation columns, not to synonyms)."""
    if not re.fullmatch(r"[A-Za-z0-9]{2,7}", s):
        return False
    return sum(c.isupper() for c in s) >= 2 or any(c.isupper() for c in s[1:]) or (
        s[0].isupper() and any(c.isdigit() for c in s))


def clean_name(s: str, single_min: int = 3) -> str | None:
    """A usable name/synonym, or None.  One-word synonyms shorter than `single_min`
    characters are refused (short single words are mostly generic or ambiguous)."""
    s = re.sub(r"\s+", " ", s.strip())
    if " " not in s and len(s) < single_min:
        return None
    if not s or len(s) < 3 or re.search(r"[()\[\],;:/\"|\t\\=?!]", s):
        return None
    if len(s.split()) > MAX_WORDS or BAD_SYN.search(s) or is_generic(s):
        return None
    if re.match(r"^\d", s) or re.search(r"-\d$", s) or "raphC" in s or "_" in s:
        return None   # "02 optic nerve", "epencephalon-1", mis-encoded or snake_case entries
    if not re.search(r"[a-z]{3}", s):
        return None
    if dedup_key(s) in DROP_ALIAS_KEYS or DROP_NAME.search(s):
        return None
    return s


def clean_abbr(s: str) -> str | None:
    s = s.strip()
    if not re.fullmatch(r"[A-Za-z0-9]{2,7}", s) or s.islower() or s.isdigit():
        return None
    if s in BAD_ABBR or s.upper() in BAD_ABBR or not re.search(r"[A-Z]", s):
        return None
    return s


def stem_set(s: str) -> set[str]:
    """5-letter prefixes of the non-generic words of a name."""
    return {t[:5] for t in TOKEN.findall(s.lower()) if t not in GENERIC and len(t) > 2}


def shares_stem(s: str, stems: set[str]) -> bool:
    """UBERON related/narrow synonyms are kept only when they share a word stem with the
    label or an exact synonym (drops misplaced ones such as 'caecal epithelium')."""
    return bool(stem_set(s) & stems)


def lower_first(s: str) -> str:
    """Allen/Paxinos 'Ventral tegmental area' -> 'ventral tegmental area' (keeps CA1, Ammon's)."""
    if len(s) > 1 and s[0].isupper() and s[1].islower():
        return s[0].lower() + s[1:]
    return s


def snake(s: str) -> str:
    return "_".join(TOKEN.findall(s.lower()))


class Concept:
    def __init__(self, cid: str, name: str):
        self.id = cid
        self.name = name
        self.syn: dict[str, int] = {}        # alias -> priority
        self.abbr: dict[str, int] = {}       # always
        self.abbr_def: dict[str, int] = {}   # if defined
        self.part_of: set[str] = set()
        self.curated_part_of: set[str] = set()
        self.member_of: set[str] = set()
        self.is_a: set[str] = set()
        self.xrefs: set[str] = set()
        self.prov: set[str] = set()
        self.curated = False

    def add_syn(self, s: str | None, pri: int) -> None:
        if s and (s not in self.syn or self.syn[s] > pri):
            self.syn[s] = pri

    def add_abbr(self, s: str | None, pri: int, always: bool = False) -> None:
        if not s:
            return
        d = self.abbr if always else self.abbr_def
        if s not in d or d[s] > pri:
            d[s] = pri


def split_list(cell: str) -> list[str]:
    return [x.strip() for x in cell.split("|") if x.strip()]


# ----------------------------------------------------------------------------- sources

def load_uberon(path: Path, concepts: dict[str, Concept]) -> None:
    terms = json.loads(path.read_text(encoding="utf-8"))
    for t in terms:
        cid = f"UBERON:{t['id']}"
        if cid in DROP_IDS:
            continue
        label = re.sub(r"\s+", " ", t["name"].strip())
        syns = [(re.sub(r"\s+", " ", s.strip()), sc) for s, sc in t.get("synonyms") or []]
        name = label
        if DROP_NAME.search(label) or len(label.split()) > MAX_WORDS:
            continue
        brodmann = re.fullmatch(r"Brodmann \(1909\) area (\d+)", label)
        if brodmann:
            # "Brodmann area 46" / "area 46" is how abstracts write them ("area 1"-"area 3" are too generic)
            n = int(brodmann.group(1))
            name = f"Brodmann area {n}"
            syns = syns + [(name, "E")] + ([(f"area {n}", "E")] if n >= 4 else [])
        if clean_name(label) is None:
            # "Brodmann (1909) area 17", or a label of generic words only ("central medial
            # nucleus"): named by its first clean exact synonym ("central medial nucleus of
            # thalamus"); without one the term is left out
            alts = [s for s, sc in syns if sc == "E" and clean_name(s) and not DROP_NAME.search(s)]
            if not alts:
                continue
            name = alts[0]
        stems = set()
        for x in [label] + [x for x, sc in syns if sc == "E"]:
            stems |= stem_set(x)
        c = Concept(cid, name)
        c.prov.add("UBERON label")
        c.add_syn(name, P_LABEL)
        if name != label:
            c.prov.add("UBERON exact synonyms")
        for s, sc in syns:
            if sc == "B":
                continue
            if looks_like_abbr(s):
                if sc == "E" or sc == "R":
                    c.add_abbr(clean_abbr(s), P_EXACT if sc == "E" else P_RELATED)
                continue
            cs = clean_name(s, 5 if sc == "E" else 7)
            if cs is None or (sc != "E" and not shares_stem(cs, stems)):
                continue
            if sc == "E":
                c.add_syn(cs, P_EXACT)
                c.prov.add("UBERON exact synonyms")
            else:
                c.add_syn(cs, P_RELATED)
                c.prov.add("UBERON related synonyms")
        concepts[cid] = c


def build_index(concepts: dict[str, Concept]) -> dict[str, str]:
    """match_key -> concept id, by best priority, ambiguous keys removed."""
    best: dict[str, tuple[int, set[str]]] = {}
    for c in concepts.values():
        for s, pri in list(c.syn.items()) + [(c.name, P_LABEL)]:
            k = match_key(s)
            if k not in best or pri < best[k][0]:
                best[k] = (pri, {c.id})
            elif pri == best[k][0]:
                best[k][1].add(c.id)
    return {k: next(iter(ids)) for k, (p, ids) in best.items() if len(ids) == 1}


ALLEN_SKIP_ROOTS = {73, 1024, 304325711}   # ventricular systems, grooves, retina
ALLEN_PART_OF_STOP = {703}                  # cortical subplate
# Allen grouping nodes whose names mean something else in abstracts (developmental terms)
ALLEN_SKIP_NAMES = re.compile(r"\b(layer|related|other|unassigned|root|basic cell groups|"
                              r"cortical plate|cortical subplate)\b|/", re.I)


def load_allen(shared: Path, concepts: dict[str, Concept]) -> dict[int, str]:
    tree = pd.read_csv(shared / "allen_structure_tree.csv", dtype={"parent_structure_id": "Int64"})
    tree = tree[tree["id"] != 0]
    js = {int(x["id"]): x for x in json.loads((shared / "allen_ccf_structures.json").read_text(encoding="utf-8"))}
    index = build_index(concepts)
    allen2c: dict[int, str] = {}
    parent: dict[int, int | None] = {}
    path: dict[int, list[int]] = {}
    rows = []
    for r in tree.itertuples(index=False):
        aid = int(r.id)
        parent[aid] = None if pd.isna(r.parent_structure_id) else int(r.parent_structure_id)
        path[aid] = [int(x) for x in str(r.structure_id_path).strip("/").split("/") if x]
        name = js[aid]["name"] if aid in js else str(r.name)
        rows.append((aid, name, str(r.acronym)))
    for aid, name, acro in sorted(rows):
        if set(path[aid]) & ALLEN_SKIP_ROOTS or ALLEN_SKIP_NAMES.search(name):
            continue
        cid = index.get(match_key(name))
        syn = clean_name(lower_first(name), 7)
        if cid is None:
            if syn is None or DROP_NAME.search(name) or "," in name:
                continue
            cid = f"NC:{snake(name)}"
            if cid not in concepts:
                c = Concept(cid, lower_first(name))
                c.add_syn(c.name, P_LABEL)
                concepts[cid] = c
        c = concepts[cid]
        allen2c[aid] = cid
        c.xrefs.add(f"ALLEN:MBA:{aid}")
        c.prov.add("Allen CCF name+acronym")
        c.add_syn(syn, P_ALLEN)
        c.add_abbr(clean_abbr(acro), P_ALLEN)
    # part_of: nearest Allen ancestor that maps to another concept, not across the cortical
    # subplate (the basolateral and lateral amygdala, claustrum: not parts of the cerebral cortex)
    for aid, cid in sorted(allen2c.items()):
        p = parent.get(aid)
        while p is not None and p not in ALLEN_PART_OF_STOP and (p not in allen2c or allen2c[p] == cid):
            p = parent.get(p)
        if p in ALLEN_PART_OF_STOP:
            continue
        if p is not None:
            concepts[cid].part_of.add(allen2c[p])
    return allen2c


def load_paxinos(shared: Path, concepts: dict[str, Concept], allen2c: dict[int, str]) -> None:
    fp = pd.read_csv(shared / "franklin_paxinos_structure_tree.csv", dtype=str, encoding="utf-8-sig")
    fp = fp.rename(columns=lambda c: c.strip()).rename(columns={
        "Franklin-Paxinos Full name": "fp_name", "Franklin-Paxinos abbreviation": "fp_abbr",
        "Allen abbreviation": "allen_abbr"})
    fp = fp[["fp_name", "fp_abbr", "allen_abbr"]]
    acro2allen = {}
    tree = pd.read_csv(shared / "allen_structure_tree.csv", dtype=str)
    for r in tree.itertuples(index=False):
        acro2allen.setdefault(str(r.acronym).strip(), int(r.id))
    index = build_index(concepts)
    for r in fp.itertuples(index=False):
        fname, fabbr, aabbr = r.fp_name, r.fp_abbr, r.allen_abbr
        if not isinstance(fname, str) or not fname.strip():
            continue
        fname = re.sub(r"\s+", " ", fname.strip())
        cid = index.get(match_key(fname))
        if cid is None and isinstance(aabbr, str) and aabbr.strip() in acro2allen:
            aid = acro2allen[aabbr.strip()]
            # only when the Allen structure is the same structure (names match loosely)
            if aid in allen2c:
                cid = allen2c[aid]
                cname = match_key(concepts[cid].name)
                if not (set(match_key(fname).split()) >= set(cname.split())
                        or set(cname.split()) >= set(match_key(fname).split())):
                    cid = None
        if cid is None:
            continue
        c = concepts[cid]
        c.add_syn(clean_name(lower_first(fname), 7), P_PAXINOS)
        if isinstance(fabbr, str):
            c.add_abbr(clean_abbr(fabbr), P_PAXINOS)
        c.prov.add("Franklin-Paxinos name+abbreviation")


def load_neuronames(shared: Path, concepts: dict[str, Concept]) -> None:
    root = etree.parse(str(shared / "neuronames_bluima.xml")).getroot()
    index = build_index(concepts)
    for tok in root.iter("token"):
        cid = index.get(match_key(tok.get("canonical", "")))
        if cid is None:
            continue
        c = concepts[cid]
        added = False
        for v in tok.iter("variant"):
            s = clean_name(v.get("base", ""), 7)
            if s and not looks_like_abbr(s):
                c.add_syn(s, P_NEURONAMES)
                added = True
        if added:
            c.prov.add("NeuroNames variants")


def add_adjectives(concepts: dict[str, Concept], region_level: set[str]) -> None:
    """Adjectival synonyms (lowest priority) from one-word preferred names, and from one-word
    synonyms of the regions of region_level.tsv ("medulla" of the medulla oblongata)."""
    for cid in sorted(concepts):
        c = concepts[cid]
        words = [c.name] + (sorted(c.syn) if cid in region_level else [])
        for word in words:
            adjective = region_adjective(word) if re.fullmatch(r"[A-Za-z]+", word) else None
            if adjective and adjective not in c.syn:
                c.add_syn(adjective, P_ADJECTIVE)
                c.prov.add("adjective rule")


def load_overlay(path: Path, concepts: dict[str, Concept]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rd)
        if tuple(header) != COLUMNS:
            die(f"{path}: header must be {COLUMNS}")
        for n, row in enumerate(rd, 2):
            if len(row) != len(COLUMNS):
                die(f"{path}:{n}: expected {len(COLUMNS)} columns, got {len(row)}")
            r = dict(zip(COLUMNS, row))
            cid = r["id"]
            if r["type"] != TYPE:
                die(f"{path}:{n}: type must be {TYPE}")
            if cid not in concepts:
                if not r["name"]:
                    die(f"{path}:{n}: new concept {cid} needs a name")
                concepts[cid] = Concept(cid, r["name"])
            c = concepts[cid]
            c.curated = True
            if r["name"] and r["name"] != c.name:
                c.add_syn(c.name, P_LABEL)     # keep the ontology label as a synonym
                c.name = r["name"]
            c.add_syn(c.name, P_CURATED)
            for s in split_list(r["synonyms"]):
                c.add_syn(s, P_CURATED)
            for s in split_list(r["abbreviations"]):
                c.add_abbr(s, P_CURATED, always=True)
            for s in split_list(r["abbreviations_if_defined"]):
                c.add_abbr(s, P_CURATED)
            c.curated_part_of.update(split_list(r["part_of"]))
            c.member_of.update(split_list(r["member_of"]))
            c.is_a.update(split_list(r["is_a"]))
            c.xrefs.update(split_list(r["xrefs"]))
            c.prov.add("curated overlay")


# ----------------------------------------------------------------------------- resolution

def load_other_aliases(kb_dir: Path, out: Path) -> dict[str, str]:
    """Alias keys used by the other concept files of the knowledge base -> 'file:id'."""
    taken: dict[str, str] = {}
    for path in sorted(kb_dir.glob("*.tsv")):
        if path.resolve() == out.resolve() or path.name == "brain_regions.tsv":
            continue   # our own output (also when writing elsewhere with --out)
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                where = f"{path.name}:{r.get('id')}"
                for s in [r.get("name") or ""] + split_list(r.get("synonyms") or ""):
                    for k in {alias_key(s), alias_key(s.replace("-", ""))}:
                        taken.setdefault("S:" + k, where)
                for s in split_list(r.get("abbreviations") or "") + split_list(
                        r.get("abbreviations_if_defined") or ""):
                    taken.setdefault("A:" + s, where)
                    taken.setdefault("L:" + alias_key(s), where)
    return taken


def resolve_aliases(concepts: dict[str, Concept], taken: dict[str, str]) -> None:
    """Every alias maps to one concept: aliases of the other concept files are left to them,
    then the best priority wins and ties are dropped."""
    # Names and synonyms are matched case-insensitively (key "S:"), abbreviations exactly
    # ("A:"); an abbreviation must not equal a synonym either (its lower-case key "L:" is
    # compared with "S:" keys, not with other abbreviations: "NAc" and "NAC" may differ).
    claims: dict[str, list[tuple[float, str, str, str]]] = defaultdict(list)
    for c in concepts.values():
        for s, p in c.syn.items():
            # the matcher also reads "cervico-thoracic" as "cervicothoracic"
            for k in {alias_key(s), alias_key(s.replace("-", ""))}:
                claims["S:" + k].append((p, c.id, "syn", s))
        for d, kind in ((c.abbr, "abbr"), (c.abbr_def, "def")):
            for s, p in d.items():
                claims["A:" + s].append((p, c.id, kind, s))
                claims["L:" + alias_key(s)].append((p + 0.5, c.id, kind, s))
    lose: set[tuple[str, str, str]] = set()

    def give_up(cl, used_by: str) -> None:
        for p, cid, kind, s in cl:
            if p < P_LABEL:
                print(f"derive_brain_regions: warning: curated alias {s!r} of {cid} is already "
                      f"used by {used_by}; left out", file=sys.stderr)
            lose.add((cid, kind, s))

    groups: dict[str, list] = {}
    for k in sorted(claims):
        kind, key = k.split(":", 1)
        if kind == "A":
            if k in taken:
                give_up(claims[k], taken[k])
            else:
                groups[k] = claims[k]
        elif kind == "S":
            other = taken.get(k) or taken.get("L:" + key)
            if other:
                give_up(claims[k], other)
            else:
                groups[k] = claims[k] + claims.get("L:" + key, [])
        elif kind == "L":
            if "S:" + key in taken:
                give_up(claims[k], taken["S:" + key])
    for k in sorted(groups):
        cl = groups[k]
        ids = {cid for _, cid, _, _ in cl}
        if len(ids) < 2:
            continue
        best = min(p for p, _, _, _ in cl)
        winners = {cid for p, cid, _, _ in cl if p == best}
        if len(winners) > 1:
            if best == P_CURATED:
                die(f"curated alias {k!r} is given to several concepts: {sorted(winners)}")
            winners = set()
        for p, cid, kind, s in cl:
            if cid not in winners:
                lose.add((cid, kind, s))
    for cid, kind, s in lose:
        c = concepts[cid]
        {"syn": c.syn, "abbr": c.abbr, "def": c.abbr_def}[kind].pop(s, None)
    # a concept that lost its own name to another concept is dropped (unless curated)
    for cid in sorted(concepts):
        c = concepts[cid]
        if not c.curated and c.name not in c.syn:
            del concepts[cid]


def resolve_relations(concepts: dict[str, Concept]) -> None:
    for c in concepts.values():
        c.part_of = {p for p in c.part_of if p in concepts and p != c.id}
        for p in c.curated_part_of:
            if p not in concepts:
                die(f"{c.id}: curated part_of {p} is not a brain-region concept")
    # curated edges first, then derived ones; an edge that would close a cycle is skipped
    graph: dict[str, set[str]] = defaultdict(set)

    def reaches(a: str, b: str) -> bool:
        stack, seen = [a], set()
        while stack:
            x = stack.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                stack.extend(graph[x])
        return False

    for curated in (True, False):
        for cid in sorted(concepts):
            c = concepts[cid]
            for p in sorted(c.curated_part_of if curated else c.part_of - c.curated_part_of):
                if p == cid or reaches(p, cid):
                    if curated:
                        die(f"curated part_of {cid} -> {p} makes a cycle")
                    continue
                graph[cid].add(p)
    for cid, c in concepts.items():
        c.part_of = set(graph[cid])


def provenance(c: Concept) -> str:
    order = ["UBERON label", "UBERON exact synonyms", "UBERON related synonyms",
             "Allen CCF name+acronym", "Franklin-Paxinos name+abbreviation",
             "NeuroNames variants", "adjective rule", "curated overlay"]
    parts = [p for p in order if p in c.prov]
    out = []
    if "UBERON label" in parts:
        u = "UBERON label"
        if "UBERON exact synonyms" in parts:
            u += "+exact synonyms"
        if "UBERON related synonyms" in parts:
            u += "+related synonyms"
        out.append(u)
    out += [p for p in parts if not p.startswith("UBERON")]
    if c.id.startswith("NC:") and not out:
        out = ["curated overlay"]
    return "; ".join(out)


def sort_aliases(xs) -> list[str]:
    return sorted(set(xs), key=lambda s: (s.casefold(), s))


def rows_of(concepts: dict[str, Concept]) -> list[list[str]]:
    rows = []
    for cid in sorted(concepts):
        c = concepts[cid]
        name_key = dedup_key(c.name)
        syn, seen = [], {name_key}
        # among duplicates keep the best-sourced, then the singular/American form
        for s in sorted(c.syn, key=lambda s: (c.syn[s], alias_key(s) != s.lower(), s.casefold(), s)):
            k = dedup_key(s)
            if k not in seen:
                seen.add(k)
                syn.append(s)
        abbr = sort_aliases(c.abbr)
        abbr_def = sort_aliases(a for a in c.abbr_def if a not in c.abbr)
        cells = [cid, TYPE, c.name, "|".join(sort_aliases(syn)), "|".join(abbr),
                 "|".join(abbr_def), "|".join(sorted(c.part_of)), "|".join(sorted(c.member_of)),
                 "|".join(sorted(c.is_a)), "|".join(sorted(c.xrefs, key=_xref_key)), provenance(c)]
        for x in cells:
            if "\t" in x or "\n" in x or x != x.strip():
                die(f"{cid}: bad cell {x!r}")
        rows.append(cells)
    return rows


def _xref_key(x: str):
    m = re.match(r"(.*?)(\d+)$", x)
    return (m.group(1), int(m.group(2))) if m else (x, 0)


def write_atomic(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for r in [list(COLUMNS), *rows]:
                f.write("\t".join(r) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "corpora",
                    help="folder holding brain_lexicons/ (default: ../shared/corpora next to the repo)")
    ap.add_argument("--overlay", type=Path, default=REPO / "models/kb/curation/brain_regions_curated.tsv")
    ap.add_argument("--out", type=Path, default=REPO / "models/kb/concepts/brain_regions.tsv")
    ap.add_argument("--region-level", type=Path, default=REPO / "models/kb/region_level.tsv",
                    help="regions whose one-word synonyms also give adjectives (medulla -> medullary)")
    ap.add_argument("--kb-dir", type=Path, default=REPO / "models/kb/concepts",
                    help="the other concept files here keep their aliases (no alias on two concepts)")
    a = ap.parse_args(argv)
    lex = a.shared / "brain_lexicons"
    if not lex.is_dir():
        die(f"reference lexicons not found at {lex} (pass --shared PATH; the committed "
            f"brain_regions.tsv does not need them)")
    if not a.overlay.is_file():
        die(f"curated overlay not found at {a.overlay}")
    DROP_ALIAS_KEYS.update(dedup_key(x) for x in DROP_ALIASES)
    concepts: dict[str, Concept] = {}
    load_uberon(lex / "uberon_brain_structures.json", concepts)
    load_overlay(a.overlay, concepts)
    allen2c = load_allen(lex, concepts)
    load_paxinos(lex, concepts, allen2c)
    load_neuronames(lex, concepts)
    with a.region_level.open(encoding="utf-8") as f:
        add_adjectives(concepts, {r["concept_id"] for r in csv.DictReader(f, delimiter="\t")})
    resolve_aliases(concepts, load_other_aliases(a.kb_dir, a.out) if a.kb_dir.is_dir() else {})
    resolve_relations(concepts)
    rows = rows_of(concepts)
    write_atomic(a.out, rows)
    print(f"wrote {len(rows)} BRAIN_REGION concepts to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
