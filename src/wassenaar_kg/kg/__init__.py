"""The knowledge graph and its data: packaged files, namespaces, dated facts, caches, Oxigraph bridges, the table builder."""
