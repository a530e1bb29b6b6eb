"""Pre-annotation: rule, lexicon and string-matcher suggestion models per guide, imported into
Label Studio as predictions (`partages-ls predict`) or served as an ML backend
(`partages-ls ml-backend serve`)."""
