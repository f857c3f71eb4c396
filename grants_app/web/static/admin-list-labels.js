// Flask-Admin names each list row's checkbox only by its title ("Select record"), which screen readers
// may not announce and which says nothing about the row. Give each one a label naming its row.
document.querySelectorAll("input.action-checkbox").forEach((box) => {
  const row = box.closest("tr");
  const cell = row && Array.from(row.cells).find((c) => !c.querySelector("input, form") && c.textContent.trim());
  box.setAttribute("aria-label", "Select " + (cell ? cell.textContent.trim() : "this record"));
});
document.querySelectorAll("input.action-rowtoggle").forEach((box) => {
  box.setAttribute("aria-label", "Select all records on this page");
});
