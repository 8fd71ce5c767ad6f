"""Records in, determinations out: input records, screening, OWL classification, the rule runner, both engines."""
