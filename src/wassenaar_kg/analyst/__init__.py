"""What analysts ask: the query library, the reasoned graph, graph export, comparison, statistics, quality checks."""
