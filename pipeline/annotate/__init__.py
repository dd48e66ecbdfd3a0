"""Annotate: the spaCy pipeline that finds concept mentions in a record's text.

One module per component, and what they share:

- nlp.py: build_nlp, the one function that builds the pipeline (and its cache);
- sentences.py, abbreviations.py: sentence boundaries, abbreviation definitions;
- normalize.py, patterns.py, coordination.py: spelling variants, knowledge-base aliases as
  matcher patterns, coordinated names ("basolateral and central amygdala");
- concept_matcher.py, resolution.py: knowledge-base matches and their ambiguity resolved;
- ner.py, linking.py: the trained NER, merged with the matches, and NER spans linked to concepts;
- context.py, relations.py, species.py: negated and hedged mentions, directed relations, species tags;
- document.py: `annotate`, records in, AnnotatedDocuments (sentences, Mentions) out.

This file holds no code, so that the pure modules (normalize) import without spaCy.
"""
