"""Reports that only read: data builders (plain values from SQL aggregates in a constant number of
queries), and one renderer for PDF (WeasyPrint), CSV and XLSX."""
