"""Documents built from the data: report data builders (plain values, constant queries) and the PDF
renderer."""
