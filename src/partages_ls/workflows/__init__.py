"""The commands' workflows, one layer above the parts.

Each module here runs one command end to end (build, validate, import, export, agreement, predict,
demo and its curation step) by calling the parts (guides, exporters, agreement, studio, curation,
predict). The
command line calls these; the parts never import this package. Every workflow is given its
:class:`~partages_ls.workspace.Workspace` (guides and content folders) by its caller.
"""
