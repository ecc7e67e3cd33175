"""The document layer: DOCX (and later PDF) that people file in real life.

Data is prepared elsewhere (selectors, the core); these modules only lay it out.
"""
