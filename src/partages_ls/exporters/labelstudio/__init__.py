"""Label Studio: ``read`` (an export's tasks into the corpus model) and ``write`` (a corpus annotation as results).

Its third part, the labelling configuration generated from a guide, is :mod:`partages_ls.label_configs`.
"""
