// The campaign form's rows (reward tiers, FAQ entries, shipping rates): add a row, up to
// the most the campaign may have, and remove one. Without JavaScript the form shows the
// rows it has and one blank row of each to fill, and a row emptied is left out when saved.
(() => {
  const form = document.querySelector("form.campaign-form");
  if (!form) return;

  const blank = (row) => {
    for (const field of row.querySelectorAll("input, textarea")) field.value = "";
    for (const select of row.querySelectorAll("select")) select.selectedIndex = 0;
    for (const problem of row.querySelectorAll(".field-problem")) problem.remove();
  };

  for (const rows of form.querySelectorAll("[data-rows]")) {
    const name = rows.dataset.rows;
    const add = form.querySelector(`[data-add-row="${name}"]`);
    const most = Number(rows.dataset.most) || 12;
    const all = () => Array.from(rows.querySelectorAll(":scope > [data-row]"));

    const renumber = () => {
      const list = all();
      list.forEach((row, index) => {
        row.querySelector("[data-row-number]").textContent = String(index + 1);
        // Tiers keep at least one row; a FAQ or a shipping table may be emptied.
        row.querySelector("[data-remove-row]").hidden = name === "tiers" && list.length < 2;
      });
      add.hidden = list.length >= most;
    };

    add.addEventListener("click", () => {
      const list = all();
      if (list.length >= most) return;
      const copy = list[list.length - 1].cloneNode(true);
      blank(copy);
      rows.append(copy);
      renumber();
      copy.querySelector("input, textarea").focus();
    });

    rows.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-row]");
      if (!button) return;
      const list = all();
      const row = button.closest("[data-row]");
      if (list.length < 2) {
        if (name === "tiers") return;
        blank(row); // the last row stays, emptied: one to fill, and nothing saved from it
      } else {
        row.remove();
      }
      renumber();
      add.focus();
    });

    renumber();
  }
})();
