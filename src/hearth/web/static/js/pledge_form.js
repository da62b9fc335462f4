// The pledge form's quantity follows the picked reward's per-backer limit.
(() => {
  const form = document.getElementById("pledge-form");
  if (!form) return;
  const quantity = form.querySelector("input[name=quantity]");
  const help = form.querySelector("[data-per-backer-help]");
  form.addEventListener("change", (event) => {
    const tier = event.target;
    if (!quantity || tier.name !== "tier_id" || !tier.dataset.perBacker) return;
    quantity.max = tier.dataset.perBacker;
    if (help) help.textContent = `Up to ${tier.dataset.perBacker} per backer for this reward.`;
  });
})();
