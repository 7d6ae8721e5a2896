"""Analysis engines that need no report model: lexical resolution, ranking metrics."""
