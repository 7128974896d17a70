"""A client's record as one PDF, for records requests. Rooms:

types.py   the typed contents: the client's header, signed plan versions, signed individual notes
gather.py  reads the signed plan versions and signed notes of one client into those types
pdf.py     renders the contents as PDF bytes (fpdf2, with the vendored DejaVu Sans embedded)

Who may export and the audit row are the service's: records.services.export.record_export.
"""
