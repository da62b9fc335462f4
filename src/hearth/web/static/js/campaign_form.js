// The campaign form's tier rows: add a row (up to the most a campaign may have) and remove
// one. Without JavaScript the form shows the tiers it has and one blank row to fill, and a
// row emptied of title and price is left out when it is saved.
(() => {
  const form = document.querySelector("form.campaign-form");
  if (!form) return;
  const rows = form.querySelector("[data-tier-rows]");
  const add = form.querySelector("[data-add-tier]");
  const most = Number(form.dataset.maxTiers) || 12;
  const all = () => Array.from(rows.querySelectorAll("[data-tier-row]"));

  const renumber = () => {
    const list = all();
    list.forEach((row, index) => {
      row.querySelector("[data-tier-number]").textContent = String(index + 1);
      row.querySelector("[data-remove-tier]").hidden = list.length < 2;
    });
    add.hidden = list.length >= most;
  };

  const blank = (row) => {
    for (const field of row.querySelectorAll("input, textarea")) field.value = "";
    for (const problem of row.querySelectorAll(".field-problem")) problem.remove();
  };

  add.addEventListener("click", () => {
    const list = all();
    if (list.length >= most) return;
    const copy = list[list.length - 1].cloneNode(true);
    blank(copy);
    rows.append(copy);
    renumber();
    copy.querySelector("input").focus();
  });

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-tier]");
    if (!button || all().length < 2) return;
    button.closest("[data-tier-row]").remove();
    renumber();
    add.focus();
  });

  renumber();
})();
