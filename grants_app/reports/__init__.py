"""Reports and documents that only read: data builders (plain values from SQL aggregates in a constant
number of queries), and the renderers for PDF (WeasyPrint), CSV and XLSX."""
