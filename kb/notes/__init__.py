"""Read a note: its outline, front matter, page properties, links and page names, code and
math regions, macros, and the graph of all notes. Imports nothing else of kb."""
