// Typing a new card's number, or an address, picks the "new" choice of its form; a form
// shown again after a refusal brings its reason into view.
(() => {
  const refused = document.querySelector("[data-refused]");
  if (refused) { refused.scrollIntoView({block: "center"}); refused.focus({preventScroll: true}); }
  for (const box of document.querySelectorAll("[data-card-choice]")) {
    const number = box.querySelector("input[name=card_number]");
    const pick = box.querySelector("[data-new-card]");
    if (number && pick) number.addEventListener("input", () => { if (number.value.trim()) pick.checked = true; });
  }
  for (const fields of document.querySelectorAll("[data-typed-address]")) {
    const pick = fields.closest("form").querySelector("[data-new-address]");
    if (pick) fields.addEventListener("input", () => { pick.checked = true; });
  }
})();
